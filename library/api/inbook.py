"""Search inside the open book, and what the reader marks on a page for a query.

`GET /api/books/<id>/search?q=` answers from the index, its hits shaped as /api/search's;
`GET /api/books/<id>/marks?q=&p=N` gives the strings the query marks on that page, for
pdf.js's text layer (the text mode and the EPUB chapter are marked on the server).
"""
from __future__ import annotations

from flask import abort, request
from sqlalchemy import select

from library.catalog import queries
from library.catalog.models import Section
from library.extensions import db
from library.api import bp
from library.search import QueryError, SearchUnavailable, get_index
from library.search.inbook import MAX_PER_PAGE, PER_PAGE, search_in_book
from library.search.marks import marker
from library.catalog.labels import chapter_of
from library.catalog.links import read_url
from library.i18n import gettext as _

MAX_QUERY = 500


def _query() -> str:
    return request.args.get("q", "")[:MAX_QUERY]


@bp.get("/api/books/<int:book_id>/search")
def search_book(book_id: int):
    book = queries.visible_book(book_id) or abort(404)
    query = _query()
    if not query.strip():
        return {"error": _("Thiếu từ khoá tìm kiếm (tham số q)")}, 400
    page = max(1, request.args.get("page", 1, type=int))
    per_page = max(1, min(request.args.get("per_page", PER_PAGE, type=int), MAX_PER_PAGE))
    try:
        found = search_in_book(get_index(), query, book.id, page=page, per_page=per_page)
    except QueryError as exc:
        return {"error": exc.message}, 400
    except SearchUnavailable as exc:
        return {"error": exc.message}, 503
    return {
        "query": found.query,
        "total": found.total,
        "page": found.page,
        "positions": found.positions,
        "hits": [
            {
                "book_id": book.id,
                "title": book.title,
                "authors": book.authors or [],
                "shelf": book.shelf.slug,
                "position": hit.position,
                "page": hit.page,
                "chapter": chapter_of(hit),
                "snippet": hit.snippet,
                "read_url": read_url(book.id, hit.position, query),
            }
            for hit in found.hits
        ],
    }


@bp.get("/api/books/<int:book_id>/marks")
def page_marks(book_id: int):
    """{"position", "forms": [the distinct strings marked on it]} for one page or chapter."""
    book = queries.visible_book(book_id) or abort(404)
    position = request.args.get("p", type=int)
    if position is None:
        return {"error": _("Thiếu số trang (tham số p).")}, 400
    text = db.session.scalar(select(Section.text).where(
        Section.book_id == book.id, Section.position == position))
    if text is None:
        return {"error": _("Sách không có trang hay chương {position}.", position=position)}, 404
    found = marker(_query())
    return {"position": position, "forms": found.forms(text) if found else []}
