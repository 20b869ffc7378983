"""What moving a member to another branch means for reading lists and their reports.

A move deletes nothing: the member's reading records, marks and assignments stay, and the
member keeps any list assigned to them by name. What changes is who sees what:

- the new branch's lists (assigned to the branch) include the member from the move on, with
  everything they have read, as for any member who joins;
- the old branch keeps the member's row in its reports (history kept), frozen at the move:
  only pages and chapters first read, and marks made, before the move are counted, the last
  read time is at most the move, and the row says the member moved away. No reading after
  the move is shown to the old branch, whether the list was assigned to the branch or to the
  member by name.

Moves are recorded here when an administrator changes a member's branch (the user page or a
member import); a member moved before this record existed shows in the old branch's reports
as moved with nothing counted, since when they left is not known.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, case, func, select
from sqlalchemy.orm import Mapped, mapped_column

from library.catalog.models import utcnow
from library.extensions import db
from library.reader.models import SectionSeen
from library.reading_lists.models import ItemMarkedRead, ReadingList


class BranchMove(db.Model):
    __tablename__ = "branch_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    from_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"))
    to_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id", ondelete="SET NULL"))
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_branch_move_from_moved_at", "from_branch_id", "moved_at"),)


def record(user_id: int, from_branch_id: int | None, to_branch_id: int | None,
           at: datetime | None = None) -> None:
    """Note a move (flushed with the caller's change, committed with it)."""
    if from_branch_id != to_branch_id:
        db.session.add(BranchMove(user_id=user_id, from_branch_id=from_branch_id,
                                  to_branch_id=to_branch_id, moved_at=at or utcnow()))


def left(branch_id: int, since: datetime | None = None) -> dict[int, datetime]:
    """user id -> when they last left the branch (after `since`, if given)."""
    query = select(BranchMove.user_id, func.max(BranchMove.moved_at)).where(
        BranchMove.from_branch_id == branch_id).group_by(BranchMove.user_id)
    if since is not None:
        query = query.where(BranchMove.moved_at >= since)
    return {user_id: moved_at for user_id, moved_at in db.session.execute(query)}


def former_members(reading_list: ReadingList, branch_id: int) -> dict[int, datetime | None]:
    """The rows a branch's report keeps frozen: user id -> when they left (None: unknown).

    Members assigned by name who are now elsewhere, and members who left the branch while
    the list was assigned to it."""
    from library.auth.models import User

    by_name = {a.user_id for a in reading_list.assignments if a.user_id is not None}
    assigned_at = [a.created_at for a in reading_list.assignments if a.branch_id == branch_id]
    departures = left(branch_id)
    frozen: dict[int, datetime | None] = {}
    for user_id in by_name:
        frozen[user_id] = departures.get(user_id)
    if assigned_at:
        since = min(assigned_at)
        frozen.update({u: t for u, t in departures.items() if t >= since})
    if not frozen:
        return {}
    elsewhere = set(db.session.scalars(select(User.id).where(
        User.id.in_(frozen), User.branch_id.is_distinct_from(branch_id), User.active.is_(True))))
    return {u: t for u, t in frozen.items() if u in elsewhere}


def cells_before(targets, user_id: int, cutoff: datetime | None):
    """One Cell per target for one member, counting only what happened before `cutoff`
    (nothing when it is None). A chapter read to its end counts when it was last seen before
    the move: a chapter reopened after it is left out, never one read after it counted."""
    from library.reading_lists.progress import Cell

    if cutoff is None:
        return [Cell(0, t.total, False, False, None) for t in targets]
    marked = set(db.session.scalars(select(ItemMarkedRead.item_id).where(
        ItemMarkedRead.user_id == user_id, ItemMarkedRead.item_id.in_([t.item_id for t in targets]),
        ItemMarkedRead.marked_at < cutoff)))
    cells = []
    for target in targets:
        seen = SectionSeen.__table__.c
        where = [seen.user_id == user_id, seen.book_id == target.book_id]
        if target.is_pdf:
            where += [seen.position.between(target.first, target.last), seen.first_seen_at < cutoff]
            counted = func.count()
        else:
            where += [seen.position.in_(target.chapters), seen.first_seen_at < cutoff]
            counted = func.sum(case(((seen.to_end.is_(True)) & (seen.last_seen_at < cutoff), 1), else_=0))
        # the last read time shown is when a counted section was first opened: never after the move
        count, last = db.session.execute(select(counted, func.max(seen.first_seen_at)).where(*where)).one()
        count = int(count or 0)
        last = _as_datetime(last)
        is_marked = target.item_id in marked
        cells.append(Cell(count, target.total, is_marked or target.is_complete(count), is_marked, last))
    return cells


def _as_datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
