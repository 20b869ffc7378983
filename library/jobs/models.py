"""Ingest jobs, kept in the database so an upload returns at once, its progress can be
watched from any worker process, and a job cut short by a restart is picked up again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.catalog.models import utcnow
from library.extensions import db
from library.messages import MessageColumn, MessageList


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"


class FileStatus:
    QUEUED = "queued"
    RUNNING = "running"
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    DONE = (IMPORTED, DUPLICATE, FAILED)


class IngestJob(db.Model):
    __tablename__ = "ingest_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(10), default="web")  # web, api, cli
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("shelf.id"))
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED, index=True)
    # Who works on it, heartbeats and recovery: its `ingest.job` task (library.tasks).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    files: Mapped[list[IngestJobFile]] = relationship(
        back_populates="job", order_by="IngestJobFile.position", cascade="all, delete-orphan")


class IngestJobFile(db.Model):
    __tablename__ = "ingest_job_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_job.id", ondelete="CASCADE"))
    position: Mapped[int]
    original_filename: Mapped[str] = mapped_column(String(500))
    # The uploaded bytes wait under this name in the store's staging folder until parsed.
    staged_name: Mapped[str | None] = mapped_column(String(200))
    # Or, for `books import`, the file where it lies on the server (read in place, not copied).
    source_path: Mapped[str | None] = mapped_column(Text)
    # Optional metadata given with the file (title, authors, year, ...).
    book_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set when the file replaces an existing book's file (re-ingest of that book).
    replaces_book_id: Mapped[int | None] = mapped_column(
        ForeignKey("book.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=FileStatus.QUEUED)
    # The Vietnamese sentence, and its msgid and values apart for other languages (library.messages).
    reason: Mapped[str | None] = mapped_column(Text)
    reason_message: Mapped[str | None] = mapped_column(MessageColumn)
    book_id: Mapped[int | None] = mapped_column(ForeignKey("book.id", ondelete="SET NULL"))
    warnings: Mapped[list[str]] = mapped_column(MessageList, default=list)
    finished_at: Mapped[datetime | None]

    job: Mapped[IngestJob] = relationship(back_populates="files")

    __table_args__ = (Index("ix_ingest_job_file_job_position", "job_id", "position"),)
