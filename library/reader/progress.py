"""Where each user is in each book: pages and chapters seen, the place they stopped, bookmarks.

Plain functions over the session, no HTTP. Writers flush; the caller commits once.
A `position` is a Section.position (PDF page, or EPUB chapter's place in the spine),
an `offset` how far into it (0..1). Every function takes the user's id and filters by
it, so one user can never read or change another's rows through them.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import Boolean, DateTime, and_, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite

from library import exceptions
from library.catalog.models import PDF, Book, BookStatus, Section, utcnow
from library.extensions import db
from library.reader.models import Bookmark, ReadingPosition, SectionSeen
from library.translatable import N_
from library.i18n import gettext as _

MAX_LABEL = 200


class ProgressError(exceptions.Refused):
    """A report the reader cannot record."""


class BookNotFound(ProgressError, exceptions.NotFound):
    pass


class BadPosition(ProgressError):
    pass


@dataclass(frozen=True)
class Place:
    """A checked position in a readable book."""

    book_id: int
    media_type: str
    position: int


def _insert(model):
    # SQLite in production and tests; PostgreSQL is the likely next step. Both upsert.
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


# The hot path (POST /api/progress) runs these two statements on every page turn of every
# reader: built once, they cost a bound execute instead of a statement construction.
_PLACE = (
    select(Book.media_type, Book.status, Section.id)
    .outerjoin(Section, and_(Section.book_id == Book.id, Section.position == bindparam("position")))
    .where(Book.id == bindparam("book_id"))
)
# Plain SQL that SQLite (3.24+) and PostgreSQL both read the same way. Once read to its
# end a section stays so; a later mere opening only moves last_seen_at.
_SEEN_UPSERT = text(
    "INSERT INTO section_seen (user_id, book_id, position, to_end, first_seen_at, last_seen_at) "
    "VALUES (:user_id, :book_id, :position, :to_end, :now, :now) "
    "ON CONFLICT (user_id, book_id, position) DO UPDATE SET "
    "last_seen_at = excluded.last_seen_at, to_end = section_seen.to_end OR excluded.to_end"
).bindparams(bindparam("to_end", type_=Boolean()), bindparam("now", type_=DateTime()))


def check_place(book_id: int, position: int, kind: str | None = None) -> Place:
    """The book must be visible and have a section at `position`; `kind` ("page" or
    "chapter") must match the book's format when given. One indexed query."""
    row = db.session.execute(_PLACE, {"book_id": book_id, "position": position}).first()
    if row is None or row.status != BookStatus.READY:
        raise BookNotFound(N_("Không tìm thấy sách."))
    if kind is not None:
        expected = "page" if row.media_type == PDF else "chapter"
        if kind != expected:
            raise BadPosition(
                _("Sách PDF được báo theo trang (page).") if expected == "page"
                else _("Sách EPUB được báo theo chương (chapter)."))
    if row.id is None:
        raise BadPosition(_("Sách không có trang {position}.", position=position) if row.media_type == PDF
                          else _("Sách không có chương {position}.", position=position))
    return Place(book_id, row.media_type, position)


def record_seen(user_id: int, book_id: int, position: int, to_end: bool = False) -> None:
    """Note that the user was shown this section. Once read to its end it stays so."""
    db.session.execute(_SEEN_UPSERT, {"user_id": user_id, "book_id": book_id, "position": position,
                                      "to_end": bool(to_end), "now": utcnow()})


def seen_positions(user_id: int, book_id: int, to_end_only: bool = False) -> set[int]:
    """The positions of this book the user has seen (read to the end, if asked)."""
    query = select(SectionSeen.position).where(
        SectionSeen.user_id == user_id, SectionSeen.book_id == book_id)
    if to_end_only:
        query = query.where(SectionSeen.to_end.is_(True))
    return set(db.session.scalars(query))


def save_position(user_id: int, book_id: int, position: int, offset: float = 0.0) -> None:
    offset = min(max(float(offset), 0.0), 1.0)
    now = utcnow()
    statement = _insert(ReadingPosition).values(
        user_id=user_id, book_id=book_id, position=position, offset=offset, updated_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "book_id"],
        set_={"position": position, "offset": offset, "updated_at": now},
    ))


def get_position(user_id: int, book_id: int) -> ReadingPosition | None:
    return db.session.scalar(select(ReadingPosition).where(
        ReadingPosition.user_id == user_id, ReadingPosition.book_id == book_id))


def recent_positions(user_id: int, limit: int = 6) -> list[tuple[ReadingPosition, Book]]:
    """The user's latest places in books still on the shelves, newest first."""
    rows = db.session.execute(
        select(ReadingPosition, Book)
        .join(Book, Book.id == ReadingPosition.book_id)
        .where(ReadingPosition.user_id == user_id, Book.status == BookStatus.READY)
        .order_by(ReadingPosition.updated_at.desc(), ReadingPosition.id.desc())
        .limit(limit)
    ).all()
    return [(row[0], row[1]) for row in rows]


def add_bookmark(user_id: int, book_id: int, position: int, offset: float = 0.0,
                 label: str = "") -> Bookmark:
    bookmark = Bookmark(user_id=user_id, book_id=book_id, position=position,
                        offset=min(max(float(offset), 0.0), 1.0),
                        label=" ".join(unicodedata.normalize("NFC", label or "").split())[:MAX_LABEL])
    db.session.add(bookmark)
    db.session.flush()
    return bookmark


def list_bookmarks(user_id: int, book_id: int) -> list[Bookmark]:
    return list(db.session.scalars(
        select(Bookmark)
        .where(Bookmark.user_id == user_id, Bookmark.book_id == book_id)
        .order_by(Bookmark.position, Bookmark.offset, Bookmark.id)))


def delete_bookmark(user_id: int, bookmark_id: int) -> bool:
    """False when there is no such bookmark of this user (someone else's counts as none)."""
    bookmark = db.session.scalar(select(Bookmark).where(
        Bookmark.id == bookmark_id, Bookmark.user_id == user_id))
    if bookmark is None:
        return False
    db.session.delete(bookmark)
    db.session.flush()
    return True
