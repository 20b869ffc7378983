"""The reading lists' JSON API (CONTRACT.md), with the same scoping as the pages."""
from __future__ import annotations

from datetime import date

from flask import request
from flask_login import current_user
from sqlalchemy import select

from library.auth.models import Branch
from library.auth.permissions import (MSG_FORBIDDEN, can_manage_organisation_lists,
                                      can_manage_reading_lists, json_error)
from library.extensions import db
from library.security import MAX_ID
from library.api import bp
from library.reading_lists import report, service
from library.reading_lists.member import my_lists
from library.reading_lists.service import AssignSpec, ItemSpec, ReadingListError
from library.translatable import N_, Message


PAGE, CHAPTER = Message(N_("Trang")), Message(N_("Chương"))  # words in a message, translated


class BadPayload(ReadingListError):
    """A body the API cannot read (answered at the edge, library.errors, as 400)."""


def parse_date(value, field="due") -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadPayload(N_("«{field}» phải có dạng YYYY-MM-DD.", field=field)) from None


def _int(value, what) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadPayload(N_("{what} phải là số nguyên.", what=what))
    try:
        number = int(value)
    except ValueError:
        raise BadPayload(N_("{what} phải là số nguyên.", what=what)) from None
    if abs(number) > MAX_ID:  # would overflow the database driver
        raise BadPayload(N_("{what} quá lớn.", what=what))
    return number


def parse_items(raw) -> list[ItemSpec]:
    if not isinstance(raw, list):
        raise BadPayload(N_("«items» phải là một danh sách."))
    specs = []
    for entry in raw:
        if not isinstance(entry, dict) or "book_id" not in entry:
            raise BadPayload(N_("Mỗi mục cần «book_id»."))
        pages = entry.get("pages")
        if pages is not None:
            if not isinstance(pages, list) or len(pages) != 2:
                raise BadPayload(N_("«pages» phải là [trang đầu, trang cuối]."))
            pages = (_int(pages[0], PAGE), _int(pages[1], PAGE))
        chapters = entry.get("chapters")
        if chapters is not None:
            if not isinstance(chapters, list):
                raise BadPayload(N_("«chapters» phải là một danh sách số."))
            chapters = [_int(c, CHAPTER) for c in chapters]
        note = entry.get("note") or ""
        if not isinstance(note, str):
            raise BadPayload(N_("«note» phải là chuỗi."))
        specs.append(ItemSpec(_int(entry["book_id"], "book_id"), pages, chapters or None, note))
    return specs


