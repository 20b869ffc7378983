"""Reading lists as operations: who may see and manage which list, and the changes to them.

Scoping lives here, not in the views: a secretary manages the lists of the own branch
(`ReadingList.branch_id`) and assigns them only to that branch or its members; librarians
and admins manage organisation-wide lists (branch None) and may look at any list. Every
function flushes; the request (or the CLI) commits once.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, false, func, or_, select

from library import audit, exceptions
from library.auth.models import Branch, User, normalize_username
from library.auth.permissions import (READER_ROLES, can_assign_to_branch, can_copy_reading_list,
                                      can_manage_branch_lists, can_manage_organisation_lists,
                                      can_manage_reading_list, can_manage_reading_lists)
from library.catalog.models import PDF, Book, BookStatus, Section
from library.extensions import db
from library.reading_lists.models import (
    ItemMarkedRead, ListStatus, Purpose, ReadingList, ReadingListAssignment, ReadingListItem,
    ReadingListSeen,
)
from library.translatable import N_
from library.i18n import gettext as _

STATUSES = (ListStatus.OPEN, ListStatus.CLOSED, ListStatus.ARCHIVED)
PURPOSES = (Purpose.TOPIC, Purpose.RESOLUTION, Purpose.CAMPAIGN, Purpose.OTHER)
MAX_ITEMS = 100
MAX_TITLE = 300


class ReadingListError(exceptions.Refused):
    """A refused operation; the message is for the user (Vietnamese)."""


class Forbidden(ReadingListError, exceptions.Forbidden):
    pass


class NotFound(ReadingListError, exceptions.NotFound):
    pass


@dataclass
class ItemSpec:
    book_id: int
    pages: tuple[int, int] | None = None
    chapters: list[int] | None = None
    note: str = ""


@dataclass
class AssignSpec:
    """Whole branches (`branches`, or every branch with `everyone`) or chosen members."""

    branches: list[str] | None = None
    members: list[str] | None = None
    everyone: bool = False


def managed_list(user, list_id: int) -> ReadingList:
    """The list, if this user manages it; anyone else is told it does not exist."""
    reading_list = db.session.get(ReadingList, list_id)
    if reading_list is None or not can_manage_reading_list(user, reading_list):
        raise NotFound(N_("Không tìm thấy danh sách đọc."))
    return reading_list


def followed_lists(user, status: str | None = None):
    """A select of the organisation-wide lists assigned to a secretary's branch: the
    secretary follows the branch's rows of their reports, read-only, without managing them."""
    if not can_manage_branch_lists(user):
        return select(ReadingList).where(false())
    query = select(ReadingList).where(
        ReadingList.branch_id.is_(None),
        exists().where(ReadingListAssignment.list_id == ReadingList.id,
                       ReadingListAssignment.branch_id == user.branch_id))
    if status:
        query = query.where(ReadingList.status == status)
    return query.order_by(ReadingList.created_at.desc(), ReadingList.id.desc())


def followed_list(user, list_id: int) -> ReadingList | None:
    return db.session.scalar(followed_lists(user).where(ReadingList.id == list_id))


def managed_lists(user, status: str | None = None, branch_code: str | None = None):
    """A select of the lists this user manages, newest first."""
    query = select(ReadingList)
    if can_manage_organisation_lists(user):
        if branch_code == "":  # staff's everyday view: the organisation's own lists
            query = query.where(ReadingList.branch_id.is_(None))
        elif branch_code:
            query = query.join(Branch, Branch.id == ReadingList.branch_id).where(
                Branch.code == branch_code)
    elif can_manage_branch_lists(user):
        query = query.where(ReadingList.branch_id == user.branch_id)
    else:
        query = query.where(false())
    return _newest_first(query, status)


def organisation_lists(status: str | None = None):
    """A select of the organisation-wide lists (a secretary copies from them), newest first."""
    return _newest_first(select(ReadingList).where(ReadingList.branch_id.is_(None)), status)


def _newest_first(query, status: str | None):
    if status:
        query = query.where(ReadingList.status == status)
    return query.order_by(ReadingList.created_at.desc(), ReadingList.id.desc())


