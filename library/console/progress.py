"""An ingest job as the job page shows it, and as its JSON status for the progress bar."""
from __future__ import annotations

from collections import Counter

from flask import url_for
from sqlalchemy import select

from library.catalog.models import Book
from library.extensions import db
from library.i18n import gettext as _, message
from library.jobs.models import FileStatus, IngestJob, IngestJobFile
from library.translatable import N_

STATUS_LABELS = {
    FileStatus.QUEUED: N_("Đang chờ"),
    FileStatus.RUNNING: N_("Đang xử lý"),
    FileStatus.IMPORTED: N_("Đã nhập"),
    FileStatus.DUPLICATE: N_("Trùng lặp"),
    FileStatus.FAILED: N_("Lỗi"),
}
JOB_LABELS = {"queued": N_("Đang chờ"), "running": N_("Đang chạy"), "finished": N_("Xong"),
              # A finished job whose files failed is not shown as a plain "Xong".
              "partly_failed": N_("Xong, có tệp lỗi"), "failed": N_("Không nhập được tệp nào")}
SOURCE_LABELS = {"web": N_("Trang web"), "api": "API", "cli": N_("Dòng lệnh")}


def job_outcome(status: str, total: int, failed: int) -> str:
    """The job's status, with "finished" told apart when some or all of its files failed."""
    if status != "finished" or not failed:
        return status
    return "failed" if failed == total else "partly_failed"


def file_json(row: IngestJobFile, books: dict[int, Book]) -> dict:
    book = books.get(row.book_id) if row.book_id else None
    return {
        "position": row.position,
        "filename": row.original_filename,
        "status": row.status,
        "label": _(STATUS_LABELS.get(row.status, row.status)),
        "reason": message(row.reason_message or row.reason) or None,  # library.translatable
        "warnings": [message(warning) for warning in row.warnings or []],
        "book_id": book.id if book else None,
        "book_title": book.title if book else None,
        "book_url": url_for("catalog.book", book_id=book.id) if book else None,
        "edit_url": url_for("console.edit", book_id=book.id) if book else None,
        "replaces_book_id": row.replaces_book_id,
    }


def job_json(job: IngestJob) -> dict:
    ids = {row.book_id for row in job.files if row.book_id}
    books = {b.id: b for b in db.session.scalars(select(Book).where(Book.id.in_(ids)))} if ids else {}
    counts = Counter(row.status for row in job.files)
    outcome = job_outcome(job.status, len(job.files), counts[FileStatus.FAILED])
    return {
        "id": job.id,
        "status": job.status,
        "outcome": outcome,
        "label": _(JOB_LABELS.get(outcome, outcome)),
        "source": job.source,
        "total": len(job.files),
        "done": sum(counts[s] for s in FileStatus.DONE),
        "counts": {s: counts[s] for s in FileStatus.DONE},
        "files": [file_json(row, books) for row in job.files],
    }
