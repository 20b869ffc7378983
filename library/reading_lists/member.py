"""A member's side of reading lists: the open lists assigned to them, how far they are in
each item and where the reader should open to carry on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for

from library.i18n import today as library_today
from library.reading_lists import progress, service
from library.reading_lists.models import ReadingList
from library.reading_lists.report import ItemInfo, is_overdue, item_infos


@dataclass
class Line:
    info: ItemInfo
    cell: progress.Cell
    resume_at: int

    @property
    def read_url(self) -> str:
        return url_for("reader.read", book_id=self.info.item.book_id, p=self.resume_at)


@dataclass
class Entry:
    reading_list: ReadingList
    due: date | None
    lines: list[Line]
    overdue: bool
    new: bool = False

    @property
    def done(self) -> int:
        return sum(line.cell.complete for line in self.lines)


def my_lists(user, today: date | None = None) -> list[Entry]:
    """The open lists assigned to `user`, soonest due first. A few queries per list."""
    today = today or library_today()
    entries = []
    for reading_list in service.assigned_lists(user):
        infos = item_infos(reading_list)
        targets = [info.target for info in infos]
        cells = progress.cells(targets, [user.id])[user.id]
        seen = progress.user_seen_positions(user.id, targets)
        lines = [Line(info, cell, progress.first_unread(info.target, seen.get(info.item.book_id, set())))
                 for info, cell in zip(infos, cells)]
        due = service.due_for(reading_list, user)
        complete = bool(lines) and all(line.cell.complete for line in lines)
        entries.append(Entry(reading_list, due, lines, is_overdue(reading_list, due, complete, today)))
    entries.sort(key=lambda e: (e.due is None, e.due or date.max, e.reading_list.id))
    return entries
