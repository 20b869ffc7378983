"""The queue's protocol, in SQL: enqueue, claim, heartbeat, finish, retry, recover, cancel.

One protocol on both databases. A claim picks due rows with `FOR UPDATE SKIP LOCKED`
(PostgreSQL: concurrent claimers pass over each other's rows; SQLite ignores the clause)
and takes one with a compare-and-set UPDATE on (status, claimed_by), which is what makes
it exclusive on SQLite, where writers are serialised anyway. Every later write by the
worker carries its claim token in the WHERE clause: a worker thought dead whose task was
given to another finds its writes refused and stops (TaskLost).
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from library.catalog.models import utcnow
from library.extensions import db
from library.tasks.models import ACTIVE_KEY, Task, TaskStatus
from library.translatable import N_, Message

log = logging.getLogger(__name__)
WORKER_STOPPED = N_("Tiến trình xử lý đã dừng giữa chừng")
UNKNOWN = N_("Lỗi không rõ")


@dataclass(frozen=True)
class TaskView:
    """What a page or a test may know of a task."""

    id: int
    kind: str
    key: str | None
    status: str
    done: int | None
    total: int | None
    attempts: int
    error: str | None          # a Message or a plain text: shown with library.i18n.message
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    run_after: datetime
    payload: dict
    host: str | None

    @classmethod
    def of(cls, task: Task) -> TaskView:
        return cls(task.id, task.kind, task.key, task.status, task.done, task.total,
                   task.attempts, task.error_message or task.error, task.created_at,
                   task.updated_at, task.finished_at, task.run_after, dict(task.payload or {}), task.host)


@dataclass(frozen=True)
class Claim:
    task_id: int
    kind: str
    payload: dict
    attempt: int
    token: str


def new_token() -> str:
    """"host:pid:random": the pid lets a process on the same machine be seen gone at once."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:10]}"


def _insert(values: dict):
    dialect = db.session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:  # another database: no upsert; the unique index still guards
        return db.session.execute(Task.__table__.insert().values(**values)
                                  .returning(Task.__table__.c.id)).scalar()
    statement = module.insert(Task.__table__).values(**values).on_conflict_do_nothing(
        index_elements=["key"], index_where=ACTIVE_KEY).returning(Task.__table__.c.id)
    return db.session.execute(statement).scalar()


def enqueue(kind: str, payload: dict, *, key: str | None = None, delay_seconds: float = 0,
            priority: int = 0, host: str | None = None) -> int:
    """Add a task in the caller's transaction; with `key`, at most one active task per key."""
    now = utcnow()
    run_after = now + timedelta(seconds=max(0.0, delay_seconds))
    values = dict(kind=kind, key=key, payload=dict(payload), status=TaskStatus.QUEUED,
                  priority=priority, run_after=run_after, attempts=0, host=host, rerun=False,
                  cancel_requested=False, created_at=now, updated_at=now)
    if key is None:
        return _insert(values)
    for _ in range(10):
        active = db.session.execute(
            select(Task.id, Task.status, Task.run_after).where(Task.key == key,
                                                               Task.status.in_(TaskStatus.ACTIVE))
            .with_for_update()).first()
        if active is None:
            task_id = _insert(values)
            if task_id is not None:
                return task_id
            continue  # another process added one meanwhile: join it
        if active.status == TaskStatus.QUEUED:
            if run_after < active.run_after:  # asked again, sooner: the sooner time stands
                db.session.execute(update(Task).where(Task.id == active.id)
                                   .values(run_after=run_after))
            return active.id
        if db.session.execute(update(Task).where(Task.id == active.id,
                                                 Task.status == TaskStatus.RUNNING)
                              .values(rerun=True)).rowcount:
            return active.id
    raise RuntimeError(f"could not enqueue task with key {key!r}")


