"""Reading lists: secretaries assign, members read, the branch sees who has finished."""
from flask import Blueprint, Flask

from library.reading_lists import models, moves  # noqa: F401  (tables known to the metadata)

bp = Blueprint("reading_lists", __name__)


def _is_manager(user) -> bool:
    from library.auth.permissions import can_manage_reading_lists

    return can_manage_reading_lists(user)


def _reads_lists(user) -> bool:
    # Librarians and admins follow lists; only members and secretaries get them to read.
    from library.reading_lists.service import READER_ROLES

    return getattr(user, "role", None) in READER_ROLES


def _unread(user) -> int:
    from library.reading_lists.service import unread_count

    return unread_count(user)


def init_app(app: Flask) -> None:
    from library.i18n import add_translations
    from library.navigation import add_link
    from library.reading_lists.cli import lists_cli
    from library.reading_lists.i18n_en import ENGLISH

    app.register_blueprint(bp)
    add_translations(ENGLISH)
    add_link(app, "reading_lists.mine", "Sách được giao", visible=_reads_lists, order=20,
             badge=_unread)
    add_link(app, "reading_lists.manage", "Quản lý danh sách đọc", visible=_is_manager, order=30)
    app.cli.add_command(lists_cli)


from library.reading_lists import api, views  # noqa: E402,F401  (register the routes on bp)
