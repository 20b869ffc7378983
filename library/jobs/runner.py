"""Ingest jobs: created with their files staged, claimed by one worker at a time, run through
`library.ingest`, every file's result written (in its own short transaction) as soon as known.

Web and API uploads wait in the book store's staging folder; `books import` reads the
librarian's files where they lie. A job whose worker stops sending heartbeats is put back in
the queue (web, api) or closed with its remaining files failed (cli: the files are on the
machine of a process that is gone).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import or_, select, update

from library import audit, extraction, indexing
from library.catalog.manifest import BookMetadata
from library.catalog.models import EPUB, PDF, Shelf, utcnow
from library.extensions import db
from library.ingest import FAILED, IMPORTED, ImportJob, ImportResult, import_files, replace_book_file
from library.jobs.models import FileStatus, IngestJob, IngestJobFile, JobStatus
from library.storage import STAGING, get_store
from library.vietnamese import clean_text

log = logging.getLogger(__name__)

EXTENSIONS = {".pdf": PDF, ".epub": EPUB}
WRONG_EXTENSION = "Chỉ nhận tệp PDF hoặc EPUB (đuôi .pdf hoặc .epub)"
INTERRUPTED = "Lệnh nhập đã dừng giữa chừng; hãy chạy lại"
REQUEUED = "Tiến trình xử lý đã dừng; tác vụ được đưa lại vào hàng đợi"


@dataclass
class Upload:
    """One file as it arrives: its name as the client gave it, its bytes, what was said of it."""

    filename: str
    stream: BinaryIO
    metadata: BookMetadata | None = None


class JobLost(Exception):
    """This worker's claim on the job was taken away (it was thought dead and re-queued)."""


def worker_id() -> str:
    """"host:pid" of this process, asked each time: a forking server's workers differ."""
    return f"{socket.gethostname()}:{os.getpid()}"


def extension_refusal(filename: str, media_type: str | None = None) -> str | None:
    """Why an upload's name is refused, if it is: not .pdf/.epub, or not what the bytes are."""
    expected = EXTENSIONS.get(Path(filename).suffix.lower())
    if expected is None:
        return WRONG_EXTENSION
    if media_type is not None and media_type != expected:
        actual = "PDF" if media_type == PDF else "EPUB"
        return f"Tên tệp có đuôi {Path(filename).suffix.lower()} nhưng nội dung là {actual}"
    return None


def create_job(uploads: Iterable[Upload], *, shelf: Shelf | None, source: str, user=None,
               replaces_book_id: int | None = None) -> IngestJob:
    """Stage the uploads (fsync'd) and queue a job for them; a name that is not .pdf/.epub
    is refused at once, never written to disk."""
    store = get_store()
    job = IngestJob(source=source, shelf_id=shelf.id if shelf else None,
                    created_by_id=getattr(user, "id", None), status=JobStatus.QUEUED)
    staged: list[str] = []
    try:
        for position, upload in enumerate(uploads, start=1):
            name = clean_text(Path(upload.filename or "").name) or f"tep-{position}"
            row = IngestJobFile(position=position, original_filename=name[:500],
                                book_metadata=_metadata_dict(upload.metadata),
                                replaces_book_id=replaces_book_id, warnings=[])
            if reason := extension_refusal(name):
                row.status, row.reason, row.finished_at = FileStatus.FAILED, reason, utcnow()
            else:
                row.staged_name = store.stage(upload.stream).name
                staged.append(row.staged_name)
            job.files.append(row)
        db.session.add(job)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in staged:
            store.delete(name)
        raise
    return job


def create_cli_job(paths: Iterable[Path], *, shelf: Shelf | None,
                   metadata_for: Callable[[Path], BookMetadata | None]) -> IngestJob:
    """A job for `books import`, already claimed by this process: it runs here and now."""
    now = utcnow()
    job = IngestJob(source="cli", shelf_id=shelf.id if shelf else None, status=JobStatus.RUNNING,
                    claimed_by=worker_id(), heartbeat_at=now, started_at=now)
    for position, path in enumerate(paths, start=1):
        job.files.append(IngestJobFile(
            position=position, original_filename=clean_text(path.name)[:500],
            source_path=str(path.absolute()), book_metadata=_metadata_dict(metadata_for(path)),
            warnings=[]))
    db.session.add(job)
    db.session.commit()
    return job


