"""One page's recognition state, for a reader showing a page without text. Apart from
library.ocr.service so the reader can ask without importing the queue and the index."""
from __future__ import annotations

from sqlalchemy import select

from library.extensions import db
from library.ocr.models import OcrPage, PageStatus


def page_state(book_id: int, page: int) -> str | None:
    """What recognition did with one page, for a reader showing it without text: "waiting"
    (queued, stopped or being read), "without_text" (read, nothing trustworthy on it),
    "failed", "done", or None when the page was never a scan."""
    row = db.session.execute(select(OcrPage.status, OcrPage.words).where(
        OcrPage.book_id == book_id, OcrPage.page == page)).first()
    if row is None:
        return None
    if row.status == PageStatus.DONE:
        return "without_text" if row.words == 0 else "done"
    return "failed" if row.status == PageStatus.FAILED else "waiting"