def _assigned_to(user):
    """The condition "this list is assigned to `user`" (as a branch member or by name)."""
    mine = ReadingListAssignment.user_id == user.id
    if user.branch_id is not None and user.role in READER_ROLES:
        mine = or_(mine, ReadingListAssignment.branch_id == user.branch_id)
    return exists().where(ReadingListAssignment.list_id == ReadingList.id, mine)


def assigned_lists(user, statuses=(ListStatus.OPEN,)) -> list[ReadingList]:
    query = select(ReadingList).where(_assigned_to(user), ReadingList.status.in_(statuses))
    return list(db.session.scalars(query.order_by(ReadingList.due_date.is_(None),
                                                  ReadingList.due_date, ReadingList.id)))


def assigned_list(user, list_id: int) -> ReadingList:
    reading_list = db.session.scalar(select(ReadingList).where(
        ReadingList.id == list_id, _assigned_to(user)))
    if reading_list is None:
        raise NotFound(N_("Không tìm thấy danh sách đọc."))
    return reading_list


def unread_count(user) -> int:
    """Open lists assigned to the user and not yet opened: the header's badge. One query
    over indexed columns (assignment by list, seen by user and list)."""
    unseen = ~exists().where(ReadingListSeen.list_id == ReadingList.id,
                             ReadingListSeen.user_id == user.id)
    return db.session.scalar(select(func.count(ReadingList.id)).where(
        ReadingList.status == ListStatus.OPEN, _assigned_to(user), unseen)) or 0


def note_opened(user, list_ids) -> set[int]:
    """Remember that the user has opened these lists; returns those opened for the first time."""
    list_ids = set(list_ids)
    if not list_ids:
        return set()
    known = set(db.session.scalars(select(ReadingListSeen.list_id).where(
        ReadingListSeen.user_id == user.id, ReadingListSeen.list_id.in_(list_ids))))
    for list_id in sorted(list_ids - known):
        db.session.add(ReadingListSeen(user_id=user.id, list_id=list_id))
    db.session.flush()
    return list_ids - known


def list_members(reading_list: ReadingList, branch_id: int | None = None) -> list[User]:
    """Who the list is assigned to, now: the readers of each assigned branch (members who
    joined later included) and the members chosen by name; optionally only one branch's."""
    branch_ids = {a.branch_id for a in reading_list.assignments if a.branch_id is not None}
    user_ids = {a.user_id for a in reading_list.assignments if a.user_id is not None}
    if branch_id is not None:
        branch_ids &= {branch_id}
    conditions = []
    if branch_ids:
        conditions.append(and_(User.branch_id.in_(branch_ids), User.role.in_(READER_ROLES)))
    if user_ids:
        conditions.append(User.id.in_(user_ids))
    if not conditions:
        return []
    query = select(User).where(or_(*conditions), User.active.is_(True))
    if branch_id is not None:
        query = query.where(User.branch_id == branch_id)
    return list(db.session.scalars(query.order_by(User.username)))


def due_for(reading_list: ReadingList, user) -> date | None:
    """A member's own assignment's date, else the branch's, else the list's."""
    by_user = by_branch = None
    for a in reading_list.assignments:
        if a.user_id == user.id and a.due_date:
            by_user = a.due_date
        elif a.branch_id is not None and a.branch_id == user.branch_id and a.due_date:
            by_branch = a.due_date
    return by_user or by_branch or reading_list.due_date


def branch_dues(reading_list: ReadingList) -> dict[int, date | None]:
    """branch id -> its due date, for every assigned branch."""
    return {a.branch_id: a.due_date or reading_list.due_date
            for a in reading_list.assignments if a.branch_id is not None}


# --- changes ---------------------------------------------------------------------------

def create_list(actor, *, title: str, items: list[ItemSpec], due: date | None = None,
                purpose: str = Purpose.TOPIC, description: str = "",
                assign: AssignSpec | None = None) -> ReadingList:
    staff = can_manage_organisation_lists(actor)
    if not can_manage_reading_lists(actor):
        raise Forbidden(N_("Bạn không có quyền tạo danh sách đọc."))
    if not staff and actor.branch_id is None:
        raise Forbidden(N_("Tài khoản bí thư chưa thuộc chi bộ nào."))
    reading_list = ReadingList(branch_id=None if staff else actor.branch_id,
                               created_by_id=actor.id, status=ListStatus.OPEN)
    _set_fields(reading_list, title, purpose, description, due)
    db.session.add(reading_list)
    _set_items(reading_list, items)
    if assign is not None:
        _set_assignments(actor, reading_list, assign)
    db.session.flush()
    audit.record("reading_list.create", "reading_list", reading_list.id, reading_list.title,
                 actor=actor)
    return reading_list


