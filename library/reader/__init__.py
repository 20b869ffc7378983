"""The reader: a book opened at a page or chapter, with the searched words highlighted;
where each user stopped, bookmarks, and the pages and chapters they have seen."""
from flask import Blueprint

bp = Blueprint("reader", __name__)

from library.reader import views  # noqa: E402,F401
from library.reader import files  # noqa: E402,F401
from library.reader import resources  # noqa: E402,F401
from library.reader import vendor  # noqa: E402,F401
from library.reader.kosync_api import bp as kosync_bp  # noqa: E402

bp.register_blueprint(kosync_bp)  # /kosync: KOReader's progress sync
