"""GET /sach/<id>/tep: the book file itself, as a download named after its title."""
import re
import unicodedata
from urllib.parse import quote

from flask import abort, send_file

from library.catalog import queries
from library.catalog.models import EPUB, PDF, Book
from library.reader import bp
from library.storage import get_store
from library.vietnamese import clean_text

EXTENSIONS = {PDF: ".pdf", EPUB: ".epub"}
MAX_NAME = 120  # characters of the title kept; some file systems stop at 255 bytes
# Path separators, characters Windows refuses in names, and anything invisible or
# control-like: a title is free text and must not become a path or break the header.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")
# RFC 5987 attr-char: what may stay unescaped in filename*.
_ATTR_CHARS = "!#$&+-.^_`|~"


def download_names(book: Book) -> tuple[str, str]:
    """(ASCII fallback, full UTF-8 name) for Content-Disposition; neither is path-like."""
    ext = EXTENSIONS.get(book.media_type, "")
    title = " ".join(_UNSAFE.sub(" ", clean_text(book.title or "")).split())
    # Leading dots would make a hidden file; trailing ones are dropped by Windows.
    title = title[:MAX_NAME].strip(" .") or f"sach-{book.id}"
    # đ/Đ have no decomposition, so NFKD alone would drop them from the fallback.
    plain = unicodedata.normalize("NFKD", title.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = " ".join(_NOT_ASCII_NAME.sub(" ", plain).split()).strip(" .") or f"sach-{book.id}"
    return plain + ext, title + ext


@bp.get("/sach/<int:book_id>/tep")
def download(book_id: int):
    book = queries.visible_book(book_id) or abort(404)
    try:
        path = get_store().path(book.stored_name)
        # conditional=True answers If-None-Match / If-Modified-Since with 304 and
        # Range with 206, so readers can resume and stream large PDFs.
        response = send_file(path, mimetype=book.media_type, as_attachment=True,
                             download_name="book", conditional=True, etag=True)
    except (ValueError, FileNotFoundError):
        # A row whose file is gone (or was never a stored name) is a missing book,
        # not a server error.
        abort(404)
    ascii_name, utf8_name = download_names(book)
    response.headers.set("Content-Disposition", "attachment", filename=ascii_name,
                         **{"filename*": "UTF-8''" + quote(utf8_name, safe=_ATTR_CHARS)})
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Books are only for signed-in users: shared caches must not keep them.
    response.cache_control.private = True
    return response