def update_list(actor, reading_list: ReadingList, *, title: str | None = None,
                items: list[ItemSpec] | None = None, due: date | None | bool = False,
                purpose: str | None = None, description: str | None = None,
                assign: AssignSpec | None = None) -> ReadingList:
    """Change what is given; `due=False` leaves the date alone (None clears it)."""
    if not can_manage_reading_list(actor, reading_list):
        raise NotFound(N_("Không tìm thấy danh sách đọc."))
    _set_fields(reading_list,
                reading_list.title if title is None else title,
                reading_list.purpose if purpose is None else purpose,
                reading_list.description if description is None else description,
                reading_list.due_date if due is False else due)
    if items is not None:
        _set_items(reading_list, items)
    if assign is not None:
        _set_assignments(actor, reading_list, assign)
    db.session.flush()
    audit.record("reading_list.update", "reading_list", reading_list.id, reading_list.title,
                 actor=actor)
    return reading_list


def set_status(actor, reading_list: ReadingList, status: str) -> None:
    if not can_manage_reading_list(actor, reading_list):
        raise NotFound(N_("Không tìm thấy danh sách đọc."))
    if status not in STATUSES:
        raise ReadingListError(N_("Trạng thái không hợp lệ."))
    reading_list.status = status
    db.session.flush()
    audit.record(f"reading_list.{status}", "reading_list", reading_list.id, reading_list.title,
                 actor=actor)


def extend_branch(actor, reading_list: ReadingList, branch_code: str, due: date | None) -> None:
    """Give one branch of an organisation-wide list its own due date."""
    if not can_manage_organisation_lists(actor) or not can_manage_reading_list(actor, reading_list):
        raise NotFound(N_("Không tìm thấy danh sách đọc."))
    for assignment in reading_list.assignments:
        if assignment.branch_id is not None and _branch_code(assignment.branch_id) == branch_code:
            assignment.due_date = due
            db.session.flush()
            return
    raise ReadingListError(N_("Danh sách chưa được giao cho chi bộ này."))


def copy_list(actor, source: ReadingList) -> ReadingList:
    if not can_copy_reading_list(actor, source):
        raise NotFound(N_("Không tìm thấy danh sách đọc."))
    copy = create_list(
        actor, title=source.title, purpose=source.purpose, description=source.description,
        due=source.due_date,
        items=[ItemSpec(i.book_id, (i.first_page, i.last_page) if i.first_page else None,
                        list(i.chapters) if i.chapters else None, i.note) for i in source.items])
    copy.copied_from_id = source.id
    db.session.flush()
    return copy


def mark_read(user, list_id: int, item_id: int, read: bool = True) -> None:
    """A member's "đã đọc" (or taking it back) on an item of a list assigned to them."""
    reading_list = assigned_list(user, list_id)
    if item_id not in {item.id for item in reading_list.items}:
        raise NotFound(N_("Không tìm thấy mục này trong danh sách."))
    mark = db.session.scalar(select(ItemMarkedRead).where(
        ItemMarkedRead.user_id == user.id, ItemMarkedRead.item_id == item_id))
    if read and mark is None:
        db.session.add(ItemMarkedRead(user_id=user.id, item_id=item_id))
    elif not read and mark is not None:
        db.session.delete(mark)
    db.session.flush()


# --- validation ------------------------------------------------------------------------

def _set_fields(reading_list, title, purpose, description, due) -> None:
    title = " ".join(unicodedata.normalize("NFC", title or "").split())
    if not title:
        raise ReadingListError(N_("Danh sách cần có tên."))
    if len(title) > MAX_TITLE:
        raise ReadingListError(_("Tên danh sách dài quá {max} ký tự.", max=MAX_TITLE))
    if purpose not in PURPOSES:
        raise ReadingListError(N_("Mục đích không hợp lệ."))
    reading_list.title = title
    reading_list.purpose = purpose
    reading_list.description = unicodedata.normalize("NFC", description or "").strip()[:5000]
    reading_list.due_date = due