def _metadata_dict(metadata: BookMetadata | None) -> dict:
    return {k: v for k, v in asdict(metadata).items() if v is not None} if metadata else {}


def claim(job_id: int | None = None, worker: str | None = None) -> int | None:
    """Take one queued job (this one, or the oldest) for `worker`; None when there is none.
    The conditional UPDATE makes the claim atomic across threads and processes."""
    worker = worker or worker_id()
    query = select(IngestJob.id).where(IngestJob.status == JobStatus.QUEUED)
    if job_id is not None:
        query = query.where(IngestJob.id == job_id)
    for candidate in db.session.scalars(query.order_by(IngestJob.id).limit(5)).all():
        now = utcnow()
        taken = db.session.execute(
            update(IngestJob)
            .where(IngestJob.id == candidate, IngestJob.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, claimed_by=worker, heartbeat_at=now,
                    started_at=now)
        ).rowcount
        db.session.commit()
        if taken:
            return candidate
    return None


def requeue_stale(quiet_seconds: float) -> list[int]:
    """Jobs whose worker said nothing for `quiet_seconds` (or whose process on this machine is
    gone): web and API jobs go back to the queue, a CLI job is closed. Returns their ids."""
    cutoff = utcnow() - timedelta(seconds=quiet_seconds)
    found = []
    for job in db.session.scalars(select(IngestJob).where(IngestJob.status == JobStatus.RUNNING)):
        if not (job.heartbeat_at is None or job.heartbeat_at < cutoff
                or _process_gone(job.claimed_by)):
            continue
        if job.source == "cli":
            _close_interrupted(job)
        elif not db.session.execute(
            update(IngestJob).where(IngestJob.id == job.id, IngestJob.status == JobStatus.RUNNING,
                                    IngestJob.claimed_by == job.claimed_by)
            .values(status=JobStatus.QUEUED, claimed_by=None)
        ).rowcount:
            continue
        found.append(job.id)
        log.warning("ingest job %s of %s went quiet: %s", job.id, job.claimed_by,
                    "closed" if job.source == "cli" else "re-queued")
    db.session.commit()
    return found


def _process_gone(claimed_by: str | None) -> bool:
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _close_interrupted(job: IngestJob, reason: str = INTERRUPTED) -> None:
    now = utcnow()
    for row in job.files:
        if row.status not in FileStatus.DONE:
            row.status, row.reason, row.finished_at = FileStatus.FAILED, reason, now
    job.status, job.finished_at = JobStatus.FINISHED, now


def abandon(job_id: int, reason: str = "Lỗi máy chủ khi nhập tệp; hãy thử tải lên lại") -> None:
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


