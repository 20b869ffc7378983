"""A branch's members and their onboarding: activation codes and slips, the first sign-in
with a code (page and API). Admins for every branch, a secretary for the own branch."""
from flask import Blueprint, Flask

bp = Blueprint("members", __name__)


def _is_secretary(user) -> bool:
    return getattr(user, "role", None) == "secretary" and getattr(user, "branch_id", None) is not None


def init_app(app: Flask) -> None:
    from library.auth.cli import users_cli
    from library.members.cli import activation_codes, set_password
    from library.navigation import add_link
    from library.translatable import N_

    app.config.setdefault("ACTIVATION_CODE_DAYS", 30)
    add_link(app, "members.home", N_("Chi bộ của tôi"), visible=_is_secretary, order=35)
    users_cli.add_command(activation_codes)
    users_cli.add_command(set_password)
    app.register_blueprint(bp)


from library.members import views  # noqa: E402,F401  (registers the routes on bp)
