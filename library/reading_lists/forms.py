"""The list form of the pages, read into the same specs the JSON API gives the service.

Items are rows in the page, each with its own key (`item_key`, in the order shown, so
moving a row moves the item): `book_<key>`, `first_<key>`, `last_<key>`, `chapters_<key>`
(checkboxes), `note_<key>`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from library.reading_lists.service import AssignSpec, ItemSpec, ReadingListError
from library.translatable import N_
from library.i18n import gettext as _


class FormError(ReadingListError):
    pass


@dataclass
class ListForm:
    title: str = ""
    purpose: str = "topic"
    description: str = ""
    due: date | None = None
    items: list[ItemSpec] = field(default_factory=list)
    assign_mode: str = "branch"   # branch | members | all | branches
    members: list[str] = field(default_factory=list)
    branches: str = ""

    def assign_spec(self, own_branch_code: str | None) -> AssignSpec | None:
        if self.assign_mode == "members":
            if not self.members:
                raise FormError(N_("Chọn ít nhất một đảng viên, hoặc giao cho cả chi bộ."))
            return AssignSpec(members=self.members)
        if self.assign_mode == "all":
            return AssignSpec(everyone=True)
        if self.assign_mode == "branches":
            codes = [c for c in re.split(r"[\s,;]+", self.branches) if c]
            if not codes:
                raise FormError(N_("Nhập mã các chi bộ được giao."))
            return AssignSpec(branches=codes)
        if self.assign_mode == "none":
            return AssignSpec()
        return AssignSpec(branches=[own_branch_code]) if own_branch_code else None


def _number(value: str, what: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    # isdecimal, not isdigit: "²" is a digit int() cannot read.
    if not value.isdecimal():
        raise FormError(_("{what} phải là số.", what=what))
    if len(value) > 18:  # beyond the database's integers
        raise FormError(_("{what} quá lớn.", what=what))
    return int(value)


def read_form(form) -> tuple[ListForm, str | None]:
    """What the page sent, and the first problem in it (None when it reads well).
    The form is returned even when wrong, so the page shows it again as typed."""
    data = ListForm(
        title=form.get("title", ""), purpose=form.get("purpose", "topic"),
        description=form.get("description", ""),
        assign_mode=form.get("assign", "branch"),
        members=form.getlist("member"), branches=form.get("branches", ""))
    problem = None
    try:
        raw_due = form.get("due", "").strip()
        data.due = date.fromisoformat(raw_due) if raw_due else None
    except ValueError:
        problem = _("Hạn hoàn thành không hợp lệ.")
    for key in form.getlist("item_key"):
        try:
            book_id = _number(form.get(f"book_{key}", ""), _("Sách"))
            if book_id is None:
                continue
            first = _number(form.get(f"first_{key}", ""), _("Trang đầu"))
            last = _number(form.get(f"last_{key}", ""), _("Trang cuối"))
            chapters = [_number(c, _("Chương")) for c in form.getlist(f"chapters_{key}")]
        except FormError as exc:
            problem = problem or str(exc)
            continue
        pages = None
        if first is not None or last is not None:
            pages = (first or 1, last or first or 1)
        data.items.append(ItemSpec(book_id, pages, [c for c in chapters if c] or None,
                                   form.get(f"note_{key}", "")))
    return data, problem
