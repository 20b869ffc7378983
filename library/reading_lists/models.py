"""Reading lists: a secretary's (or the organisation's) ordered list of books or parts of
books, assigned to a branch or to chosen members with a due date."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.catalog.models import utcnow
from library.extensions import db


class ListStatus:
    OPEN = "open"          # shown to the assigned members, counted in reports
    CLOSED = "closed"      # no longer due; the report stays
    ARCHIVED = "archived"  # put away from the secretary's everyday view


class Purpose:
    TOPIC = "topic"            # chuyên đề
    RESOLUTION = "resolution"  # nghị quyết
    CAMPAIGN = "campaign"      # cuộc vận động
    OTHER = "other"


class ReadingList(db.Model):
    __tablename__ = "reading_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(20), default=Purpose.TOPIC)
    description: Mapped[str] = mapped_column(Text, default="")
    # The branch that manages the list; None for an organisation-wide list (librarian/admin).
    branch_id: Mapped[int | None] = mapped_column(
        ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=ListStatus.OPEN)
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("reading_list.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list[ReadingListItem]] = relationship(
        back_populates="reading_list", order_by="ReadingListItem.position",
        cascade="all, delete-orphan")
    assignments: Mapped[list[ReadingListAssignment]] = relationship(
        back_populates="reading_list", cascade="all, delete-orphan")


class ReadingListItem(db.Model):
    """A whole book, a page range of a PDF (first_page..last_page), or chosen EPUB chapters
    (`chapters`: 1-based spine positions among chapters)."""

    __tablename__ = "reading_list_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("reading_list.id", ondelete="CASCADE"))
    position: Mapped[int]
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"), index=True)
    first_page: Mapped[int | None]
    last_page: Mapped[int | None]
    chapters: Mapped[list[int] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")

    reading_list: Mapped[ReadingList] = relationship(back_populates="items")

    __table_args__ = (Index("ix_reading_list_item_list_position", "list_id", "position"),)


class ReadingListAssignment(db.Model):
    """To a whole branch (members who join later get it too) or to one member."""

    __tablename__ = "reading_list_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("reading_list.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int | None] = mapped_column(
        ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # An organisation-wide list may give each branch its own date; None: the list's.
    due_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reading_list: Mapped[ReadingList] = relationship(back_populates="assignments")


class ItemMarkedRead(db.Model):
    """A member's "đã đọc" on an item: complete whatever the reader recorded."""

    __tablename__ = "item_marked_read"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(
        ForeignKey("reading_list_item.id", ondelete="CASCADE"), index=True)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_item_marked_read_user_item", "user_id", "item_id", unique=True),)


class ReadingListSeen(db.Model):
    """When a member first opened an assigned list: the header counts the unopened ones."""

    __tablename__ = "reading_list_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("reading_list.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_reading_list_seen_user_list", "user_id", "list_id", unique=True),)