def _set_items(reading_list: ReadingList, specs: list[ItemSpec]) -> None:
    if not specs:
        raise ReadingListError(N_("Danh sách cần ít nhất một cuốn sách."))
    if len(specs) > MAX_ITEMS:
        raise ReadingListError(_("Danh sách có nhiều nhất {max} mục.", max=MAX_ITEMS))
    book_ids = {spec.book_id for spec in specs}
    books = {row[0]: row for row in db.session.execute(
        select(Book.id, Book.media_type, func.max(Section.position))
        .outerjoin(Section, Section.book_id == Book.id)
        .where(Book.id.in_(book_ids), Book.status == BookStatus.READY)
        .group_by(Book.id, Book.media_type))}
    items = []
    for position, spec in enumerate(specs, start=1):
        if spec.book_id not in books:
            raise ReadingListError(_("Không có sách số {id}.", id=spec.book_id))
        media_type, last = books[spec.book_id][1:]
        last = last or 0
        item = ReadingListItem(position=position, book_id=spec.book_id,
                               note=unicodedata.normalize("NFC", spec.note or "").strip()[:2000])
        if spec.pages is not None:
            if media_type != PDF:
                raise ReadingListError(N_("Chỉ chọn được khoảng trang với sách PDF."))
            first, end = spec.pages
            if not 1 <= first <= end <= last:
                raise ReadingListError(_("Khoảng trang {first}–{end} không hợp lệ (sách có {last} trang).",
                                         first=first, end=end, last=last))
            if (first, end) != (1, last):  # the whole book stays a whole-book item
                item.first_page, item.last_page = first, end
        if spec.chapters:
            if media_type == PDF:
                raise ReadingListError(N_("Chỉ chọn được chương với sách EPUB."))
            chosen = sorted(set(spec.chapters))
            if chosen[0] < 1 or chosen[-1] > last:
                raise ReadingListError(_("Chương không hợp lệ (sách có {last} chương).", last=last))
            item.chapters = chosen
        items.append(item)
    reading_list.items[:] = items


def _branch_code(branch_id: int) -> str | None:
    return db.session.scalar(select(Branch.code).where(Branch.id == branch_id))


def _set_assignments(actor, reading_list: ReadingList, spec: AssignSpec) -> None:
    old_dues = {a.branch_id: a.due_date for a in reading_list.assignments if a.branch_id}
    rows: list[ReadingListAssignment] = []
    if spec.members:
        for user in _members_for(actor, spec.members):
            rows.append(ReadingListAssignment(user_id=user.id))
    elif spec.everyone or spec.branches:
        for branch in _branches_for(actor, spec):
            rows.append(ReadingListAssignment(branch_id=branch.id, due_date=old_dues.get(branch.id)))
    reading_list.assignments[:] = rows


def _branches_for(actor, spec: AssignSpec) -> list[Branch]:
    if not can_manage_organisation_lists(actor):
        codes = set(spec.branches or [])
        own = db.session.get(Branch, actor.branch_id)
        if spec.everyone or codes != {own.code}:
            raise Forbidden(N_("Bí thư chỉ giao danh sách cho chi bộ của mình."))
        return [own]
    if spec.everyone:
        return list(db.session.scalars(select(Branch).order_by(Branch.code)))
    codes = {code.strip() for code in spec.branches if code and code.strip()}
    branches = list(db.session.scalars(select(Branch).where(Branch.code.in_(codes))))
    missing = codes - {b.code for b in branches}
    if missing:
        raise ReadingListError(_("Không có chi bộ: {codes}.", codes=", ".join(sorted(missing))))
    return branches


def _members_for(actor, usernames: list[str]) -> list[User]:
    names = {normalize_username(name) for name in usernames if name and name.strip()}
    users = list(db.session.scalars(select(User).where(User.username.in_(names))))
    if not can_manage_organisation_lists(actor):
        # Another branch's member and an unknown name get the same answer: no probing.
        if len(users) != len(names) or any(not can_assign_to_branch(actor, u.branch_id)
                                           or u.role not in READER_ROLES for u in users):
            raise Forbidden(N_("Bí thư chỉ giao danh sách cho đảng viên của chi bộ mình."))
        return users
    missing = names - {u.username for u in users}
    if missing:
        raise ReadingListError(_("Không có tài khoản: {usernames}.", usernames=", ".join(sorted(missing))))
    return users
