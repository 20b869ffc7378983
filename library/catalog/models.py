"""The catalogue: shelves, books and their sections (a PDF page or an EPUB chapter)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.messages import MessageList

# The three shelves of BRIEF.md; the slugs are fixed, part of the public interface.
SHELVES = [
    ("bao-ve-nen-tang-tu-tuong", "Bảo vệ nền tảng tư tưởng của Đảng"),
    ("hoc-tap-lam-theo-bac", "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"),
    ("chi-bo-dien-tu", "Chi bộ điện tử"),
]

PDF = "application/pdf"
EPUB = "application/epub+zip"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Shelf(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    books: Mapped[list[Book]] = relationship(back_populates="shelf")


class BookStatus:
    READY = "ready"          # stored, extracted, visible
    WITHDRAWN = "withdrawn"  # hidden from members, kept for audit


class IndexStatus:
    PENDING = "pending"
    INDEXED = "indexed"
    FAILED = "failed"


class Book(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelf.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    year: Mapped[int | None]
    publisher: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))

    media_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    original_filename: Mapped[str] = mapped_column(String(500))
    stored_name: Mapped[str] = mapped_column(String(100))
    cover_name: Mapped[str | None] = mapped_column(String(100))
    # PDF with a flat page tree: an incremental update served after the original to the
    # reader only (library.extraction.page_tree); the stored original stays untouched.
    reader_tail_name: Mapped[str | None] = mapped_column(String(100))
    # A recognised scan: a further incremental update with the invisible text of its
    # recognised pages (library.ocr.layer), served to the reader after the tail.
    ocr_layer_name: Mapped[str | None] = mapped_column(String(100))
    page_count: Mapped[int | None]
    # A table of contents: [{"title", "level", "position"}], position being a section's.
    # Deferred: up to 10,000 entries, read only by the book page and the API's book, never
    # by the lists of books on every home page, shelf and search.
    toc: Mapped[list[dict]] = mapped_column(JSON, default=list, deferred=True)
    # False for a PDF without a text layer: readable, but "không tìm kiếm được".
    searchable: Mapped[bool] = mapped_column(default=True)
    warnings: Mapped[list[str]] = mapped_column(MessageList, default=list)  # library.messages

    status: Mapped[str] = mapped_column(String(20), default=BookStatus.READY)
    index_status: Mapped[str] = mapped_column(String(20), default=IndexStatus.PENDING)
    index_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shelf: Mapped[Shelf] = relationship(back_populates="books")
    sections: Mapped[list[Section]] = relationship(
        back_populates="book", order_by="Section.position", cascade="all, delete-orphan"
    )

    @property
    def is_pdf(self) -> bool:
        return self.media_type == PDF

    @property
    def kind(self) -> str:
        return "PDF" if self.is_pdf else "EPUB"


class Section(db.Model):
    """The unit of text the index is rebuilt from: one PDF page or one EPUB chapter."""

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1-based: the PDF page number, or the chapter's place in the spine
    page: Mapped[int | None]
    chapter: Mapped[str | None] = mapped_column(String(500))
    href: Mapped[str | None] = mapped_column(String(500))  # EPUB: the chapter's file in the book
    text: Mapped[str] = mapped_column(Text, default="")

    book: Mapped[Book] = relationship(back_populates="sections")

    __table_args__ = (Index("ix_section_book_position", "book_id", "position", unique=True),)
