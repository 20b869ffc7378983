"""Recognition state, one row per scanned page: what is left, what was read, how well.

A page is `queued` until its text is committed with it as `done` (or `failed` with the
reason): so recognition resumes at the first page not done after a kill -9 or a restart,
and never reads a finished page twice unless a librarian asks for it again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from library.catalog.models import utcnow
from library.extensions import db
from library.messages import MessageColumn


class PageStatus:
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # a librarian stopped the book; `books ocr --missing` takes it up


class OcrPage(db.Model):
    __tablename__ = "ocr_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    page: Mapped[int]                                   # 1-based PDF page, or EPUB section position
    status: Mapped[str] = mapped_column(String(10), default=PageStatus.QUEUED)
    reason: Mapped[str | None] = mapped_column(Text)    # why a page failed, for the librarian
    reason_message: Mapped[str | None] = mapped_column(MessageColumn)  # its msgid and values
    confidence: Mapped[float | None]                    # tesseract's mean word confidence, 0..100
    words: Mapped[int | None]
    # The first line when it may be a running head (library.ocr.text): a head shared with
    # another page of the book is kept out of both pages' text.
    head: Mapped[str | None] = mapped_column(String(500))
    seconds: Mapped[float | None]
    # tesseract's text-only PDF page: the invisible text layer of the reader copy.
    layer: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("uq_ocr_page_book_page", "book_id", "page", unique=True),
        Index("ix_ocr_page_book_status", "book_id", "status"),
    )
