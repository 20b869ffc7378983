"""GET /api/books and /api/books/<id>: the catalogue as JSON; POST /api/books: one upload."""
from flask import abort, request, url_for
from flask_login import current_user

from library import extraction, jobs
from library.api import bp
from library.auth.models import ADMIN, LIBRARIAN
from library.auth.permissions import role_required
from library.catalog import limits
from library.catalog.manifest import BookMetadata, split_authors
from library.catalog import queries
from library.catalog.contents import API_PER_PAGE, sections_slice, toc_slice
from library.catalog.uploads import client_name
from library.catalog.links import cover_url
from library.catalog.models import Book
from library.i18n import gettext as _, message
from library.extensions import db
from library.jobs import runner
from library.ocr import service as ocr
from library.jobs.models import FileStatus
from library.storage import get_store
from library.vietnamese import clean_text
from library.security import page_arg

MAX_PER_PAGE = 500


def book_json(book: Book) -> dict:
    return {
        "id": book.id,
        "title": book.title,
        "authors": list(book.authors or []),
        "shelf": book.shelf.slug,
        "year": book.year,
        "media_type": book.media_type,
        "pages": book.page_count if book.is_pdf else None,
        "status": book.status,
        "index_status": book.index_status,
        "searchable": book.searchable,
    }


@bp.get("/api/books")
def list_books():
    shelf = None
    if slug := request.args.get("shelf"):
        shelf = queries.shelf_by_slug(slug)
        if shelf is None:
            return {"error": _("Không có tủ sách «{slug}»", slug=slug)}, 400
    per_page = max(1, min(request.args.get("per_page", 50, type=int) or 50, MAX_PER_PAGE))
    page = db.paginate(queries.visible_books(shelf), page=page_arg(),
                       per_page=per_page, error_out=False, count=True)
    return {"total": page.total, "page": page.page, "books": [book_json(b) for b in page.items]}


@bp.get("/api/books/<int:book_id>")
def get_book(book_id: int):
    book = queries.visible_book(book_id) or abort(404)
    # Both lists come 1,000 entries at a time (every real book fits in one): a book of
    # thousands of pages must not make an answer of megabytes.
    sections, sections_page, sections_total = sections_slice(
        book.id, request.args.get("sections_page", 1, type=int) or 1)
    toc, toc_page, toc_total = toc_slice(book, request.args.get("toc_page", 1, type=int) or 1)
    return {
        **book_json(book),
        "publisher": book.publisher,
        "description": book.description,
        "read_url": url_for("reader.read", book_id=book.id),
        "cover_url": cover_url(book) if book.cover_name else None,
        "sections": sections,
        "sections_total": sections_total,
        "sections_page": sections_page,
        "toc": toc,
        "toc_total": toc_total,
        "toc_page": toc_page,
        "per_page": API_PER_PAGE,
        # A scan's recognition: status, pages_done / pages_total, seconds_left, confidence.
        "ocr": _recognition(book),
    }


@bp.post("/api/books")
@role_required(LIBRARIAN, ADMIN)
def upload_book():
    """One file, parsed before the answer so a bad file is refused with its reason (and
    nothing kept); a good one is 202: stored and readable, its indexing still under way."""
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        return {"error": _("Thiếu tệp: gửi multipart/form-data với trường 'file'")}, 400
    shelf = None
    if slug := request.form.get("shelf"):
        if (shelf := queries.shelf_by_slug(slug)) is None:
            return {"error": _("Không có tủ sách «{slug}»", slug=slug)}, 400
    filename = client_name(storage.filename)
    if reason := runner.extension_refusal(filename):
        return {"error": message(reason)}, 415
    title = clean_text(request.form.get("title", "")).strip() or None
    authors = split_authors(request.form["authors"]) if request.form.get("authors", "").strip() else None
    try:
        limits.check(BookMetadata(title, authors))
    except limits.MetadataError as exc:
        return {"error": _(str(exc))}, 400
    job = runner.create_job([runner.Upload(filename, storage.stream, BookMetadata(title, authors))],
                            shelf=shelf, source="api", user=current_user)
    row = job.files[0]
    refused_status = _content_status(get_store().path(row.staged_name), filename)
    if not jobs.run_and_wait(job.id):
        return {"job_id": job.id, "status": "queued",
                "url": url_for("console.job", job_id=job.id)}, 202
    db.session.refresh(row)
    if row.status == FileStatus.IMPORTED:
        book = db.session.get(Book, row.book_id)
        return {**book_json(book), "job_id": job.id, "warnings": [message(w) for w in row.warnings],
                "url": url_for("catalog.book", book_id=book.id)}, 202
    if row.status == FileStatus.DUPLICATE:
        return {"error": message(row.reason_message or row.reason), "existing_id": row.book_id,
                "job_id": job.id}, 409
    return {"error": message(row.reason_message or row.reason) or _("Không nhập được tệp"),
            "job_id": job.id}, refused_status or 422


def _content_status(path, filename: str) -> int | None:
    """415 when the bytes are not a PDF/EPUB (or not what the name says), else None."""
    try:
        media_type = extraction.sniff(path)
    except extraction.UnsupportedFile:
        return 415
    except extraction.ExtractionError:
        return None
    return 415 if runner.extension_refusal(filename, media_type) else None


def _recognition(book) -> dict | None:
    """A scan's recognition; an EPUB has one only when it has picture pages to read."""
    found = ocr.progress(book.id)
    if not book.is_pdf and found.status == "none":
        return None
    return {**found.as_json(), "failed_pages": [{"page": item["page"], "reason": message(item["reason"])}
                                                for item in found.failed]}
