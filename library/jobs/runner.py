"""Ingest jobs: created with their files staged, run as an `ingest.job` task (library.tasks:
one worker at a time, heartbeats, retries, recovery), through `library.ingest`, every file's
result written (in its own short transaction) as soon as known.

Web and API uploads wait in the book store's staging folder; `books import` reads the
librarian's files where they lie. A job whose worker died is picked up again by another
worker, which finishes the files not done yet (web, api), or closed with its remaining files
failed (cli: the files are on the machine of a process that is gone).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select, update

from library import audit, extraction, tasks
from library.catalog.manifest import BookMetadata
from library.catalog.models import EPUB, PDF, Book, Shelf, utcnow
from library.extensions import db
from library.ingest import DUPLICATE, FAILED, IMPORTED, ImportJob, ImportResult, import_files, replace_book_file
from library.jobs import INGEST
from library.jobs.models import FileStatus, IngestJob, IngestJobFile, JobStatus
from library.storage import STAGING, get_store
from library.vietnamese import clean_text
from library.translatable import N_, stored

log = logging.getLogger(__name__)

EXTENSIONS = {".pdf": PDF, ".epub": EPUB}
WRONG_EXTENSION = N_("Chỉ nhận tệp PDF hoặc EPUB (đuôi .pdf hoặc .epub)")
INTERRUPTED = N_("Lệnh nhập đã dừng giữa chừng; hãy chạy lại")


@dataclass
class Upload:
    """One file as it arrives: its name as the client gave it, its bytes, what was said of it."""

    filename: str
    stream: BinaryIO
    metadata: BookMetadata | None = None


JobLost = tasks.TaskLost  # this worker's claim on the job's task was taken away


def extension_refusal(filename: str, media_type: str | None = None) -> str | None:
    """Why an upload's name is refused, if it is: not .pdf/.epub, or not what the bytes are."""
    expected = EXTENSIONS.get(Path(filename).suffix.lower())
    if expected is None:
        return WRONG_EXTENSION
    if media_type is not None and media_type != expected:
        actual = "PDF" if media_type == PDF else "EPUB"
        return N_("Tên tệp có đuôi {suffix} nhưng nội dung là {actual}",
                  suffix=Path(filename).suffix.lower(), actual=actual)
    return None


def create_job(uploads: Iterable[Upload], *, shelf: Shelf | None, source: str, user=None,
               replaces_book_id: int | None = None) -> IngestJob:
    """Stage the uploads (fsync'd) and queue a job for them; a name that is not .pdf/.epub
    is refused at once, never written to disk."""
    store = get_store()
    job = IngestJob(source=source, shelf_id=shelf.id if shelf else None,
                    created_by_id=getattr(user, "id", None), status=JobStatus.QUEUED)
    with store.commit_or_discard(db.session) as staged:
        for position, upload in enumerate(uploads, start=1):
            name = clean_text(Path(upload.filename or "").name) or f"tep-{position}"
            row = IngestJobFile(position=position, original_filename=name[:500],
                                book_metadata=_metadata_dict(upload.metadata),
                                replaces_book_id=replaces_book_id, warnings=[])
            if reason := extension_refusal(name):
                row.status, row.finished_at = FileStatus.FAILED, utcnow()
                row.reason = row.reason_message = reason
            else:
                row.staged_name = store.stage(upload.stream).name
                staged.append(row.staged_name)
            job.files.append(row)
        db.session.add(job)
    return job


def create_cli_job(paths: Iterable[Path], *, shelf: Shelf | None,
                   metadata_for: Callable[[Path], BookMetadata | None]) -> IngestJob:
    """A job for `books import`, its task bound to this host (the files are here): the
    command runs it here and now (`run_cli_job`)."""
    job = IngestJob(source="cli", shelf_id=shelf.id if shelf else None, status=JobStatus.QUEUED)
    for position, path in enumerate(paths, start=1):
        job.files.append(IngestJobFile(
            position=position, original_filename=clean_text(path.name)[:500],
            source_path=str(path.absolute()), book_metadata=_metadata_dict(metadata_for(path)),
            warnings=[]))
    db.session.add(job)
    db.session.flush()
    tasks.enqueue(INGEST, {"job_id": job.id}, key=f"ingest:{job.id}", priority=10,
                  host=tasks.host_id())
    db.session.commit()
    return job


