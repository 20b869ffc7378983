"""The completion report of a list (members × items) and, for an organisation-wide list,
the overview per branch. Built from `progress.cells`: a handful of queries whatever the size."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from library.i18n import today as library_today
from library.auth.models import Branch, User
from library.catalog.models import Book
from library.extensions import db
from library.i18n import gettext as _
from library.reading_lists import moves, progress, service
from library.reading_lists.models import ListStatus, ReadingList, ReadingListItem


@dataclass
class ItemInfo:
    item: ReadingListItem
    title: str
    is_pdf: bool
    target: progress.Target
    complete_count: int = 0

    @property
    def scope(self) -> str:
        """What part of the book: "tr. 3–10", "ch. 1, 3", or "" for the whole book."""
        if self.item.first_page:
            return _("tr. {first}–{last}", first=self.item.first_page, last=self.item.last_page)
        if self.item.chapters:
            return _("ch. {chapters}", chapters=", ".join(str(c) for c in self.item.chapters))
        return ""


@dataclass
class Row:
    user_id: int
    username: str
    full_name: str
    branch_code: str
    cells: list[progress.Cell]
    due: date | None
    overdue: bool = False
    moved: bool = False              # left the report's branch: the row is frozen at the move
    moved_at: datetime | None = None

    @property
    def done(self) -> int:
        return sum(cell.complete for cell in self.cells)

    @property
    def complete(self) -> bool:
        return bool(self.cells) and self.done == len(self.cells)

    @property
    def progress(self) -> float:
        """The member's mean over items, a marked item counting whole."""
        if not self.cells:
            return 0.0
        return sum(1.0 if c.marked else c.progress for c in self.cells) / len(self.cells)

    @property
    def last_seen(self) -> datetime | None:
        times = [c.last_seen for c in self.cells if c.last_seen]
        return max(times) if times else None


@dataclass
class Report:
    reading_list: ReadingList
    items: list[ItemInfo]
    rows: list[Row]
    today: date
    branch: Branch | None = None

    @property
    def complete_count(self) -> int:
        return sum(row.complete for row in self.rows)

    @property
    def overdue_count(self) -> int:
        return sum(row.overdue for row in self.rows)

    def filtered(self, overdue_only=False, incomplete_only=False) -> list[Row]:
        return [row for row in self.rows
                if (not overdue_only or row.overdue) and (not incomplete_only or not row.complete)]


def is_overdue(reading_list: ReadingList, due: date | None, complete: bool, today: date) -> bool:
    return (reading_list.status == ListStatus.OPEN and due is not None and due < today
            and not complete)


def item_infos(reading_list: ReadingList) -> list[ItemInfo]:
    items = list(reading_list.items)
    targets = progress.targets_for(items)
    titles = dict(db.session.execute(
        select(Book.id, Book.title).where(Book.id.in_({i.book_id for i in items}))).all())
    return [ItemInfo(item, titles.get(item.book_id, f"#{item.book_id}"), target.is_pdf, target)
            for item, target in zip(items, targets)]


def build(reading_list: ReadingList, branch_id: int | None = None,
          today: date | None = None) -> Report:
    """The report of every assigned member (of one branch, if given). A report seen by one
    branch (a branch's own list, or one branch of an organisation-wide list) keeps the members
    who moved away, frozen at their move (library.reading_lists.moves)."""
    today = today or library_today()
    infos = item_infos(reading_list)
    members = service.list_members(reading_list, branch_id)
    home = branch_id or reading_list.branch_id
    frozen = moves.former_members(reading_list, home) if home else {}
    known = {m.id for m in members}
    if missing := [u for u in frozen if u not in known]:
        members += list(db.session.scalars(select(User).where(User.id.in_(missing))))
        members.sort(key=lambda m: m.username)
    codes = dict(db.session.execute(select(Branch.id, Branch.code)).all()) if members else {}
    targets = [info.target for info in infos]
    # Past a few hundred members one pass over all rows beats a long IN list.
    cells = progress.cells(targets, [m.id for m in members if m.id not in frozen],
                           all_users=len(members) > 500)
    rows = []
    for member in members:
        if member.id in frozen:
            row = Row(member.id, member.username, member.full_name, codes.get(home, ""),
                      moves.cells_before(targets, member.id, frozen[member.id]),
                      service.due_for(reading_list, member), moved=True, moved_at=frozen[member.id])
        else:
            row = Row(member.id, member.username, member.full_name, codes.get(member.branch_id, ""),
                      cells[member.id], service.due_for(reading_list, member))
        row.overdue = not row.moved and is_overdue(reading_list, row.due, row.complete, today)
        rows.append(row)
        for info, cell in zip(infos, row.cells):
            info.complete_count += cell.complete
    branch = db.session.get(Branch, branch_id) if branch_id else None
    return Report(reading_list, infos, rows, today, branch)


