"""GET /api/books and /api/books/<id>: the catalogue as JSON."""
from flask import abort, request, url_for
from sqlalchemy import select

from library.api import bp
from library.catalog import queries
from library.catalog.models import Book, Section
from library.extensions import db

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
            return {"error": f"Không có tủ sách «{slug}»"}, 400
    per_page = max(1, min(request.args.get("per_page", 50, type=int) or 50, MAX_PER_PAGE))
    page = db.paginate(queries.visible_books(shelf), page=max(1, request.args.get("page", 1, type=int)),
                       per_page=per_page, error_out=False, count=True)
    return {"total": page.total, "page": page.page, "books": [book_json(b) for b in page.items]}


@bp.get("/api/books/<int:book_id>")
def get_book(book_id: int):
    book = queries.visible_book(book_id) or abort(404)
    sections = db.session.execute(
        select(Section.position, Section.page, Section.chapter)
        .where(Section.book_id == book.id).order_by(Section.position)
    )
    return {
        **book_json(book),
        "publisher": book.publisher,
        "description": book.description,
        "read_url": url_for("reader.read", book_id=book.id),
        "cover_url": url_for("catalog.cover", book_id=book.id) if book.cover_name else None,
        "sections": [{"position": s.position, "page": s.page, "chapter": s.chapter}
                     for s in sections],
        "toc": book.toc,
    }
