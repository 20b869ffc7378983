"""GET /healthz: the database and the index answer."""
from sqlalchemy import text

from library.api import bp
from library.extensions import db
from library.search import get_index


@bp.get("/healthz")
def healthz():
    problems = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        problems.append("database")
    if not get_index().is_healthy():
        problems.append("index")
    if problems:
        return {"status": "error", "failing": problems}, 503
    return {"status": "ok"}
