"""Full-text search: the Flask glue around the engine, which itself knows nothing of Flask.

Views and the API call `get_index()`; whoosh stays behind library.search.engine.
"""
from library.search.documents import BookDocument, SectionText
from library.search.engine import SearchIndex
from library.search.errors import IndexBusy, QueryError, SearchError, SearchUnavailable
from library.search.results import (
    BookHit, BookResults, FacetValue, Facets, Hit, HitResults, Location,
)

__all__ = [
    "BookDocument", "SectionText", "SearchIndex", "QueryError", "SearchError", "IndexBusy",
    "SearchUnavailable", "BookHit", "BookResults", "FacetValue", "Facets", "Hit",
    "HitResults", "Location", "init_app", "get_index", "highlight_html",
]


def init_app(app) -> None:
    """Nothing is read from disk here: a missing or corrupt index must not stop the app.

    The index is opened on first use; a missing, older or unreadable one makes searches
    raise SearchUnavailable, which the views show as "tạm thời không tìm kiếm được", until
    the reconciler (library.maintenance) makes it anew. A new instance gets an empty one
    at start-up.
    """
    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"], create_missing=False)


def get_index() -> SearchIndex:
    from flask import current_app  # only here: the engine runs without Flask (bench, workers)

    return current_app.extensions["search_index"]


def highlight_html(text: str, query: str):
    """The whole text, escaped, with the query's words in <mark>: for the reader pages."""
    from markupsafe import Markup

    from library.search.query import parse
    from library.search.snippets import Finder

    try:
        return Markup(Finder(parse(query)).highlight(text, keep_lines=True))
    except QueryError:
        return text
