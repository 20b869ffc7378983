"""How far each member is in each item of a list, from the pages and chapters the reader
recorded (SectionSeen) and the members' own "đã đọc" marks.

Completion rules: a PDF item (a page range, or the whole book) is complete once at least
90% of its pages were shown; an EPUB item once every one of its chapters (the chosen ones,
or all of the book's) was read to its end. A mark makes an item complete whatever was seen.
Progress is the fraction of the item's pages, or of its chapters read to the end.

Everything is computed with one grouped query per item over SectionSeen for all the members
at once, never a query per cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from sqlalchemy import Index, case, func, select

from library.catalog.models import PDF, Book, Section
from library.extensions import db
from library.reader.models import SectionSeen
from library.reading_lists.models import ItemMarkedRead, ReadingListItem

PDF_COMPLETE_SHARE = (9, 10)  # 90%, compared in integers: seen * 10 >= total * 9


@dataclass(frozen=True)
class Target:
    """The sections an item asks to read: a PDF page range, or a set of EPUB chapters."""

    item_id: int
    book_id: int
    is_pdf: bool
    first: int = 1           # PDF: the range first..last
    last: int = 0
    chapters: tuple[int, ...] = ()  # EPUB: the chosen chapters' positions

    @cached_property
    def total(self) -> int:
        return max(self.last - self.first + 1, 0) if self.is_pdf else len(self.chapters)

    @cached_property
    def need(self) -> int:
        """Sections to have seen for the item to be complete (0: it has none, never is)."""
        if self.is_pdf:
            share, whole = PDF_COMPLETE_SHARE
            return -(-self.total * share // whole)  # ceil(total * 90%), in integers
        return self.total

    def positions(self):
        return range(self.first, self.last + 1) if self.is_pdf else self.chapters

    def is_complete(self, seen: int) -> bool:
        return self.need > 0 and seen >= self.need


@dataclass(frozen=True)
class Cell:
    """One member's state on one item."""

    seen: int
    total: int
    complete: bool
    marked: bool
    last_seen: datetime | None

    @property
    def progress(self) -> float:
        return round(self.seen / self.total, 4) if self.total else 0.0


def targets_for(items: list[ReadingListItem]) -> list[Target]:
    """Each item's sections, clamped to what the book has (one query for all the books)."""
    book_ids = {item.book_id for item in items}
    if not book_ids:
        return []
    rows = db.session.execute(
        select(Book.id, Book.media_type, func.max(Section.position))
        .outerjoin(Section, Section.book_id == Book.id)
        .where(Book.id.in_(book_ids)).group_by(Book.id, Book.media_type)
    ).all()
    books = {row[0]: (row[1] == PDF, row[2] or 0) for row in rows}
    targets = []
    for item in items:
        is_pdf, last = books.get(item.book_id, (True, 0))
        if is_pdf:
            first = max(item.first_page or 1, 1)
            end = min(item.last_page or last, last)
            targets.append(Target(item.id, item.book_id, True, first, end))
        else:
            chosen = item.chapters or range(1, last + 1)
            targets.append(Target(item.id, item.book_id, False,
                                  chapters=tuple(sorted({c for c in chosen if 1 <= c <= last}))))
    return targets


# Declared here, created by the migration e5a9c3d17f42: the reports read SectionSeen by
# book then user, and this index answers those counts without touching the table.
Index("ix_section_seen_book_user_position", SectionSeen.book_id, SectionSeen.user_id,
      SectionSeen.position, SectionSeen.to_end)


def _target_query(target: Target, user_ids, with_times: bool):
    seen = SectionSeen.__table__.c
    where = [seen.book_id == target.book_id]
    if target.is_pdf:
        where.append(seen.position.between(target.first, target.last))
        counted = func.count()
    else:
        where.append(seen.position.in_(target.chapters))
        counted = func.sum(case((seen.to_end.is_(True), 1), else_=0))
    columns = [seen.user_id, counted]
    if with_times:
        columns.append(func.max(seen.last_seen_at))
    if user_ids is not None:
        where.append(seen.user_id.in_(user_ids))
    return select(*columns).where(*where).group_by(seen.user_id)


def seen_counts(targets: list[Target], user_ids=None,
                with_times: bool = True) -> dict[int, list[tuple[int, datetime | None]]]:
    """user id -> [(sections counted, last seen) per target], for the users with any row.

    One grouped query per item, each a range of the (book, user, position) index; `user_ids`
    None means every user (the organisation overview), who are then read in index order.
    """
    if user_ids is not None:
        user_ids = list(user_ids)
        if not user_ids:
            return {}
    result: dict[int, list] = {}
    for index, target in enumerate(targets):
        if target.total == 0:
            continue
        for row in db.session.execute(_target_query(target, user_ids, with_times)):
            counts = result.get(row[0])
            if counts is None:
                counts = result[row[0]] = [(0, None)] * len(targets)
            counts[index] = (int(row[1] or 0), _as_datetime(row[2]) if with_times else None)
    return result


def _as_datetime(value):
    # MAX over a CASE loses the column's type on SQLite: the value comes back as text.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def marks(item_ids, user_ids=None) -> set[tuple[int, int]]:
    """(user id, item id) of the "đã đọc" marks on these items."""
    item_ids = list(item_ids)
    if not item_ids:
        return set()
    query = select(ItemMarkedRead.user_id, ItemMarkedRead.item_id).where(
        ItemMarkedRead.item_id.in_(item_ids))
    if user_ids is not None:
        user_ids = list(user_ids)
        if not user_ids:
            return set()
        query = query.where(ItemMarkedRead.user_id.in_(user_ids))
    return {(row[0], row[1]) for row in db.session.execute(query)}


def cells(targets: list[Target], user_ids, all_users: bool = False,
          with_times: bool = True) -> dict[int, list[Cell]]:
    """user id -> one Cell per target, for each of `user_ids` (members with nothing read
    get empty cells). `all_users` reads every user's rows of the books instead of filtering
    by id, which is faster when the users are thousands."""
    user_ids = list(user_ids)
    wanted = None if all_users else user_ids
    counts = seen_counts(targets, wanted, with_times)
    marked = marks([t.item_id for t in targets], wanted)
    empty = [(0, None)] * len(targets)
    result = {}
    for user_id in user_ids:
        row = []
        for target, (seen, last) in zip(targets, counts.get(user_id, empty)):
            is_marked = (user_id, target.item_id) in marked
            row.append(Cell(seen, target.total, is_marked or target.is_complete(seen),
                            is_marked, last))
        result[user_id] = row
    return result


def first_unread(target: Target, seen_positions: set[int]) -> int:
    """The page or chapter to open the reader at: the item's first one not yet read."""
    for position in target.positions():
        if position not in seen_positions:
            return position
    return target.first if target.is_pdf else (target.chapters[0] if target.chapters else 1)


def user_seen_positions(user_id: int, targets: list[Target]) -> dict[int, set[int]]:
    """book id -> positions this user has read (for EPUB: to the end), for the books given."""
    book_ids = {t.book_id for t in targets}
    if not book_ids:
        return {}
    pdf_books = {t.book_id for t in targets if t.is_pdf}
    result: dict[int, set[int]] = {}
    for book_id, position, to_end in db.session.execute(
            select(SectionSeen.book_id, SectionSeen.position, SectionSeen.to_end)
            .where(SectionSeen.user_id == user_id, SectionSeen.book_id.in_(book_ids))):
        if book_id in pdf_books or to_end:
            result.setdefault(book_id, set()).add(position)
    return result
