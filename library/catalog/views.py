"""Pages of the catalogue: home, a shelf, a book, its cover."""
from flask import abort, current_app, render_template, send_file, send_from_directory
from flask_login import current_user

from library.auth.permissions import can_manage_catalog, public
from library.catalog import bp, queries
from library.catalog.contents import chapter_count, contents_page
from library.catalog.labels import is_page, section_label
from library.catalog.links import cover_url
from library.extensions import db
from library.reader.progress import recent_positions
from library.security import page_arg
from library.storage import get_store


@bp.get("/")
def home():
    reading = recent_positions(current_user.id)
    return render_template(
        "catalog/home.html",
        shelves=queries.shelves_with_counts(),
        recent=queries.recent_books(),
        reading=reading,
        # An EPUB read up to a picture page is at "Trang N", not "Chương N".
        pages=queries.section_pages([(place.book_id, place.position) for place, book in reading
                                     if not book.is_pdf]),
    )


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for it at the root whatever the page links (downloads, the sign-in page too)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


@bp.get("/tu-sach/<slug>")
def shelf(slug: str):
    found = queries.shelf_by_slug(slug) or abort(404)
    books = db.paginate(
        queries.visible_books(found), page=page_arg(),
        per_page=24, error_out=False,
    )
    return render_template("catalog/shelf.html", shelf=found, books=books)


@bp.get("/sach/<int:book_id>")
def book(book_id: int):
    found = queries.visible_book(book_id) or abort(404)
    # Imported here: the recognition service uses the queue, whose models import this package.
    from library.ocr import service as ocr

    recognition = ocr.progress(found.id)
    if not found.is_pdf and recognition.status == "none":
        recognition = None  # an EPUB with no picture pages to read
    return render_template(
        "catalog/book.html", book=found, contents=contents_page(found, page_arg()),
        chapter_total=None if found.is_pdf else chapter_count(found.id), ocr=recognition,
        can_manage=can_manage_catalog(current_user))


@bp.app_template_global()
def librarian_warnings(book) -> list[str]:
    """What the file carries that librarians should know of (JavaScript, launch actions);
    members are not shown it: the reader never runs any of it."""
    from library.extraction.pdf_actions import JAVASCRIPT, LAUNCH

    if not can_manage_catalog(current_user):
        return []
    return [w for w in (book.warnings or []) if w in (JAVASCRIPT, LAUNCH)]


bp.add_app_template_global(cover_url)
bp.add_app_template_global(section_label)
bp.add_app_template_global(is_page, "is_page")


@bp.get("/sach/<int:book_id>/anh-bia")
def cover(book_id: int):
    found = queries.visible_book(book_id)
    if found is None or not found.cover_name:
        abort(404)
    response = send_file(get_store().path(found.cover_name), max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
