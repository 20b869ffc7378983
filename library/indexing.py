"""Keeps the search index in step with the catalogue: the database is the source of truth.

Index writes happen in the CLI or in one background indexer thread per process, never
in a request handler; books waiting for the index are marked `pending` in the database,
so the queue survives restarts.
"""
from __future__ import annotations

import errno
import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from library.catalog.models import Book, BookStatus, IndexStatus, utcnow
from library.extensions import db
from library.search import BookDocument, SectionText, get_index

log = logging.getLogger(__name__)
INDEXING = "indexing"  # claimed by one indexer, so two workers never index the same book
# A claim older than this, while no process holds the index's write lock, belongs to an
# indexer that died (kill -9, a restart mid-batch): its books go back to the queue.
STALE_CLAIM = timedelta(minutes=10)
STORAGE_FULL = "Hết dung lượng lưu trữ"


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return STORAGE_FULL
    return str(exc)[:500]


def book_document(book: Book) -> BookDocument:
    return BookDocument(
        book_id=book.id,
        title=book.title,
        authors=list(book.authors or []),
        shelf=book.shelf.slug,
        year=book.year,
        media_type=book.media_type,
        created=book.created_at,
        sections=[
            SectionText(position=s.position, text=s.text, page=s.page, chapter=s.chapter)
            for s in book.sections
        ],
    )


def _visible(book: Book) -> bool:
    return book.status == BookStatus.READY


def index_book(book_id: int) -> None:
    """(Re)index one book, or drop it from the index when it is withdrawn or gone."""
    index_books([book_id])


def index_books(book_ids: list[int]) -> None:
    """Index several books in one commit: far cheaper than a commit per book."""
    books = list(db.session.scalars(
        select(Book).where(Book.id.in_(book_ids))
        .options(selectinload(Book.sections), selectinload(Book.shelf))
    ))
    gone = set(book_ids) - {b.id for b in books}
    try:
        for book_id in gone | {b.id for b in books if not _visible(b)}:
            get_index().remove_book(book_id)
        get_index().index_books(book_document(b) for b in books if _visible(b))
    except Exception as exc:  # the books stay readable; `index rebuild` retries
        log.exception("indexing books %s failed", book_ids)
        for book in books:
            book.index_status, book.index_error = IndexStatus.FAILED, _reason(exc)
    else:
        for book in books:
            book.index_status, book.index_error = IndexStatus.INDEXED, None
    db.session.commit()


def books_to_index() -> int:
    return db.session.scalar(select(func.count(Book.id)).where(Book.status == BookStatus.READY))


def rebuild(progress=None) -> int:
    """Rebuild the whole index from the database sections; returns the books indexed."""
    books = db.session.scalars(
        select(Book).where(Book.status == BookStatus.READY)
        .options(selectinload(Book.sections), selectinload(Book.shelf)).order_by(Book.id)
    )
    ids: list[int] = []

    def documents():
        for book in books:
            ids.append(book.id)
            yield book_document(book)

    count = get_index().rebuild(documents(), progress=progress)
    db.session.execute(
        update(Book).where(Book.id.in_(ids))
        .values(index_status=IndexStatus.INDEXED, index_error=None)
    )
    db.session.commit()
    return count


def claim_pending(limit: int = 20) -> list[int]:
    """Take up to `limit` pending books for this indexer; claimed books are not taken twice."""
    claimed = []
    for book_id in db.session.scalars(
        select(Book.id).where(Book.index_status == IndexStatus.PENDING).order_by(Book.id).limit(limit)
    ).all():
        if db.session.execute(
            update(Book).where(Book.id == book_id, Book.index_status == IndexStatus.PENDING)
            .values(index_status=INDEXING)
        ).rowcount:
            claimed.append(book_id)
    db.session.commit()
    return claimed


def reset_stale_claims(older_than: timedelta = STALE_CLAIM) -> int:
    """Put back in the queue the books claimed by an indexer that is gone; how many."""
    cutoff = utcnow() - older_than
    stale = select(func.count(Book.id)).where(Book.index_status == INDEXING,
                                              Book.updated_at <= cutoff)
    if not db.session.scalar(stale) or get_index().write_locked():
        return 0  # nothing claimed long ago, or an indexer is writing right now
    count = db.session.execute(
        update(Book).where(Book.index_status == INDEXING, Book.updated_at <= cutoff)
        .values(index_status=IndexStatus.PENDING)
    ).rowcount
    db.session.commit()
    if count:
        log.warning("%d books claimed by an indexer that stopped are queued again", count)
    return count


class BackgroundIndexer:
    """One thread per process that indexes pending books; `wake()` after an upload."""

    def __init__(self, app: Flask, poll_seconds: float = 5.0):
        self.app = app
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._settle = threading.Event()
        self._working = threading.RLock()  # held while a batch is claimed and indexed

    def settle_soon(self) -> None:
        """Run the reconciler's start-up pass in this thread, then index what is pending."""
        self._settle.set()
        self.wake()

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="indexer", daemon=True)
                self._thread.start()
        self._wake.set()

    def drain(self, progress=None) -> int:
        """Index every pending book now, in this thread; returns how many.

        Waits first for a batch the background thread has in hand: a CLI command that
        drains and exits must not leave that thread's books claimed and half done.
        """
        done = 0
        with self._working:
            while batch := claim_pending():
                index_books(batch)
                done += len(batch)
                if progress:
                    progress(done)
        return done

    def _run(self) -> None:
        while True:
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            with self.app.app_context():
                try:
                    with self._working:
                        if self._settle.is_set():
                            self._settle.clear()
                            from library.maintenance.reconcile import settle

                            settle()
                        reset_stale_claims()
                        self.drain()
                except Exception:
                    log.exception("background indexer")
                finally:
                    db.session.remove()


def init_app(app: Flask) -> None:
    app.extensions["indexer"] = BackgroundIndexer(app)


def enqueue(book_id: int) -> None:
    """Mark a book for (re)indexing and wake this process's indexer."""
    db.session.execute(
        update(Book).where(Book.id == book_id).values(index_status=IndexStatus.PENDING)
    )
    db.session.commit()
    if current_app.config.get("INDEX_INLINE"):
        current_app.extensions["indexer"].drain()
    else:
        current_app.extensions["indexer"].wake()


def enqueue_removal(book_id: int) -> None:
    """Drop a deleted book's entries from the index. Its row is gone, so it cannot wait as
    `pending`: under INDEX_INLINE at once, else in a short thread of its own (should that
    fail, the next `index rebuild` forgets the book as well)."""
    if current_app.config.get("INDEX_INLINE"):
        get_index().remove_book(book_id)
        return
    app = current_app._get_current_object()

    def remove():
        with app.app_context():
            try:
                get_index().remove_book(book_id)
            except Exception:
                log.exception("removing book %s from the index failed", book_id)

    threading.Thread(target=remove, name=f"unindex-{book_id}", daemon=True).start()
