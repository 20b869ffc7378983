"""Keeps the search index in step with the catalogue: the database is the source of truth.

A change to a book is written to the change log (library.indexing.changes) in the database;
each host's replica follows that log (library.indexing.replica), in the processes that do
background work, never in a request handler. Under INDEX_INLINE (tests) the log is applied
at once, in the thread that wrote it. Changes every host has applied are pruned after
INDEX_LOG_RETENTION_DAYS (library.indexing.pruning), by background maintenance.
"""
from __future__ import annotations

import os

from flask import Flask, current_app
from sqlalchemy import func, select, update

from library import tasks
from library.catalog.models import Book, BookStatus, IndexStatus
from library.extensions import db
from library.indexing import changes, pruning, replica
from library.indexing.replica import book_document, behind, building

__all__ = ["book_document", "enqueue", "enqueue_removal", "index_book", "index_books", "rebuild",
           "books_to_index", "behind", "building", "init_app"]


def enqueue(book_id: int) -> None:
    """Mark a book for (re)indexing on every host (dropped from the index when it is
    withdrawn); commits, then this host's replica follows."""
    index_books([book_id], now=False)


def index_book(book_id: int) -> None:
    """(Re)index one book on every host, this host's replica at once."""
    index_books([book_id])


def index_books(book_ids: list[int], now: bool = True) -> None:
    db.session.execute(update(Book).where(Book.id.in_(book_ids))
                       .values(index_status=IndexStatus.PENDING)
                       .execution_options(synchronize_session=False))
    changes.record(book_ids)
    db.session.commit()
    _follow_soon(now)


def enqueue_removal(book_id: int) -> None:
    """Drop a deleted book's entries from every host's index."""
    changes.record([book_id], changes.DELETE)
    db.session.commit()
    _follow_soon(False)


def _follow_soon(now: bool) -> None:
    app = current_app._get_current_object()
    if not tasks.does_background_work(app):
        return  # a worker process follows the log
    if now or app.config.get("INDEX_INLINE"):
        replica.follow(blocking=True)
    else:
        app.extensions["indexer"].wake()


def books_to_index() -> int:
    return db.session.scalar(select(func.count(Book.id)).where(Book.status == BookStatus.READY))


def rebuild(progress=None) -> int:
    """Rebuild this host's index from the database beside the live one, then swap it in."""
    return replica.rebuild(progress)


class Indexer:
    """This process's handle on the host's replica: `drain()` catches up now, in this thread;
    `wake()` has the runner's follower loop look at the log now."""

    def __init__(self, app: Flask):
        self.app = app

    def drain(self, progress=None) -> int:
        count = replica.follow(blocking=True)
        if progress:
            progress(count)
        return count

    def wake(self) -> None:
        if tasks.may_wake(self.app):
            self.app.extensions["task_runner"].wake()


@tasks.loop("index-follower", seconds=1.0)
def _follow(app: Flask) -> None:
    with app.app_context():
        try:
            replica.follow(blocking=False)
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    app.extensions["indexer"] = Indexer(app)
    app.config.setdefault("INDEX_LOG_RETENTION_DAYS", pruning.DEFAULT_RETENTION_DAYS)
    days = os.environ.get("LIBRARY_INDEX_LOG_RETENTION_DAYS")
    if days:
        app.config["INDEX_LOG_RETENTION_DAYS"] = days
    try:
        valid = float(app.config["INDEX_LOG_RETENTION_DAYS"]) > 0
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError("LIBRARY_INDEX_LOG_RETENTION_DAYS must be a number of days above 0, not "
                         f"{app.config['INDEX_LOG_RETENTION_DAYS']!r}")
