"""Recognition of a book's scanned pages: plan, run page by page, store, report progress.

Each page's text becomes its section's text and is indexed like any other page (the hit's
page is the PDF page); its confidence and its reason, if it failed, stay on its `ocr_page`
row. Pages are committed one by one, so a run cut short resumes at the first page not done.
An EPUB's picture pages (library.extraction.epub_pictures) go the same way: their `page` is
the section's position, and the child reads the picture out of the stored EPUB.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from library import indexing, tasks
from library.catalog.models import Book, Section
from library.extraction.scans import has_text
from library.extensions import db
from library.ocr.models import OcrPage, PageStatus
from library.ocr.sandbox import Limits, build_layer, recognise_page
from library.ocr.text import page_text, without_head
from library.storage import READER, get_store

log = logging.getLogger(__name__)

KIND = "ocr.book"
INDEX_EVERY = 10        # landed pages between two index updates: searchable as they land
LAYER_EVERY = 50        # landed pages between two rebuilds of the reader's text layer


def task_key(book_id: int) -> str:
    return f"ocr:{book_id}"


def limits() -> Limits:
    config = current_app.config
    return Limits(dpi=config["OCR_DPI"], lang=config["OCR_LANG"], timeout=config["OCR_TIMEOUT_SECONDS"],
                  memory_mb=config["OCR_MEMORY_MB"], max_pixels=config["OCR_MAX_PIXELS"])


def plan(book: Book, pages: list[int]) -> int:
    """Queue these pages of a book (in the caller's transaction) and its recognition task."""
    if not pages:
        return 0
    db.session.flush()  # the book's id
    existing = {row.page: row for row in db.session.scalars(select(OcrPage).where(OcrPage.book_id == book.id))}
    for number in sorted(set(pages)):
        row = existing.get(number)
        if row is None:
            db.session.add(OcrPage(book_id=book.id, page=number))
        else:
            # What it had (text, layer, confidence) stays until the new reading replaces it.
            row.status, row.reason, row.reason_message = PageStatus.QUEUED, None, None
    tasks.enqueue(KIND, {"book_id": book.id}, key=task_key(book.id))
    return len(set(pages))


def forget(book: Book) -> None:
    """A replaced file: its pages' recognition state goes (the caller commits). A run still
    busy with the old file finds no rows to store into, and the new plan runs after it."""
    db.session.execute(delete(OcrPage).where(OcrPage.book_id == book.id))


def rerun(book_id: int, pages: list[int] | None = None, *, missing_only: bool = False) -> int:
    """Queue a book's recognition again: the chosen pages, else every page that was a scan;
    `missing_only`: only pages not done yet. Commits; returns the pages queued."""
    book = db.session.get(Book, book_id)
    if book is None:
        return 0
    rows = db.session.scalars(select(OcrPage).where(OcrPage.book_id == book_id)).all()
    if pages is None:
        chosen = [r.page for r in rows if not (missing_only and r.status == PageStatus.DONE)]
    elif book.is_pdf:
        chosen = [p for p in pages if 1 <= p <= (book.page_count or 0)]
    else:  # an EPUB: its sections by position (one that is no picture fails, saying so)
        chosen = [p for p in pages if p in _pictures(book)]
    count = plan(book, chosen)
    db.session.commit()
    return count


def cancel(book_id: int) -> bool:
    """Stop a book's recognition: the pages done stay, the others wait until asked for again
    (a re-run of chosen pages reads only those). Commits."""
    stopped = db.session.execute(update(OcrPage).where(
        OcrPage.book_id == book_id, OcrPage.status == PageStatus.QUEUED).values(status=PageStatus.CANCELLED)).rowcount
    cancelled = tasks.cancel(task_key(book_id))
    db.session.commit()
    return bool(cancelled or stopped)


@dataclass
class Progress:
    """What the book page, the console and the API say about a book's recognition."""

    status: str              # queued | running | done | cancelled | failed | none
    total: int = 0
    done: int = 0
    failed: list[dict] = field(default_factory=list)          # [{"page", "reason"}]
    low_confidence: list[dict] = field(default_factory=list)  # [{"page", "confidence"}]
    # Recognised, but nothing on them could be trusted (a picture): done, not waiting, no text.
    without_text: list[int] = field(default_factory=list)
    confidence: float | None = None
    seconds_left: int | None = None

    def as_json(self) -> dict:
        return {"status": self.status, "pages_total": self.total, "pages_done": self.done,
                "pages_failed": len(self.failed), "seconds_left": self.seconds_left,
                "mean_confidence": None if self.confidence is None else round(self.confidence, 1),
                "low_confidence_pages": [p["page"] for p in self.low_confidence],
                "pages_without_text": self.without_text,
                "failed_pages": self.failed}


def progress(book_id: int) -> Progress:
    rows = db.session.execute(
        select(OcrPage.page, OcrPage.status, OcrPage.reason, OcrPage.reason_message, OcrPage.confidence,
               OcrPage.seconds, OcrPage.words)
        .where(OcrPage.book_id == book_id).order_by(OcrPage.page)
    ).all()
    if not rows:
        return Progress("none")
    threshold = current_app.config["OCR_LOW_CONFIDENCE"]
    finished = [r for r in rows if r.status == PageStatus.DONE]
    result = Progress("done", total=len(rows), done=len(finished) + sum(r.status == PageStatus.FAILED for r in rows))
    result.without_text = [r.page for r in finished if r.words == 0]
    # A picture's page says nothing of how well the book's text was read.
    done = [r for r in finished if r.words != 0]
    result.failed = [{"page": r.page, "reason": r.reason_message or r.reason}  # shown with i18n.message
                     for r in rows if r.status == PageStatus.FAILED]
    result.low_confidence = [{"page": r.page, "confidence": round(r.confidence, 1)} for r in done
                             if r.confidence is not None and r.confidence < threshold]
    scored = [r.confidence for r in done if r.confidence is not None]
    result.confidence = sum(scored) / len(scored) if scored else None
    left = len(rows) - result.done
    if left:
        task = tasks.status(task_key(book_id))
        result.status = task.status if task is not None and task.status != "done" else "cancelled"
        timed = [r.seconds for r in finished if r.seconds]
        per_page = sum(timed) / len(timed) if timed else None
        if per_page is not None:
            result.seconds_left = int(per_page * left / max(1, current_app.config["OCR_WORKERS"]))
    return result


def low_confidence_books(limit: int = 50) -> list[tuple[Book, list[int]]]:
    """Books with pages read below the confidence threshold, for the librarian."""
    threshold = current_app.config["OCR_LOW_CONFIDENCE"]
    rows = db.session.execute(
        select(OcrPage.book_id, OcrPage.page).where(OcrPage.status == PageStatus.DONE,
                                                    OcrPage.confidence < threshold,
                                                    or_(OcrPage.words.is_(None), OcrPage.words != 0))
        .order_by(OcrPage.book_id, OcrPage.page)
    ).all()
    pages: dict[int, list[int]] = {}
    for book_id, page in rows:
        pages.setdefault(book_id, []).append(page)
    books = db.session.scalars(select(Book).where(Book.id.in_(list(pages)[:limit]))).all()
    return [(b, pages[b.id]) for b in sorted(books, key=lambda b: b.id)]


def books_with_scans() -> list[int]:
    return list(db.session.scalars(select(OcrPage.book_id).distinct().order_by(OcrPage.book_id)))


def books_missing(book_ids: list[int] | None = None) -> list[int]:
    """Books with scanned pages not recognised yet (queued, or failed)."""
    query = select(OcrPage.book_id).where(OcrPage.status != PageStatus.DONE).distinct()
    if book_ids:
        query = query.where(OcrPage.book_id.in_(book_ids))
    return list(db.session.scalars(query.order_by(OcrPage.book_id)))


# --- the run -------------------------------------------------------------------------------

def recognise_book(book_id: int, heartbeat=lambda done, total: None, cancelled=lambda: False) -> Progress:
    """Recognise the queued pages of a book, in page order, `OCR_WORKERS` at once; each page
    committed as it lands. `heartbeat(done, total)` may raise to stop (the queue's TaskLost)."""
    book = db.session.get(Book, book_id)
    if book is None:
        return Progress("none")
    store = get_store()
    original = store.path(book.stored_name)
    queued = list(db.session.scalars(select(OcrPage.page).where(
        OcrPage.book_id == book_id, OcrPage.status == PageStatus.QUEUED).order_by(OcrPage.page)))
    total = db.session.scalar(select(func.count()).where(OcrPage.book_id == book_id))
    settled = total - len(queued)
    heartbeat(settled, total)
    config, page_limits = current_app.config, limits()
    members = {} if book.is_pdf else _pictures(book)
    landed = 0
    pool = ThreadPoolExecutor(max_workers=max(1, config["OCR_WORKERS"]), thread_name_prefix="ocr")
    ahead = config["OCR_WORKERS"]  # pages started before the one in hand lands: no more
    futures = []
    try:
        futures += [pool.submit(recognise_page, original, n, page_limits, members.get(n)) for n in queued[:ahead]]
        for index in range(len(queued)):
            result = futures[index].result()
            futures[index] = None  # stored: not to be stored again below
            _store(book, result)
            landed += 1
            settled += 1
            if landed % INDEX_EVERY == 0:
                indexing.enqueue(book_id)
            if landed % LAYER_EVERY == 0:
                refresh_layer(book)
            heartbeat(settled, total)
            if cancelled():
                break
            if index + ahead < len(queued):
                number = queued[index + ahead]
                futures.append(pool.submit(recognise_page, original, number, page_limits, members.get(number)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        landed += _store_finished(book, futures)
        if landed:
            _finish(book)
    return progress(book_id)


def _pictures(book: Book) -> dict[int, str]:
    """An EPUB's pages by position -> zip path; the recognition child finds the picture."""
    return dict(db.session.execute(select(Section.position, Section.href).where(
        Section.book_id == book.id, Section.href.is_not(None))).all())


def _store_finished(book: Book, futures) -> int:
    """Pages already read when the run stops (cancelled, the worker stopping): kept, not lost."""
    stored = 0
    for future in futures:
        if future is None or future.cancelled() or future.exception() is not None:
            continue
        try:
            _store(book, future.result())
            stored += 1
        except Exception:  # noqa: BLE001 - the run is ending on its own error already
            db.session.rollback()
            log.exception("storing a recognised page of book %s", book.id)
            break
    return stored


def _store(book: Book, result) -> None:
    """One page's outcome, committed with its section's new text."""
    row = db.session.scalar(select(OcrPage).where(OcrPage.book_id == book.id, OcrPage.page == result.page))
    if row is None:  # the plan changed under us (file replaced): nothing to store
        return
    row.seconds = result.seconds
    if result.error:
        row.status, row.layer = PageStatus.FAILED, None
        row.reason = row.reason_message = result.error
        db.session.commit()
        return
    text = page_text(result.lines, result.height)
    body = text.text
    if text.head:
        twins = db.session.scalars(select(OcrPage).where(
            OcrPage.book_id == book.id, OcrPage.head == text.head, OcrPage.page != result.page)).all()
        if twins:  # a running head: out of this page and of the pages it repeats on
            body = without_head(body, text.head)
            for twin in twins:
                _strip_head(book.id, twin.page, text.head)
    row.status, row.reason, row.reason_message = PageStatus.DONE, None, None
    row.confidence, row.words, row.head = text.confidence, text.words, text.head
    row.layer = result.layer if book.is_pdf else None
    db.session.execute(update(Section).where(Section.book_id == book.id, Section.position == result.page)
                       .values(text=body))
    db.session.commit()


def _strip_head(book_id: int, page: int, key: str) -> None:
    section = db.session.scalar(select(Section).where(Section.book_id == book_id, Section.position == page))
    if section is not None:
        section.text = without_head(section.text, key)


def _finish(book: Book) -> None:
    """After a run: the book searchable when it has text now, indexed, its reader layer made."""
    # As extraction decides it (extraction.scans.has_text): one page with text is enough.
    texts = db.session.scalars(select(Section.text).where(Section.book_id == book.id))
    if not book.searchable and any(has_text(text) for text in texts):
        book.searchable = True
        book.warnings = [w for w in (book.warnings or []) if "không có lớp văn bản" not in w]
    db.session.commit()
    indexing.enqueue(book.id)
    refresh_layer(book)


def refresh_layer(book: Book) -> None:
    """Make the reader's text layer again from every recognised page (library.ocr.layer).
    An EPUB has none: its reader shows the picture, its text mode the recognised text."""
    if not book.is_pdf:
        return
    layers = dict(db.session.execute(select(OcrPage.page, OcrPage.layer).where(
        OcrPage.book_id == book.id, OcrPage.status == PageStatus.DONE, OcrPage.layer.is_not(None))).all())
    store = get_store()
    old = book.ocr_layer_name
    update_bytes = None
    if layers:
        tail = store.path(book.reader_tail_name) if book.reader_tail_name else None
        update_bytes = build_layer(store.path(book.stored_name), tail if tail and tail.is_file() else None,
                                   layers, memory_mb=current_app.config["OCR_MEMORY_MB"])
    saved = store.save_bytes(update_bytes, "pdf", READER) if update_bytes else None
    with store.commit_or_discard(db.session, saved):
        book.ocr_layer_name = saved.name if saved else None
    if old and old != book.ocr_layer_name:
        store.delete(old)