def parse_assign(raw) -> AssignSpec | None:
    """{"branch": CODE} | {"branches": [CODE]} | {"all": true} | {"members": [USERNAME]}."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadPayload(N_("«assign» không hợp lệ."))
    if "members" in raw:
        members = raw["members"]
        if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
            raise BadPayload(N_("«assign.members» phải là danh sách tên đăng nhập."))
        return AssignSpec(members=members)
    if raw.get("all") is True:
        return AssignSpec(everyone=True)
    codes = raw.get("branches") if "branches" in raw else [raw.get("branch")]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c for c in codes):
        raise BadPayload(N_("«assign» cần «branch», «branches», «all» hoặc «members»."))
    return AssignSpec(branches=codes)


def _payload() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadPayload(N_("Cần một đối tượng JSON."))
    return data


def list_json(reading_list, with_items=False) -> dict:
    data = {
        "id": reading_list.id,
        "title": reading_list.title,
        "purpose": reading_list.purpose,
        "description": reading_list.description,
        "status": reading_list.status,
        "due": reading_list.due_date.isoformat() if reading_list.due_date else None,
        "branch": _code(reading_list.branch_id),
        "organisation_wide": reading_list.branch_id is None,
        "items_count": len(reading_list.items),
    }
    if with_items:
        data["items"] = [{
            "item_id": item.id, "position": item.position, "book_id": item.book_id,
            "pages": [item.first_page, item.last_page] if item.first_page else None,
            "chapters": item.chapters, "note": item.note,
        } for item in reading_list.items]
        data["assign"] = {
            "branches": [{"code": _code(a.branch_id),
                          "due": a.due_date.isoformat() if a.due_date else None}
                         for a in reading_list.assignments if a.branch_id],
            "members": sorted(_username(a.user_id) for a in reading_list.assignments if a.user_id),
        }
    return data


def _code(branch_id):
    return db.session.scalar(select(Branch.code).where(Branch.id == branch_id)) if branch_id else None


def _username(user_id):
    from library.auth.models import User
    return db.session.scalar(select(User.username).where(User.id == user_id))


@bp.post("/api/reading-lists")
def create_reading_list():
    if not can_manage_reading_lists(current_user):
        return json_error(403, MSG_FORBIDDEN)
    data = _payload()
    reading_list = service.create_list(
        current_user, title=data.get("title") if isinstance(data.get("title"), str) else "",
        due=parse_date(data.get("due")), items=parse_items(data.get("items")),
        purpose=data.get("purpose") or "topic",
        description=data.get("description") if isinstance(data.get("description"), str) else "",
        assign=parse_assign(data.get("assign")))
    db.session.commit()
    return {"id": reading_list.id}, 201


@bp.get("/api/reading-lists")
def list_reading_lists():
    """Assigned to the user (`assigned`), and managed by them (`managed`); `lists` holds both."""
    assigned = service.assigned_lists(current_user, statuses=service.STATUSES[:2])
    managed = []
    if can_manage_reading_lists(current_user):
        managed = list(db.session.scalars(service.managed_lists(
            current_user, status=request.args.get("status") or None,
            branch_code=request.args.get("branch"))))
    seen, lists = set(), []
    for reading_list in assigned + managed:
        if reading_list.id not in seen:
            seen.add(reading_list.id)
            lists.append(list_json(reading_list))
    return {"lists": lists, "assigned": [r.id for r in assigned], "managed": [r.id for r in managed]}


@bp.get("/api/reading-lists/<int:list_id>")
def get_reading_list(list_id: int):
    try:
        reading_list = service.managed_list(current_user, list_id)
    except service.NotFound:
        reading_list = service.assigned_list(current_user, list_id)
        data = list_json(reading_list, with_items=True)
        data.pop("assign")  # who else reads it is the managers' business
        return data
    return list_json(reading_list, with_items=True)


@bp.patch("/api/reading-lists/<int:list_id>")
def update_reading_list(list_id: int):
    """Change title, purpose, description, due, status, items or assign (any of them)."""
    reading_list = service.managed_list(current_user, list_id)
    data = _payload()
    service.update_list(
        current_user, reading_list,
        title=data["title"] if isinstance(data.get("title"), str) else None,
        purpose=data.get("purpose"),
        description=data["description"] if isinstance(data.get("description"), str) else None,
        due=parse_date(data["due"]) if "due" in data else False,
        items=parse_items(data["items"]) if "items" in data else None,
        assign=parse_assign(data.get("assign")))
    if "status" in data:
        service.set_status(current_user, reading_list, data["status"])
    db.session.commit()
    return list_json(reading_list, with_items=True)


@bp.get("/api/reading-lists/<int:list_id>/report")
def reading_list_report(list_id: int):
    """Members × items; `?branch=CODE` narrows an organisation-wide list to one branch."""
    reading_list = service.managed_list(current_user, list_id)
    branch_id = None
    if code := request.args.get("branch"):
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == code))
        if branch_id is None:
            raise BadPayload(N_("Không có chi bộ «{code}».", code=code))
    return report.report_json(report.build(reading_list, branch_id))


@bp.get("/api/reading-lists/<int:list_id>/overview")
def reading_list_overview(list_id: int):
    """Completion per assigned branch (organisation-wide lists; staff only)."""
    reading_list = service.managed_list(current_user, list_id)
    if not can_manage_organisation_lists(current_user):
        raise service.NotFound(N_("Không tìm thấy danh sách đọc."))
    return {"branches": [{
        "code": line.code, "name": line.name, "members": line.members, "complete": line.complete,
        "overdue": line.overdue, "due": line.due.isoformat() if line.due else None,
        "items_complete": line.item_complete,
    } for line in report.overview(reading_list)]}


@bp.get("/api/my-reading")
def my_reading():
    """The signed-in member's open lists, each item's progress and where to resume."""
    return {"lists": [{
        **list_json(entry.reading_list),
        "due": entry.due.isoformat() if entry.due else None,
        "overdue": entry.overdue,
        "items": [{
            "item_id": line.info.item.id, "book_id": line.info.item.book_id,
            "title": line.info.title, "progress": line.cell.progress,
            "complete": line.cell.complete, "marked_read": line.cell.marked,
            "read_url": line.read_url,
        } for line in entry.lines],
    } for entry in my_lists(current_user)]}


@bp.route("/api/reading-lists/<int:list_id>/items/<int:item_id>/read", methods=["POST", "DELETE"])
def mark_item_read(list_id: int, item_id: int):
    """POST marks the item read for the signed-in member; DELETE takes the mark back."""
    service.mark_read(current_user, list_id, item_id, read=request.method == "POST")
    db.session.commit()
    return {"item_id": item_id, "marked_read": request.method == "POST"}


@bp.get("/api/reading-lists/books")
def reading_list_books():
    """The item picker: books whose title matches `q` (diacritics optional), with their
    pages or chapters."""
    if not can_manage_reading_lists(current_user):
        return json_error(403, MSG_FORBIDDEN)
    from library.reading_lists.picker import find_books

    return {"books": find_books(request.args.get("q", ""),
                                request.args.get("id", type=int))}
