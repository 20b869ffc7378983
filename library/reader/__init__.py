"""The reader: a book opened at a page or chapter, with the searched words highlighted;
where each user stopped, bookmarks, and the pages and chapters they have seen."""
from flask import Blueprint

from library.i18n import add_translations
from library.reader.i18n_en import ENGLISH

bp = Blueprint("reader", __name__)
bp.record_once(lambda state: add_translations(ENGLISH))

from library.reader import views  # noqa: E402,F401
from library.reader import files  # noqa: E402,F401
from library.reader import resources  # noqa: E402,F401
from library.reader import vendor  # noqa: E402,F401
from library.reader.kosync_api import bp as kosync_bp  # noqa: E402

bp.register_blueprint(kosync_bp)  # /kosync: KOReader's progress sync
