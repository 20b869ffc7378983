"""GET /healthz: the database and the index answer; 503 naming what does not."""
from sqlalchemy import text

from library.api import bp
from library.extensions import db
from library.indexing import building
from library.search import get_index

# Why the index cannot answer, for whoever watches the service (English: an operator's log).
INDEX_REASONS = {
    "missing": "the search index is missing; run `flask index rebuild`",
    "outdated": "the search index is of an older format; run `flask index rebuild`",
    "unreadable": "the search index cannot be read (corrupt?); run `flask index rebuild`",
    "damaged": "a segment of the search index is damaged (a search failed reading it); "
               "run `flask index check --repair` or `flask index rebuild`",
}


@bp.get("/healthz")
def healthz():
    problems, reasons = [], {}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        problems.append("database")
        reasons["database"] = "the database does not answer"
    state = get_index().state()
    if state != "ok":
        problems.append("index")
        if (progress := building()) is not None:  # a new host, or a lost index
            reasons["index"] = (f"this host's search index is being built from the database "
                                f"({progress.get('done', 0)} of {progress.get('total', '?')} books)")
        else:
            reasons["index"] = INDEX_REASONS.get(state, state)
    if problems:
        return {"status": "error", "failing": problems, "reasons": reasons}, 503
    return {"status": "ok"}