def run_job(job_id: int, worker: str | None = None,
            on_result: Callable[[ImportResult], None] | None = None) -> None:
    """Work through a claimed job's unfinished files: two parses at once, each result
    written when known, staged files removed once their result is kept."""
    worker = worker or worker_id()
    job = db.session.get(IngestJob, job_id)
    shelf = db.session.get(Shelf, job.shelf_id) if job.shelf_id else None
    actor = _actor(job)
    pending = [row for row in job.files if row.status not in FileStatus.DONE]
    rows = {row.id: row for row in pending}
    imports, replacements = [], []
    with _pulse(current_app._get_current_object(), job_id, worker):
        for row in pending:
            path = _source(row)
            if reason := _refusal(row, path, job.source):
                _record(job_id, row.id, ImportResult(FAILED, row.original_filename, reason=reason),
                        worker, actor, on_result)
            elif row.replaces_book_id:
                replacements.append((row.id, path))
            else:
                imports.append((row.id, ImportJob(path, shelf.slug if shelf else None,
                                                  BookMetadata(**row.book_metadata),
                                                  row.original_filename)))
        db.session.expire_all()
        ids = [row_id for row_id, _ in imports]
        started = (_mark_running(job_id, row_id, worker) or item for row_id, item in imports)
        for row_id, result in zip(ids, import_files(started, workers=2)):
            _record(job_id, row_id, result, worker, actor, on_result)
        for row_id, path in replacements:
            _mark_running(job_id, row_id, worker)
            result = replace_book_file(rows[row_id].replaces_book_id, path,
                                       rows[row_id].original_filename)
            _record(job_id, row_id, result, worker, actor, on_result, replaced=True)
    now = utcnow()
    db.session.execute(update(IngestJob).where(IngestJob.id == job_id, IngestJob.claimed_by == worker)
                       .values(status=JobStatus.FINISHED, finished_at=now, heartbeat_at=now))
    db.session.commit()


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
        return "Tệp tải lên không còn trong thư mục chờ"
    if source == "cli":
        return None
    try:
        media_type = extraction.sniff(path)
    except extraction.ExtractionError as exc:
        return exc.reason
    return extension_refusal(row.original_filename, media_type)


def _mark_running(job_id: int, row_id: int, worker: str) -> None:
    _still_mine(job_id, worker)
    db.session.execute(update(IngestJobFile).where(IngestJobFile.id == row_id)
                       .values(status=FileStatus.RUNNING))
    db.session.commit()


def _still_mine(job_id: int, worker: str) -> None:
    owner = db.session.scalar(select(IngestJob.claimed_by).where(IngestJob.id == job_id))
    if owner != worker:
        db.session.rollback()
        raise JobLost(job_id)


def _record(job_id: int, row_id: int, result: ImportResult, worker: str, actor,
            on_result=None, replaced: bool = False) -> None:
    """One file's outcome, the job's heartbeat and the audit event in one short commit;
    then the staged copy goes."""
    _still_mine(job_id, worker)
    row = db.session.get(IngestJobFile, row_id)
    status = result.status if result.status in FileStatus.DONE else FileStatus.FAILED
    row.status, row.reason, row.book_id = status, result.reason, result.book_id
    row.warnings, row.finished_at = list(result.warnings), utcnow()
    staged, row.staged_name = row.staged_name, None
    db.session.execute(update(IngestJob).where(IngestJob.id == job_id)
                       .values(heartbeat_at=utcnow()))
    if result.status == IMPORTED:
        action = "book.replace" if replaced else "book.upload"
        audit.record(action, "book", result.book_id, result.title or "", actor=actor,
                     job=job_id, file=result.filename, warnings=list(result.warnings))
    db.session.commit()
    get_store().delete(staged)
    if result.status == IMPORTED:
        _index_soon()
    if on_result:
        on_result(result)


def _index_soon() -> None:
    if current_app.config.get("INDEX_INLINE"):
        current_app.extensions["indexer"].drain()
    else:
        current_app.extensions["indexer"].wake()


@contextmanager
def _pulse(app, job_id: int, worker: str):
    """Heartbeats from a thread of their own, so a long parse does not look like a dead worker."""
    stop = threading.Event()
    seconds = app.config.get("JOBS_HEARTBEAT_SECONDS", 10)

    def beat():
        while not stop.wait(seconds):
            with app.app_context():
                try:
                    db.session.execute(
                        update(IngestJob).where(IngestJob.id == job_id, IngestJob.claimed_by == worker)
                        .values(heartbeat_at=utcnow()))
                    db.session.commit()
                except Exception:
                    log.exception("heartbeat of ingest job %s", job_id)
                finally:
                    db.session.remove()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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


def unfinished_jobs_exist() -> bool:
    return db.session.scalar(
        select(IngestJob.id).where(or_(IngestJob.status == JobStatus.QUEUED,
                                       IngestJob.status == JobStatus.RUNNING)).limit(1)
    ) is not None
