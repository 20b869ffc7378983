"""Reading lists: secretaries assign, members read, the branch sees who has finished."""
from flask import Blueprint, Flask

from library.reading_lists import models, moves  # noqa: F401  (tables known to the metadata)

bp = Blueprint("reading_lists", __name__)


def _unread(user) -> int:
    from library.reading_lists.service import unread_count

    return unread_count(user)


def init_app(app: Flask) -> None:
    from library.auth.permissions import can_manage_reading_lists, can_receive_reading_lists
    from library.navigation import add_link
    from library.translatable import N_
    from library.reading_lists.cli import lists_cli

    app.register_blueprint(bp)
    add_link(app, "reading_lists.mine", N_("Sách được giao"), visible=can_receive_reading_lists,
             order=20, badge=_unread)
    add_link(app, "reading_lists.manage", N_("Quản lý danh sách đọc"), visible=can_manage_reading_lists,
             order=30)
    app.cli.add_command(lists_cli)


from library.reading_lists import views  # noqa: E402,F401  (register the routes on bp)