def claim(kinds: list[str], host: str, *, task_id: int | None = None,
          batch: int = 5) -> Claim | None:
    """Take one due task of these kinds for this process; None when there is none. Commits."""
    if not kinds:
        return None
    now = utcnow()
    query = (select(Task.id).where(Task.status == TaskStatus.QUEUED, Task.run_after <= now,
                                   Task.kind.in_(kinds), or_(Task.host.is_(None), Task.host == host))
             .order_by(Task.priority.desc(), Task.run_after, Task.id).limit(batch)
             .with_for_update(skip_locked=True))
    if task_id is not None:
        query = query.where(Task.id == task_id)
    try:
        for candidate in db.session.scalars(query).all():
            token = new_token()
            if db.session.execute(
                update(Task).where(Task.id == candidate, Task.status == TaskStatus.QUEUED)
                .values(status=TaskStatus.RUNNING, claimed_by=token, heartbeat_at=now,
                        attempts=Task.attempts + 1, updated_at=now)
            ).rowcount:
                task = db.session.execute(select(Task.kind, Task.payload, Task.attempts)
                                          .where(Task.id == candidate)).one()
                db.session.commit()
                return Claim(candidate, task.kind, dict(task.payload or {}), task.attempts, token)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return None


def beat(task_id: int, token: str, done: int | None = None, total: int | None = None) -> bool:
    """The worker is alive (and this far); False when its claim was taken away. Its own
    connection and transaction: the handler's unfinished work is not committed with it."""
    values = {"heartbeat_at": utcnow()}
    if done is not None:
        values["done"] = done
    if total is not None:
        values["total"] = total
    with db.engine.begin() as connection:
        return bool(connection.execute(
            update(Task).where(Task.id == task_id, Task.claimed_by == token,
                               Task.status == TaskStatus.RUNNING).values(**values)).rowcount)


def cancel_requested(task_id: int) -> bool:
    with db.engine.connect() as connection:
        return bool(connection.scalar(select(Task.cancel_requested).where(Task.id == task_id)))


def _settle(task_id: int, token: str, outcome: str, **values) -> bool:
    """Close a claim: `outcome` unless a rerun was asked for meanwhile (then queued again,
    from its first attempt) or a cancel (then cancelled). Commits."""
    now = utcnow()
    rerun = Task.rerun.is_(True) & Task.cancel_requested.is_(False)
    status = case((rerun, TaskStatus.QUEUED), (Task.cancel_requested.is_(True), TaskStatus.CANCELLED),
                  else_=outcome)
    final = case((rerun, None), else_=now)
    fields = dict(status=status, claimed_by=None, finished_at=final, updated_at=now,
                  attempts=case((rerun, 0), else_=Task.attempts), rerun=False)
    if outcome == TaskStatus.QUEUED:
        fields["finished_at"] = None
    if "run_after" in values:
        fields["run_after"] = case((rerun, now), else_=values.pop("run_after"))
    else:
        fields["run_after"] = case((rerun, now), else_=Task.run_after)
    fields.update(values)
    taken = db.session.execute(update(Task).where(Task.id == task_id, Task.claimed_by == token)
                               .values(**fields)).rowcount
    db.session.commit()
    return bool(taken)


def finish(task_id: int, token: str) -> bool:
    return _settle(task_id, token, TaskStatus.DONE, error=None, error_message=None)


def retry_or_fail(task_id: int, token: str, reason: str, attempts: int, max_attempts: int,
                  delay_seconds: float) -> str:
    """After a failure: queued again after `delay_seconds`, or failed when out of attempts."""
    if not isinstance(reason, Message):  # a Message keeps its values (library.messages)
        reason = (reason or "").strip()[:2000] or UNKNOWN
    if attempts >= max_attempts:
        _settle(task_id, token, TaskStatus.FAILED, error=reason, error_message=reason)
        return TaskStatus.FAILED
    _settle(task_id, token, TaskStatus.QUEUED, error=reason, error_message=reason,
            run_after=utcnow() + timedelta(seconds=delay_seconds))
    return TaskStatus.QUEUED


