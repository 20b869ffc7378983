"""The task table: every piece of background work, queued, claimed, retried and kept here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from library.catalog.models import utcnow
from library.extensions import db
from library.messages import MessageColumn


class TaskStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ACTIVE = (QUEUED, RUNNING)
    FINAL = (DONE, FAILED, CANCELLED)


# At most one active task per key: what makes `enqueue(..., key=...)` safe between processes.
ACTIVE_KEY = text("status IN ('queued', 'running')")


class Task(db.Model):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.QUEUED)
    priority: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    # Only the processes of this host may run it (work on the host's own index replica).
    host: Mapped[str | None] = mapped_column(String(100))
    # "host:pid:claim" of the process that holds it, and when that process last said so.
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    heartbeat_at: Mapped[datetime | None]
    rerun: Mapped[bool] = mapped_column(default=False)           # enqueued again while running
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    done: Mapped[int | None]
    total: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)              # the last failure's reason
    error_message: Mapped[str | None] = mapped_column(MessageColumn)  # its msgid and values
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_task_due", "status", "run_after"),
        Index("ix_task_kind_status", "kind", "status"),
        Index("ix_task_key", "key"),
        Index("uq_task_active_key", "key", unique=True,
              sqlite_where=ACTIVE_KEY, postgresql_where=ACTIVE_KEY),
    )
