"""The librarian's console: uploads with progress, metadata edits, replace, withdraw, delete."""
from flask import Blueprint, Flask, abort
from flask_login import current_user

from library.auth.permissions import can_manage_catalog, deny_unauthenticated

bp = Blueprint("console", __name__, url_prefix="/thu-vien")


@bp.before_request
def _librarians_only():
    # One check for every console route, so a new page cannot forget it.
    if not current_user.is_authenticated:
        deny_unauthenticated()
    if not can_manage_catalog(current_user):
        abort(403)


def init_app(app: Flask) -> None:
    from library import navigation
    from library.translatable import N_
    from library.console import recognition, views  # noqa: F401  (register the routes on bp)

    app.register_blueprint(bp)
    navigation.add_link(app, "console.index", N_("Thư viện"), visible=can_manage_catalog, order=60)
