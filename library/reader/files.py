"""GET /sach/<id>/tep: the book file itself, as a download named after its title.
GET /doc/<id>/tep-doc: the PDF as the reader fetches it (original + reader tail + the
recognised pages' text layer, library.ocr.layer)."""
import io
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from flask import Response, abort, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

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


class _Joined(io.RawIOBase):
    """Files read as one, seekable: the original PDF, then its incremental updates."""

    def __init__(self, first: Path, *more: Path):
        self._parts = [(open(first, "rb"), first.stat().st_size)]
        for path in more:
            self._parts.append((open(path, "rb"), path.stat().st_size))
        self.size = sum(size for _, size in self._parts)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        start = 0
        for fh, size in self._parts:
            if self._pos < start + size:
                fh.seek(self._pos - start)
                count = fh.readinto(memoryview(buffer)[:min(len(buffer), start + size - self._pos)])
                self._pos += count
                return count
            start += size
        return 0

    def close(self) -> None:
        for fh, _ in self._parts:
            fh.close()
        super().close()


def reader_version(book: Book) -> str:
    """Changes with the file, its tail and its text layer: the reader's URL carries it, so it
    may be cached."""
    tail = (book.reader_tail_name or "").rsplit("/", 1)[-1][:8]
    layer = (book.ocr_layer_name or "").rsplit("/", 1)[-1][:8]
    return f"{book.sha256[:16]}{tail}{layer}"


@bp.get("/doc/<int:book_id>/tep-doc")
def reader_file(book_id: int):
    """The PDF as the reader fetches it, in ranges: the original file followed by its reader
    tail (library.extraction.page_tree), when it has one. Not a download: that stays
    /sach/<id>/tep, the original untouched."""
    book = queries.visible_book(book_id) or abort(404)
    if not book.is_pdf:
        abort(404)
    store = get_store()
    try:
        original = store.path(book.stored_name)
        tail = store.path(book.reader_tail_name) if book.reader_tail_name else None
        if tail is not None and not tail.is_file():
            tail = None  # a lost tail costs speed, not the book
        # The text layer was made over the original and this very tail: without the tail it
        # would point at objects that are not there.
        layer = store.path(book.ocr_layer_name) if book.ocr_layer_name else None
        if layer is not None and (not layer.is_file() or (book.reader_tail_name and tail is None)):
            layer = None
        updates = [p for p in (tail, layer) if p is not None]
        joined = _Joined(original, *updates)
    except (ValueError, FileNotFoundError):
        abort(404)
    # werkzeug's own wrapper, not the server's wsgi.file_wrapper (gunicorn's cannot seek, so
    # a range near the end would read everything before it).
    response = Response(FileWrapper(joined), mimetype=PDF, direct_passthrough=True)
    # pdf.js switches to ranges only when the first answer gives the length (and Accept-Ranges).
    response.content_length = joined.size
    response.set_etag(f"{book.sha256[:32]}-{tail.stem[:8] if tail else 'pdf'}"
                      f"{'-' + layer.stem[:8] if layer else ''}")
    modified = max(p.stat().st_mtime for p in (original, *updates))
    response.last_modified = datetime.fromtimestamp(int(modified), timezone.utc)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    if request.args.get("v") == reader_version(book):
        response.cache_control.max_age = 86400
    else:
        response.cache_control.no_cache = True
    # 304 for If-None-Match / If-Modified-Since, 206 for Range, 416 outside the file.
    try:
        response = response.make_conditional(request.environ, accept_ranges=True,
                                             complete_length=joined.size)
        if response.status_code == 304:
            joined.close()
            response.response = []
        return response
    except RequestedRangeNotSatisfiable:
        joined.close()
        # Bare, with the length a client needs to ask again (not the HTML error page).
        refused = Response(status=416, headers={"Content-Range": f"bytes */{joined.size}",
                                                "Accept-Ranges": "bytes"})
        refused.cache_control.private = True
        return refused
