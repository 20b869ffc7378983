"""This host's index replica: built from the database, then kept level with the change log.

Every host has its own index folder. Whichever of the host's processes holds the replica
lock (a file lock in that folder) applies the changes after the replica's cursor
(`replica.json` in the folder: the last change applied, and numbers seen missing that
may still commit), then moves the cursor. Applying a change twice does no harm: the book's
row is read and its documents replaced or dropped, whatever the change said, so a process
killed between the index commit and the cursor write only repeats work.

A book whose index write fails is marked failed for librarians and retried by an
`index.book` task bound to this host; the cursor moves on, so one bad book never holds
up the others.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from library import tasks
from library.catalog.models import Book, BookStatus, IndexStatus, utcnow
from library.extensions import db
from library.indexing import changes, pruning
from library.search import BookDocument, SectionText, get_index
from library.tasks.models import Task, TaskStatus
from library.translatable import N_

log = logging.getLogger(__name__)
CURSOR, LOCK, BUILDING = "replica.json", ".replica.lock", ".building.json"
BATCH = 200
GAP_PATIENCE = 600.0  # seconds a missing change number is waited for (a long transaction)
RETRY_KIND = "index.book"


def book_document(book: Book) -> BookDocument:
    return BookDocument(
        book_id=book.id, title=book.title, authors=list(book.authors or []),
        shelf=book.shelf.slug, year=book.year, media_type=book.media_type,
        created=book.created_at,
        sections=[SectionText(position=s.position, text=s.text, page=s.page, chapter=s.chapter)
                  for s in book.sections],
    )


def _folder() -> Path:
    return Path(get_index().index_dir)


@dataclass
class Cursor:
    seq: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # change number -> first seen missing

    @classmethod
    def load(cls, folder: Path) -> Cursor | None:
        try:
            data = json.loads((folder / CURSOR).read_text())
            return cls(int(data["seq"]), {int(k): float(v) for k, v in data.get("gaps", {}).items()})
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            log.warning("the replica cursor in %s is unreadable: the log is applied anew", folder)
            return None

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{CURSOR}.{os.getpid()}"
        with open(temporary, "w") as fh:
            json.dump({"seq": self.seq, "gaps": self.gaps}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, folder / CURSOR)

    def advance(self, applied: list[int]) -> None:
        """Past these change numbers; those skipped on the way are remembered for a while."""
        now = time.time()
        for seq in applied:
            self.gaps.pop(seq, None)
        top = max(applied, default=self.seq)
        seen = set(applied)
        for seq in range(self.seq + 1, top):
            if seq not in seen:
                self.gaps.setdefault(seq, now)
        self.seq = max(self.seq, top)
        self.gaps = {s: t for s, t in self.gaps.items() if now - t < GAP_PATIENCE}

    def applied_through(self) -> int:
        """Every change up to this number is applied (what the host reports for pruning)."""
        return min(self.gaps) - 1 if self.gaps else self.seq


@contextmanager
def replica_lock(blocking: bool = True, timeout: float = 120.0):
    """Held by the one process of this host applying changes to (or swapping) its replica;
    yields False when not blocking and another holds it."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not blocking:
                    yield False
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the index replica stayed locked") from None
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def building() -> dict | None:
    """{"done", "total"} while this host builds its replica from the database; else None."""
    try:
        data = json.loads((_folder() / BUILDING).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return data if _process_alive(data.get("pid")) else None


def _process_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, TypeError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def follow(blocking: bool = False) -> int:
    """Apply the changes this host's replica has not seen; how many. Builds the replica
    from the database first when there is none (a new host) or it is of an older format."""
    with replica_lock(blocking) as mine:
        if not mine:
            return 0
        store = get_index().store
        # By file names only: this runs every second, and an unreadable index is the
        # reconciler's to find (its start-up pass rebuilds it).
        if not store.exists() or store.older_versions():
            if building() is None:
                _build_locked()
            return 0
        cursor = Cursor.load(_folder()) or Cursor()
        if cursor.seq > changes.latest():
            # the log is behind this replica: the database was restored from a backup
            log.warning("the change log ends before this index replica's cursor: rebuilding")
            _build_locked()
            return 0
        if changes.pruned_after(cursor.seq):
            # this host was away longer than the log keeps changes: some it never saw are gone
            log.warning("changes this index replica has not applied were pruned: rebuilding")
            _build_locked()
            return 0
        applied = _catch_up(cursor)
        _report(cursor)
        return applied


def _report(cursor: Cursor) -> None:
    try:
        pruning.report(cursor.applied_through())
    except Exception:  # the log keeps more for a while; following goes on
        db.session.rollback()
        log.warning("recording this replica's position in the change log failed", exc_info=True)


def _catch_up(cursor: Cursor) -> int:
    applied = 0
    while rows := changes.after(cursor.seq, cursor.gaps, BATCH):
        book_ids = list(dict.fromkeys(r.book_id for r in rows))
        failures = apply(book_ids)
        cursor.advance([r.seq for r in rows])
        cursor.save(_folder())
        _record(book_ids, failures)
        applied += len(rows)
        if len(rows) < BATCH:
            break
    return applied


def apply(book_ids: list[int]) -> dict[int, str]:
    """Bring these books' documents in this replica level with their rows: in one commit,
    else one by one. Returns the books that failed, with why."""
    books = {b.id: b for b in db.session.scalars(
        select(Book).where(Book.id.in_(book_ids))
        .options(selectinload(Book.sections), selectinload(Book.shelf)))}
    visible = [books[i] for i in book_ids if i in books and books[i].status == BookStatus.READY]
    hidden = [i for i in book_ids if i not in books or books[i].status != BookStatus.READY]
    index = get_index()
    try:
        if hidden:
            index.remove_books(hidden)
        if visible:
            index.index_books(book_document(b) for b in visible)
        return {}
    except Exception as exc:
        if len(book_ids) == 1:
            log.exception("indexing book %s failed", book_ids[0])
            return {book_ids[0]: _reason(exc)}
    failures: dict[int, str] = {}
    for book_id in book_ids:
        failures.update(apply([book_id]))
    return failures


def _reason(exc: Exception) -> str:
    import errno

    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return N_("Hết dung lượng lưu trữ")
    return (str(exc) or type(exc).__name__)[:500]


def _record(book_ids: list[int], failures: dict[int, str]) -> None:
    """Books written: indexed; books that failed: shown as such and retried on this host."""
    done = [i for i in book_ids if i not in failures]
    host = tasks.host_id()
    if done:
        db.session.execute(update(Book).where(Book.id.in_(done))
                           .values(index_status=IndexStatus.INDEXED, index_error=None)
                           .execution_options(synchronize_session=False))
        # a retry still waiting for a book written now has nothing left to do
        db.session.execute(update(Task).where(
            Task.kind == RETRY_KIND, Task.status == TaskStatus.QUEUED,
            Task.key.in_([f"index:{host}:{i}" for i in done]))
            .values(status=TaskStatus.CANCELLED, finished_at=utcnow())
            .execution_options(synchronize_session=False))
    for book_id, reason in failures.items():
        db.session.execute(update(Book).where(Book.id == book_id)
                           .values(index_status=IndexStatus.FAILED, index_error=reason)
                           .execution_options(synchronize_session=False))
        retry = tasks.enqueue(RETRY_KIND, {"book_id": book_id}, key=f"index:{host}:{book_id}",
                              host=host, delay_seconds=current_app.config["JOBS_RETRY_BASE_SECONDS"])
        db.session.execute(update(Task).where(Task.id == retry)
                           .values(error=reason, error_message=reason)  # shown
                           .execution_options(synchronize_session=False))
    db.session.commit()


@tasks.handler(RETRY_KIND, max_attempts=8)
def retry_book(ctx: tasks.TaskContext, payload: dict) -> None:
    """A book whose index write failed on this host, tried again (the queue backs off)."""
    book_id = int(payload["book_id"])
    with replica_lock(blocking=True):
        failures = apply([book_id])
    if failures:
        db.session.execute(update(Book).where(Book.id == book_id)
                           .values(index_error=failures[book_id])
                           .execution_options(synchronize_session=False))
        db.session.commit()
        raise RuntimeError(failures[book_id])
    _record([book_id], {})


def rebuild(progress=None) -> int:
    """Build this host's replica anew from the database beside the live one and swap it in;
    changes made meanwhile are applied right after the swap. Returns the books indexed."""
    return _build(progress, hold_lock=False)


def _build_locked() -> int:
    return _build(None, hold_lock=True)


def _build(progress, hold_lock: bool) -> int:
    folder = _folder()
    position = changes.latest()
    cursor = Cursor(position)
    cursor.advance([])
    # numbers drawn but not yet committed below the position may still come: watch them
    # (not those pruned away: the log begins after its PRUNED mark)
    recent = changes.numbers_between(max(0, position - BATCH), position)
    now = time.time()
    start = max(1, position - BATCH + 1, changes.pruned_through() + 1)
    cursor.gaps = {s: now for s in range(start, position + 1) if s not in recent}
    total = db.session.scalar(select(db.func.count(Book.id)).where(Book.status == BookStatus.READY))
    marker = folder / BUILDING
    folder.mkdir(parents=True, exist_ok=True)

    def mark(done: int) -> None:
        if done % 50 == 0:  # for /healthz: how far a build has come
            marker.write_text(json.dumps({"done": done, "total": total, "pid": os.getpid()}))
        if progress:
            progress(done)

    ids: list[int] = []

    def documents():
        # In batches by id, not one streamed result: a commit on this session meanwhile (a
        # progress write, an index write queued during the rebuild) would close PostgreSQL's
        # server-side cursor under it.
        book_ids = db.session.scalars(select(Book.id).where(Book.status == BookStatus.READY)
                                      .order_by(Book.id)).all()
        for start in range(0, len(book_ids), 50):
            batch = db.session.scalars(
                select(Book).where(Book.id.in_(book_ids[start:start + 50]),
                                   Book.status == BookStatus.READY)
                .options(selectinload(Book.sections), selectinload(Book.shelf))
                .order_by(Book.id)).all()
            for book in batch:
                ids.append(book.id)
                yield book_document(book)

    def swap(adopt) -> None:
        def level():
            adopt()
            cursor.save(folder)
            _catch_up(cursor)
            _report(cursor)
        if hold_lock:
            level()
        else:
            with replica_lock(blocking=True):
                level()

    mark(0)
    try:
        count = get_index().rebuild(documents(), progress=mark, swap=swap)
    finally:
        marker.unlink(missing_ok=True)
    for start in range(0, len(ids), 500):
        db.session.execute(update(Book).where(Book.id.in_(ids[start:start + 500]),
                                              Book.index_status != IndexStatus.INDEXED)
                           .values(index_status=IndexStatus.INDEXED, index_error=None)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return count


def behind(grace_seconds: float = 0) -> list[int]:
    """Books whose entries in this replica are older than their last change: changes not
    applied yet (older than the grace), and books whose index write failed here."""
    from datetime import timedelta

    cursor = Cursor.load(_folder()) or Cursor()
    books = changes.books_changed_after(cursor.seq, utcnow() - timedelta(seconds=grace_seconds))
    retries = db.session.execute(
        select(Task.payload, Task.status, Book.index_status)
        .outerjoin(Book, Book.id == Task.payload["book_id"].as_integer())
        .where(Task.kind == RETRY_KIND, Task.host == tasks.host_id(),
               Task.status.in_((TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.FAILED)))).all()
    for payload, status, index_status in retries:
        # a retry counts until the book was written since (its status says so)
        if index_status in (IndexStatus.FAILED, None):
            books.add(int(payload["book_id"]))
    return sorted(books)