def run_cli_job(job: IngestJob, on_result: Callable[[ImportResult], None]) -> None:
    task = tasks.status(f"ingest:{job.id}")
    tasks.run_now(current_app._get_current_object(), task.id, listener=on_result)


def _metadata_dict(metadata: BookMetadata | None) -> dict:
    return {k: v for k, v in asdict(metadata).items() if v is not None} if metadata else {}


@tasks.handler(INGEST, max_attempts=3)
def run_ingest_task(ctx: tasks.TaskContext, payload: dict) -> None:
    """An ingest job's task: its unfinished files, by whichever worker claimed it."""
    job_id = int(payload["job_id"])
    job = db.session.get(IngestJob, job_id)
    if job is None or job.status == JobStatus.FINISHED:
        return
    if job.source == "cli" and ctx.attempt > 1:
        log.warning("ingest job %s: the `books import` that ran it stopped: closed", job_id)
        _close_interrupted(job)
        db.session.commit()
        return
    try:
        run_job(job_id, ctx, on_result=ctx.listener)
    except tasks.TaskLost:
        raise
    except Exception:
        if ctx.attempt >= 3:  # out of attempts: its files failed, not retried for ever
            log.exception("ingest job %s failed on its last attempt: closed", job_id)
            abandon(job_id)
        raise


def _close_interrupted(job: IngestJob, reason: str = INTERRUPTED) -> None:
    now = utcnow()
    for row in job.files:
        if row.status not in FileStatus.DONE:
            row.status, row.finished_at = FileStatus.FAILED, now
            row.reason = row.reason_message = reason
    job.status, job.finished_at = JobStatus.FINISHED, now


def abandon(job_id: int, reason: str = N_("Lỗi máy chủ khi nhập tệp; hãy thử tải lên lại")) -> None:
    """Close a job that broke the runner: its unfinished files failed, so it is not retried
    for ever. Their staged copies go too."""
    db.session.rollback()
    job = db.session.get(IngestJob, job_id)
    staged = [row.staged_name for row in job.files if row.status not in FileStatus.DONE]
    _close_interrupted(job, reason)
    for row in job.files:
        row.staged_name = None if row.staged_name in staged else row.staged_name
    db.session.commit()
    for name in staged:
        get_store().delete(name)


def run_job(job_id: int, ctx: tasks.TaskContext | None = None,
            on_result: Callable[[ImportResult], None] | None = None) -> None:
    """Work through a job's unfinished files: two parses at once, each result written when
    known (the task's claim checked first), staged files removed once their result is kept."""
    job = db.session.get(IngestJob, job_id)
    shelf = db.session.get(Shelf, job.shelf_id) if job.shelf_id else None
    actor = _actor(job)
    if job.status != JobStatus.RUNNING:
        job.status, job.started_at = JobStatus.RUNNING, job.started_at or utcnow()
        db.session.commit()
    pending = [row for row in job.files if row.status not in FileStatus.DONE]
    progress = Progress(ctx, len(job.files), len(job.files) - len(pending), job.started_at,
                        {row.id for row in pending if row.status == FileStatus.RUNNING})
    rows = {row.id: row for row in pending}
    imports, replacements = [], []
    for row in pending:
        path = _source(row)
        if reason := _refusal(row, path, job.source):
            _record(job_id, row.id, ImportResult(FAILED, row.original_filename, reason=reason),
                    progress, actor, on_result)
        elif row.replaces_book_id:
            replacements.append((row.id, path))
        else:
            imports.append((row.id, ImportJob(path, shelf.slug if shelf else None,
                                              BookMetadata(**row.book_metadata),
                                              row.original_filename)))
    db.session.expire_all()
    ids = [row_id for row_id, _ in imports]
    started = (_mark_running(row_id, progress) or item for row_id, item in imports)
    for row_id, result in zip(ids, import_files(started, workers=2)):
        _record(job_id, row_id, result, progress, actor, on_result)
    for row_id, path in replacements:
        _mark_running(row_id, progress)
        result = replace_book_file(rows[row_id].replaces_book_id, path,
                                   rows[row_id].original_filename)
        _record(job_id, row_id, result, progress, actor, on_result, replaced=True)
    progress.check()
    db.session.execute(update(IngestJob).where(IngestJob.id == job_id)
                       .values(status=JobStatus.FINISHED, finished_at=utcnow()))
    db.session.commit()