def backoff(attempts: int, base: float, cap: float) -> float:
    """Exponential: base, 2·base, 4·base, … up to cap."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


def recover_stale(quiet_seconds: float, max_attempts_of) -> list[int]:
    """Running tasks whose worker said nothing for `quiet_seconds`, or whose process on this
    machine is gone: queued again, or failed when out of attempts. Returns their ids."""
    cutoff = utcnow() - timedelta(seconds=quiet_seconds)
    recovered = []
    rows = db.session.execute(select(Task.id, Task.kind, Task.claimed_by, Task.heartbeat_at,
                                     Task.attempts).where(Task.status == TaskStatus.RUNNING)).all()
    for row in rows:
        if not (row.heartbeat_at is None or row.heartbeat_at < cutoff
                or process_gone(row.claimed_by)):
            continue
        out_of_attempts = row.attempts >= max_attempts_of(row.kind)
        now = utcnow()
        if db.session.execute(
            update(Task).where(Task.id == row.id, Task.status == TaskStatus.RUNNING,
                               Task.claimed_by == row.claimed_by)
            .values(status=TaskStatus.FAILED if out_of_attempts else TaskStatus.QUEUED,
                    claimed_by=None, error=WORKER_STOPPED, error_message=None, run_after=now,
                    updated_at=now,
                    finished_at=now if out_of_attempts else None)
        ).rowcount:
            recovered.append(row.id)
            log.warning("task %s (%s) of %s went quiet: %s", row.id, row.kind, row.claimed_by,
                        "failed" if out_of_attempts else "queued again")
    db.session.commit()
    return recovered


def process_gone(claimed_by: str | None) -> bool:
    """Whether the claiming process ran on this machine and has ended."""
    host, _, rest = (claimed_by or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def find(key_or_id: str | int) -> Task | None:
    """A task by id, or by key: the active one, else the latest."""
    if isinstance(key_or_id, int):
        return db.session.get(Task, key_or_id)
    return db.session.scalar(select(Task).where(Task.key == key_or_id)
                             .order_by((Task.status.in_(TaskStatus.ACTIVE)).desc(), Task.id.desc())
                             .limit(1))


def cancel(key_or_id: str | int) -> bool:
    """Cancel a queued task, or ask a running one to stop; in the caller's transaction."""
    task = find(key_or_id)
    if task is None or task.status not in TaskStatus.ACTIVE:
        return False
    now = utcnow()
    if db.session.execute(update(Task).where(Task.id == task.id, Task.status == TaskStatus.QUEUED)
                          .values(status=TaskStatus.CANCELLED, finished_at=now, updated_at=now)
                          .execution_options(synchronize_session=False)).rowcount:
        return True
    return bool(db.session.execute(
        update(Task).where(Task.id == task.id, Task.status == TaskStatus.RUNNING)
        .values(cancel_requested=True, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount)


def unfinished(kinds: list[str] | None = None) -> bool:
    query = select(Task.id).where(Task.status.in_(TaskStatus.ACTIVE))
    if kinds:
        query = query.where(Task.kind.in_(kinds))
    return db.session.scalar(query.limit(1)) is not None


def release(task_id: int, token: str) -> None:
    """A stopping worker gives its task back: queued at once, the attempt not counted."""
    now = utcnow()
    db.session.execute(update(Task).where(Task.id == task_id, Task.claimed_by == token)
                       .values(status=TaskStatus.QUEUED, claimed_by=None, run_after=now,
                               updated_at=now, attempts=case((Task.attempts > 0, Task.attempts - 1),
                                                             else_=0)))
    db.session.commit()


def troubled(limit: int = 50) -> list[TaskView]:
    """Tasks a person should see: failed for good, or waiting to be tried again."""
    return [TaskView.of(t) for t in db.session.scalars(
        select(Task).where(or_(Task.status == TaskStatus.FAILED,
                               (Task.status == TaskStatus.QUEUED) & Task.error.is_not(None)))
        .order_by(Task.updated_at.desc()).limit(limit))]


def prune(done_days: float = 30, failed_days: float = 90) -> int:
    """Forget finished tasks after a while (failed ones later: a person may still look)."""
    from sqlalchemy import delete

    now = utcnow()
    removed = db.session.execute(delete(Task).where(or_(
        Task.status.in_((TaskStatus.DONE, TaskStatus.CANCELLED))
        & (Task.finished_at < now - timedelta(days=done_days)),
        (Task.status == TaskStatus.FAILED) & (Task.finished_at < now - timedelta(days=failed_days)),
    ))).rowcount
    db.session.commit()
    return removed
