"""What a reader leaves behind: where each user stopped, bookmarks, and which pages or
chapters they have seen (the reading lists compute completion from the last)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from library.catalog.models import utcnow
from library.extensions import db

# `position` everywhere is a Section.position: the 1-based PDF page, or the 1-based
# place of an EPUB chapter in the spine. `offset` is how far into it (0..1), for EPUB.


class ReadingPosition(db.Model):
    """Where a user stopped in a book; one row per user and book."""

    __tablename__ = "reading_position"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    offset: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_reading_position_user_book", "user_id", "book_id", unique=True),
        Index("ix_reading_position_user_updated", "user_id", "updated_at"),
    )


class Bookmark(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    position: Mapped[int]
    offset: Mapped[float] = mapped_column(default=0.0)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_bookmark_user_book", "user_id", "book_id"),)


class SectionSeen(db.Model):
    """A page or chapter a user has been shown. `to_end` is set once an EPUB chapter was
    scrolled to its end (a PDF page, or a chapter reported through the API, counts whole)."""

    __tablename__ = "section_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    to_end: Mapped[bool] = mapped_column(default=False)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_section_seen_user_book_position", "user_id", "book_id", "position", unique=True),
    )


class BookDigest(db.Model):
    """KOReader's partial MD5 of a book's stored file (what its sync plugin names a document
    by), computed lazily; `stored_name` says which file, so a replaced file is hashed anew."""

    __tablename__ = "book_digest"

    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(100))
    partial_md5: Mapped[str] = mapped_column(String(32), index=True)


class KosyncProgress(db.Model):
    """The last place KOReader reported for a document, as its sync server keeps it; any
    document, in the library or not, as the reference server does."""

    __tablename__ = "kosync_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(64))
    progress: Mapped[str] = mapped_column(Text)
    percentage: Mapped[float]
    device: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_kosync_progress_user_document", "user_id", "document", unique=True),
    )


class Highlight(db.Model):
    """A passage a user marked, with a colour and an optional note; private to that user.

    Anchored as W3C Web Annotation's TextQuoteSelector (exact, prefix, suffix) within a page
    or chapter, so it is found again in a replaced file wherever the text is still there.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    position: Mapped[int]
    exact: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(200), default="")
    suffix: Mapped[str] = mapped_column(String(200), default="")
    color: Mapped[str] = mapped_column(String(20), default="yellow")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_highlight_user_book", "user_id", "book_id", "position"),)
