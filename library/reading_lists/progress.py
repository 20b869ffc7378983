"""How far each member is in each item of a list, from the pages and chapters the reader
recorded (SectionSeen) and the members' own "đã đọc" marks.

Completion rules: a PDF item (a page range, or the whole book) is complete once at least
90% of its pages were shown; an EPUB item once every one of its chapters (the chosen ones,
or all of the book's) was read to its end. A mark makes an item complete whatever was seen.
Progress is the fraction of the item's pages, or of its chapters read to the end.

Everything is computed with one aggregate query over SectionSeen for all members and items
at once (a column pair per item), never a query per cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, false, func, select

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

    @property
    def total(self) -> int:
        return max(self.last - self.first + 1, 0) if self.is_pdf else len(self.chapters)

    def positions(self):
        return range(self.first, self.last + 1) if self.is_pdf else self.chapters

    def is_complete(self, seen: int) -> bool:
        if self.total == 0:
            return False
        if self.is_pdf:
            share, whole = PDF_COMPLETE_SHARE
            return seen * whole >= self.total * share
        return seen >= self.total


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


def _in_target(target: Target):
    seen = SectionSeen.__table__.c
    if target.is_pdf:
        return and_(seen.book_id == target.book_id, seen.position.between(target.first, target.last))
    if not target.chapters:
        return false()
    return and_(seen.book_id == target.book_id, seen.position.in_(target.chapters))


def seen_counts(targets: list[Target], user_ids=None) -> dict[int, list[tuple[int, datetime | None]]]:
    """user id -> [(sections counted, last seen) per target], for the users with any row.

    `user_ids` None means every user (the organisation overview): the query then reads the
    rows of the list's books only, and callers ignore users they do not report on.
    """
    if not targets:
        return {}
    seen = SectionSeen.__table__.c
    columns = []
    for target in targets:
        inside = _in_target(target)
        counted = inside if target.is_pdf else and_(inside, seen.to_end.is_(True))
        columns.append(func.sum(case((counted, 1), else_=0)))
        columns.append(func.max(case((inside, seen.last_seen_at))))
    query = (select(seen.user_id, *columns)
             .where(seen.book_id.in_({t.book_id for t in targets}))
             .group_by(seen.user_id))
    if user_ids is not None:
        user_ids = list(user_ids)
        if not user_ids:
            return {}
        query = query.where(seen.user_id.in_(user_ids))
    result = {}
    for row in db.session.execute(query):
        values = row[1:]
        result[row[0]] = [(int(values[2 * i] or 0), _as_datetime(values[2 * i + 1]))
                          for i in range(len(targets))]
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


def cells(targets: list[Target], user_ids, all_users: bool = False) -> dict[int, list[Cell]]:
    """user id -> one Cell per target, for each of `user_ids` (members with nothing read
    get empty cells). `all_users` reads every user's rows in one pass instead of filtering
    by id, which is faster when the users are thousands."""
    user_ids = list(user_ids)
    wanted = None if all_users else user_ids
    counts = seen_counts(targets, wanted)
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