@dataclass
class Progress:
    """The files done so far, told to the task (which checks its claim at the same time)."""

    ctx: tasks.TaskContext | None
    total: int
    done: int
    started_at: object = None
    # Files a previous run had in hand when its worker died: the book may be in already.
    interrupted: set[int] = field(default_factory=set)

    def check(self) -> None:
        if self.ctx is not None:
            self.ctx.heartbeat(self.done, self.total)


def _actor(job: IngestJob):
    from library.auth.models import User

    return db.session.get(User, job.created_by_id) if job.created_by_id else None


def _source(row: IngestJobFile) -> Path | None:
    if row.source_path:
        return Path(row.source_path)
    return get_store().path(row.staged_name) if row.staged_name else None


def _refusal(row: IngestJobFile, path: Path | None, source: str) -> str | None:
    """An upload's bytes must be a PDF or EPUB matching its name (the CLI's files are the
    librarian's own, judged by content alone, as before)."""
    if path is None:
        return N_("Tệp tải lên không còn trong thư mục chờ")
    if source == "cli":
        return None
    try:
        media_type = extraction.sniff(path)
    except extraction.ExtractionError as exc:
        return exc.reason
    return extension_refusal(row.original_filename, media_type)


def _mark_running(row_id: int, progress: Progress) -> None:
    progress.check()
    db.session.execute(update(IngestJobFile).where(IngestJobFile.id == row_id)
                       .values(status=FileStatus.RUNNING))
    db.session.commit()


def _record(job_id: int, row_id: int, result: ImportResult, progress: Progress, actor,
            on_result=None, replaced: bool = False) -> None:
    """One file's outcome and the audit event in one short commit; then the staged copy goes."""
    progress.check()
    row = db.session.get(IngestJobFile, row_id)
    if row_id in progress.interrupted:
        result = _finished_before(result, progress.started_at)
    status = result.status if result.status in FileStatus.DONE else FileStatus.FAILED
    row.status, row.book_id = status, result.book_id
    row.reason = row.reason_message = result.reason
    row.warnings, row.finished_at = list(result.warnings), utcnow()
    staged, row.staged_name = row.staged_name, None
    if result.status == IMPORTED:
        action = "book.replace" if replaced else "book.upload"
        audit.record(action, "book", result.book_id, result.title or "", actor=actor,
                     job=job_id, file=result.filename, warnings=[stored(w) for w in result.warnings])
    db.session.commit()
    progress.done += 1
    get_store().delete(staged)
    if result.status == IMPORTED:
        _index_soon()
    if on_result:
        on_result(result)


def _finished_before(result: ImportResult, started_at) -> ImportResult:
    """A file whose worker died between committing its book and recording it: on the next
    run its bytes are "a duplicate" of that very book. It was imported, once: say so."""
    if result.status != DUPLICATE or result.book_id is None or started_at is None:
        return result
    book = db.session.get(Book, result.book_id)
    if book is None or book.created_at < started_at:
        return result
    return ImportResult(IMPORTED, result.filename, book.id, book.title,
                        warnings=list(book.warnings or []))


def _index_soon() -> None:
    if current_app.config.get("INDEX_INLINE"):
        current_app.extensions["indexer"].drain()
    else:
        current_app.extensions["indexer"].wake()


def sweep_staging(older_than_seconds: float = 86400) -> int:
    """Remove staged uploads no job refers to (a process killed between staging a file and
    committing its job); recent ones may belong to a job being created right now."""
    root = get_store().root / STAGING
    if not root.is_dir():
        return 0
    wanted = set(db.session.scalars(
        select(IngestJobFile.staged_name).where(IngestJobFile.staged_name.is_not(None))))
    cutoff, removed = time.time() - older_than_seconds, 0
    for path in root.iterdir():
        if f"{STAGING}/{path.name}" not in wanted and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