def report_json(report: Report) -> dict:
    """The CONTRACT shape (`rows` of `username`, `items`, `complete`), with extra fields."""
    return {
        "id": report.reading_list.id,
        "title": report.reading_list.title,
        "rows": [{
            "username": row.username,
            "full_name": row.full_name,
            "branch": row.branch_code,
            "due": row.due.isoformat() if row.due else None,
            "overdue": row.overdue,
            "moved_away": row.moved,
            "moved_at": row.moved_at.isoformat() if row.moved_at else None,
            "items": [{
                "item_id": info.item.id,
                "book_id": info.item.book_id,
                "progress": cell.progress,
                "complete": cell.complete,
                "marked_read": cell.marked,
                "seen": cell.seen,
                "total": cell.total,
                "last_read_at": cell.last_seen.isoformat() if cell.last_seen else None,
            } for info, cell in zip(report.items, row.cells)],
            "complete": row.complete,
        } for row in report.rows],
        "totals": {
            "members": len(report.rows),
            "complete": report.complete_count,
            "overdue": report.overdue_count,
            "items": [{"item_id": info.item.id, "book_id": info.item.book_id,
                       "complete": info.complete_count} for info in report.items],
        },
    }


@dataclass
class BranchLine:
    branch_id: int
    code: str
    name: str
    due: date | None
    members: int = 0
    complete: int = 0
    overdue: int = 0
    item_complete: list[int] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.complete / self.members if self.members else 0.0


def overview(reading_list: ReadingList, today: date | None = None) -> list[BranchLine]:
    """Completion per assigned branch of an organisation-wide list. Reads every member's
    rows for the list's books in one grouped query, then counts in Python."""
    today = today or library_today()
    dues = service.branch_dues(reading_list)
    if not dues:
        return []
    infos = item_infos(reading_list)
    targets = [info.target for info in infos]
    branches = db.session.execute(
        select(Branch.id, Branch.code, Branch.name).where(Branch.id.in_(dues))).all()
    lines = {b.id: BranchLine(b.id, b.code, b.name, dues[b.id], item_complete=[0] * len(infos))
             for b in branches}
    members = db.session.execute(
        select(User.id, User.branch_id).where(
            User.branch_id.in_(dues), User.role.in_(service.READER_ROLES),
            User.active.is_(True))).all()
    # 16,000 members × the items: plain integers here, no Cell objects.
    counts = progress.seen_counts(targets, None, with_times=False)
    item_ids = [t.item_id for t in targets]
    marked = progress.marks(item_ids)
    needs = list(enumerate(t.need for t in targets))
    for user_id, branch_id in members:
        line = lines[branch_id]
        row = counts.get(user_id)
        done = bool(needs)
        for i, need in needs:
            if (row is not None and need and row[i][0] >= need) or (user_id, item_ids[i]) in marked:
                line.item_complete[i] += 1
            else:
                done = False
        line.members += 1
        line.complete += done
        line.overdue += is_overdue(reading_list, line.due, done, today)
    return sorted(lines.values(), key=lambda line: line.code)


def overdue_by_branch(today: date | None = None) -> list[tuple[str, str, int, int]]:
    """(branch code, name, overdue members, lists overdue) over every open list past due."""
    today = today or library_today()
    counts: dict[int, list[int]] = {}
    for reading_list in db.session.scalars(select(ReadingList).where(
            ReadingList.status == ListStatus.OPEN)):
        dues = [reading_list.due_date, *(a.due_date for a in reading_list.assignments)]
        if not any(due is not None and due < today for due in dues):
            continue
        rows = build(reading_list, today=today).rows
        late = {}
        for row in rows:
            if row.overdue:
                late.setdefault(row.branch_code, 0)
                late[row.branch_code] += 1
        for code, number in late.items():
            entry = counts.setdefault(code, [0, 0])
            entry[0] += number
            entry[1] += 1
    names = dict(db.session.execute(select(Branch.code, Branch.name)).all())
    return [(code, names.get(code, ""), members, lists)
            for code, (members, lists) in sorted(counts.items())]
