"""The change log: every change that a host's index must follow, in the shared database.

One row per change to a book (added, edited, withdrawn, reinstated, deleted), numbered in
order. Each host applies the log to its own index replica and keeps how far it got beside
that replica (library.indexing.replica), and says so here (IndexReplica), so that changes
every host has applied can be pruned (library.indexing.pruning): the database stays the one
source of truth. The newest pruned change stays, marked PRUNED: where the log now begins.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Index, String, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from library.catalog.models import utcnow
from library.extensions import db

UPDATE, DELETE = "update", "delete"  # what the book's row says decides, not the kind
PRUNED = "pruned"  # the log begins after this change: the ones before it were pruned


class IndexChange(db.Model):
    __tablename__ = "index_change"
    # AUTOINCREMENT on SQLite: numbers are never reused, so a cursor never skips a change.
    __table_args__ = (Index("ix_index_change_book", "book_id"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    book_id: Mapped[int]  # no foreign key: a deleted book's change outlives its row
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexReplica(db.Model):
    """One host's replica: every change up to `position` is applied there (`seen_at`: when
    the host last said so; a host silent for longer than the retention is not waited for)."""
    __tablename__ = "index_replica"

    host: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


def record(book_ids: Iterable[int], kind: str = UPDATE) -> None:
    """Log changes in the caller's transaction."""
    now = utcnow()
    db.session.add_all(IndexChange(book_id=int(b), kind=kind, created_at=now) for b in book_ids)


def latest() -> int:
    return db.session.scalar(select(func.coalesce(func.max(IndexChange.seq), 0)))


def numbers_between(low: int, high: int) -> set[int]:
    return set(db.session.scalars(select(IndexChange.seq).where(IndexChange.seq > low,
                                                                 IndexChange.seq <= high)))


def after(seq: int, gaps: Iterable[int], limit: int) -> list[IndexChange]:
    """Changes after `seq`, and any of the `gaps` (numbers seen missing: on PostgreSQL a
    transaction that drew an earlier number may commit after a later one)."""
    gaps = list(gaps)
    condition = IndexChange.seq > seq
    if gaps:
        condition = or_(condition, IndexChange.seq.in_(gaps))
    return list(db.session.scalars(select(IndexChange).where(condition, IndexChange.kind != PRUNED)
                                   .order_by(IndexChange.seq).limit(limit)))


def pruned_through() -> int:
    """The last change number pruned (0: none)."""
    return db.session.scalar(select(func.coalesce(func.max(IndexChange.seq), 0))
                             .where(IndexChange.kind == PRUNED))


def pruned_after(seq: int) -> bool:
    """Whether changes after `seq` were pruned: a replica at `seq` missed them for good.
    Asked every second: reads only the changes after `seq` (a range of the primary key)."""
    return db.session.scalar(select(IndexChange.seq).where(IndexChange.seq > seq,
                                                           IndexChange.kind == PRUNED)
                             .limit(1)) is not None


def books_changed_after(seq: int, before: datetime | None = None) -> set[int]:
    query = select(IndexChange.book_id).where(IndexChange.seq > seq, IndexChange.kind != PRUNED)
    if before is not None:
        query = query.where(IndexChange.created_at <= before)
    return set(db.session.scalars(query))
