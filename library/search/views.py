"""The search page: results grouped by book, with facets, sorting and suggestions."""
from flask import Blueprint, render_template, request

from library.catalog import queries
from library.catalog.links import read_url
from library.search import QueryError, SearchUnavailable, get_index

bp = Blueprint("search", __name__)
PER_PAGE = 10


def search_args() -> dict:
    year = request.args.get("year", type=int)
    return {
        "shelf": request.args.get("shelf") or None,
        "year": year,
        "author": request.args.get("author") or None,
        "sort": "newest" if request.args.get("sort") == "newest" else "relevance",
        "page": max(1, request.args.get("page", 1, type=int)),
    }


@bp.get("/tim-kiem")
def results():
    query = request.args.get("q", "")
    args = search_args()
    context = {"query": query, "args": args, "results": None, "error": None,
               "shelves": {s.shelf.slug: s.shelf.name for s in queries.shelves_with_counts()}}
    status = 200
    if query.strip():
        try:
            found = get_index().search(query, per_page=PER_PAGE, **args)
            context["results"] = found
            context["books"] = queries.books_by_ids(r.book_id for r in found.books)
        except QueryError as exc:
            context["error"], status = exc.message, 400
        except SearchUnavailable as exc:
            context["error"], status = exc.message, 503
    return render_template("search/results.html", read_url=read_url, **context), status
