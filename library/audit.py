"""The audit log: who uploaded, edited, replaced, withdrew or deleted a book, or changed
an account, and when. Rows are only ever added; the admin page lists and filters them, and
reads them out in words (`action_words`, `describe`, `target_link`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from library.auth.models import ROLE_LABELS
from library.catalog.models import utcnow
from library.extensions import db
from library.i18n import gettext as _, message
from library.translatable import N_


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The name is kept beside the id so the log still says who when an account is gone.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(50), index=True)  # e.g. "book.upload"
    target_type: Mapped[str] = mapped_column(String(30), default="")  # "book", "user", "branch"
    target_id: Mapped[int | None]
    # What the target was called at the time: a deleted book's title stays readable.
    target_label: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


def record(action: str, target_type: str = "", target_id: int | None = None,
           target_label: str = "", actor=None, **details) -> AuditEvent:
    """Add an event to the session (the caller commits it with the change it describes).

    The actor defaults to the signed-in user; the CLI passes none and is logged as "cli".
    """
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        # No actor: the CLI, or someone not signed in (a refused sign-in, an activation).
        actor_name=getattr(actor, "username", None) or ("ẩn danh" if has_request_context() else "cli"),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=(target_label or "")[:500],
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


# --- How the log reads --------------------------------------------------------------------
# The stored codes ("book.upload") and detail keys stay as they are (filters and scripts use
# them); people see them in words, in their language, with a link to what they concern.

ACTION_WORDS = {
    "book.upload": N_("Đã tải sách lên"),
    "book.replace": N_("Đã thay tệp sách"),
    "book.edit": N_("Đã sửa thông tin sách"),
    "book.move": N_("Đã chuyển sách sang tủ khác"),
    "book.withdraw": N_("Đã rút sách khỏi tủ"),
    "book.reinstate": N_("Đã hiển thị lại sách"),
    "book.delete": N_("Đã xoá sách"),
    "book.file_missing": N_("Không tìm thấy tệp sách"),
    "user.create": N_("Đã tạo tài khoản"),
    "user.edit": N_("Đã sửa họ tên"),
    "user.role": N_("Đã đổi vai trò"),
    "user.branch": N_("Đã chuyển chi bộ"),
    "user.deactivate": N_("Đã khoá tài khoản"),
    "user.reactivate": N_("Đã mở khoá tài khoản"),
    "user.password_reset": N_("Đã đặt lại mật khẩu"),
    "user.activation_codes": N_("Đã phát mã kích hoạt"),
    "user.activation_code": N_("Đã cấp lại mã kích hoạt"),
    "user.activate": N_("Đã kích hoạt tài khoản"),
    "user.activate_failed": N_("Kích hoạt không thành công"),
    "user.directory_sync": N_("Đã cập nhật từ danh bạ tổ chức"),
    "users.import": N_("Đã nhập danh sách thành viên"),
    "branch.create": N_("Đã tạo chi bộ"),
    "branch.edit": N_("Đã sửa chi bộ"),
    "auth.login": N_("Đã đăng nhập"),
    "auth.login_failed": N_("Đăng nhập không thành công"),
    "auth.sign_out_everywhere": N_("Đã đăng xuất trên mọi thiết bị"),
    "token.create": N_("Đã tạo mã truy cập API"),
    "token.revoke": N_("Đã thu hồi mã truy cập API"),
    "reading_list.create": N_("Đã tạo danh sách đọc"),
    "reading_list.update": N_("Đã sửa danh sách đọc"),
    "reading_list.open": N_("Đã mở lại danh sách đọc"),
    "reading_list.closed": N_("Đã đóng danh sách đọc"),
    "reading_list.archived": N_("Đã cất danh sách đọc vào lưu trữ"),
}
FIELD_WORDS = {
    "title": N_("Tên sách"), "authors": N_("Tác giả"), "year": N_("Năm"),
    "publisher": N_("Nhà xuất bản"), "description": N_("Mô tả"), "shelf": N_("Tủ sách"),
    "cover": N_("Ảnh bìa"), "status": N_("Trạng thái"), "file": N_("Tên tệp"),
    "job": N_("Mã tác vụ nhập"), "warnings": N_("Cảnh báo"), "role": N_("Vai trò"),
    "branch": N_("Chi bộ"), "full_name": N_("Họ và tên"), "name": N_("Tên"),
    "code": N_("Mã chi bộ"), "source": N_("Cách đăng nhập"), "how": N_("Cách đặt"),
    "tokens": N_("Mã API đã thu hồi"), "count": N_("Số mã"), "reason": N_("Lý do"),
    "stored_name": N_("Tệp lưu trữ"), "sha256": "SHA-256", "notes": N_("Ghi chú"),
    "branches_created": N_("Chi bộ mới tạo"), "counts": N_("Kết quả"),
}
VALUE_WORDS = {
    "ready": N_("Đang hiển thị"), "withdrawn": N_("Đã rút"), "generated": N_("tạo tự động"),
    "given": N_("do quản trị viên nhập"), "cli": N_("từ dòng lệnh"),
    "local": N_("mật khẩu của thư viện"), "ldap": N_("danh bạ LDAP"),
    "oidc": N_("đăng nhập tổ chức (OpenID Connect)"), "created": N_("Tạo mới"),
    "updated": N_("Cập nhật"), "unchanged": N_("Không đổi"), "error": N_("Lỗi"), True: N_("có"),
    False: N_("không"),
}
_CODED = {"status", "how", "source", "counts"}  # values that are codes, shown in words
_SENTENCES = {"warnings", "reason", "notes"}
_HIDDEN = {"rows"}  # the import's rows: on the import's own report page


@dataclass(frozen=True)
class Detail:
    label: str
    value: str
    link: tuple[str, dict] | None = None  # (endpoint, arguments) for url_for


def action_words(action: str) -> str:
    return _(ACTION_WORDS[action]) if action in ACTION_WORDS else action


def target_link(event: AuditEvent) -> tuple[str, dict] | None:
    """The page of what the event is about, while it exists (a deleted book has none)."""
    if event.action == "users.import":
        return "admin.import_report", {"event_id": event.id}
    if event.target_id is None or event.action == "book.delete":
        return None
    return {
        "book": ("console.edit", {"book_id": event.target_id}),
        "user": ("admin.user_edit", {"user_id": event.target_id}),
        "branch": ("admin.branch_edit", {"branch_id": event.target_id}),
        "reading_list": ("reading_lists.report_page", {"list_id": event.target_id}),
    }.get(event.target_type)


def describe(event: AuditEvent, shelves: dict[str, str] | None = None) -> list[Detail]:
    """The event's details as (label, value) lines in the reader's language."""
    shelves = shelves or {}
    details = dict(event.details or {})
    if {"old", "new"} <= details.keys():  # user.role / user.branch / user.edit
        field = details.pop("field", None) or event.action.split(".")[-1]
        details[field] = [details.pop("old"), details.pop("new")]
    details.update(details.pop("changes", None) or {})  # book.edit
    lines = []
    for key, value in details.items():
        if key in _HIDDEN or value in (None, "", [], {}):
            continue
        link = ("console.job", {"job_id": value}) if key == "job" and isinstance(value, int) else None
        lines.append(Detail(_(FIELD_WORDS.get(key, key)), _value(key, value, shelves), link))
    return lines


def _value(key: str, value, shelves: dict[str, str]) -> str:
    if key == "counts" and isinstance(value, dict):
        return ", ".join(f"{_(VALUE_WORDS.get(k, k))} {n}" for k, n in value.items() if n)
    if key == "tokens" and isinstance(value, int):
        return str(value)
    if key == "cover" and isinstance(value, list) and len(value) == 2:
        return _("ảnh mới") if value[0] else _("thêm ảnh bìa")
    if key == "sha256" and isinstance(value, str):
        return value[:12] + "…"
    if isinstance(value, list) and len(value) == 2 and key not in ("authors", "warnings", "notes",
                                                                    "branches_created"):
        return f"{_one(key, value[0], shelves)} → {_one(key, value[1], shelves)}"
    if isinstance(value, list):
        return "; ".join(_one(key, v, shelves) for v in value)
    return _one(key, value, shelves)


def _one(key: str, value, shelves: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return _("(trống)")
    if isinstance(value, list):
        return ", ".join(message(v) if key in _SENTENCES else str(v) for v in value)
    if key == "shelf":
        return shelves.get(value, value)
    if key == "role":
        return _(ROLE_LABELS.get(value, value))
    if key in _CODED and isinstance(value, (bool, str)) and value in VALUE_WORDS:
        return _(VALUE_WORDS[value])
    if key in _SENTENCES and isinstance(value, (str, dict)):  # the app's own messages, translated
        return message(value)
    return value if isinstance(value, str) else str(value)
