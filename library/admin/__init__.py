"""Administration: users, branches, the member import and the audit log (admins only)."""
from flask import Blueprint, Flask, abort, request
from flask_login import current_user

from library.auth import bearer_token
from library.auth.permissions import can_manage_accounts, deny_unauthenticated
from library.navigation import add_link
from library.translatable import N_

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")


@bp.before_request
def _admins_only():
    # For the whole blueprint, so that a route added later cannot forget the check.
    if not current_user.is_authenticated:
        deny_unauthenticated()
    if not can_manage_accounts(current_user):
        abort(403)
    # Accounts are managed by a person at a browser: a leaked API token of an admin
    # must not be able to mint accounts or passwords.
    if bearer_token(request) is not None:
        abort(403)


def init_app(app: Flask) -> None:
    add_link(app, "admin.index", N_("Quản trị"), visible=can_manage_accounts, order=90)
    app.register_blueprint(bp)


from library.admin import audit_views, branch_views, import_views, user_views  # noqa: E402,F401
