"""GET /api/search (one hit per page or chapter) and GET /api/suggest (typeahead)."""
from flask import request, url_for

from library.api import bp
from library.search import QueryError, SearchUnavailable, get_index
from library.catalog.labels import chapter_of
from library.catalog.links import read_url
from library.i18n import gettext as _

MAX_PER_PAGE = 100


@bp.get("/api/search")
def search():
    query = request.args.get("q", "")
    if not query.strip():
        return {"error": _("Thiếu từ khoá tìm kiếm (tham số q)")}, 400
    page = max(1, request.args.get("page", 1, type=int))
    per_page = max(1, min(request.args.get("per_page", 20, type=int), MAX_PER_PAGE))
    try:
        found = get_index().search_hits(
            query, shelf=request.args.get("shelf") or None, page=page, per_page=per_page)
    except QueryError as exc:
        return {"error": _(exc.message)}, 400
    except SearchUnavailable as exc:
        return {"error": _(exc.message), "reason": exc.reason}, 503
    estimate = {"total_is_estimate": True} if found.total_is_estimate else {}
    return {
        "query": found.query,
        "total": found.total,
        **estimate,
        "page": found.page,
        "hits": [
            {
                "book_id": hit.book_id,
                "title": hit.title,
                "authors": hit.authors,
                "shelf": hit.shelf,
                "page": hit.page,
                "chapter": chapter_of(hit),
                "snippet": hit.snippet,
                "read_url": read_url(hit.book_id, hit.position, query),
            }
            for hit in found.hits
        ],
        "suggestion": found.suggestion,
    }


@bp.get("/api/suggest")
def suggest():
    query = request.args.get("q", "")[:200]
    try:
        found = get_index().suggest(query) if query.strip() else []
    except (QueryError, SearchUnavailable):
        found = []
    return {"suggestions": [
        {**item, "url": url_for("catalog.book", book_id=item["book_id"])} for item in found
    ]}
