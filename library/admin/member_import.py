"""The member import: a sheet of thousands of members applied in one pass with bulk statements.

Each row is created, updated, unchanged or an error with its reason; re-importing the same
sheet changes nothing. Imported accounts have no password (see README: passwords never
travel in sheets); an administrator sets one per account, or members use tokens.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from library import audit
from library.admin.sheets import Sheet, SheetError, read_sheet
from library.auth.models import (
    ADMIN, LIBRARIAN, MEMBER, ROLE_LABELS, SECRETARY, Branch, User, normalize_username, search_key,
    utcnow, valid_branch_code, valid_username,
)
from library.extensions import db
from library.reading_lists import moves
from library.spreadsheet import csv_text
from library.vietnamese import fold
from library.translatable import N_, Message, stored
from library.i18n import gettext as _, message

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
STATUS_LABELS = {CREATED: N_("Tạo mới"), UPDATED: N_("Cập nhật"), UNCHANGED: N_("Không đổi"), ERROR: N_("Lỗi")}
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
_CHUNK = 500  # ids per IN (...) query, well under every database's parameter limit

# Role names as people write them, compared folded; admin is recognised only to be refused.
ROLE_NAMES = {
    MEMBER: ("member", "dang vien", "thanh vien"),
    LIBRARIAN: ("librarian", "can bo thu vien", "thu vien", "thu thu"),
    SECRETARY: ("secretary", "bi thu", "bi thu chi bo"),
    ADMIN: ("admin", "administrator", "quan tri", "quan tri vien"),
}
_ROLE_BY_NAME = {name: role for role, names in ROLE_NAMES.items() for name in names}


@dataclass
class ImportReport:
    # [row number, username, status, note]; notes are messages (library.translatable),
    # stored in the audit event with their values apart and shown in the reader's language.
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    branches_created: list[str] = field(default_factory=list)

    def add(self, number: int, username: str, status: str, note: str | list = "") -> None:
        self.rows.append([number, username, status, stored(note)])

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, ERROR), 0)
        for row in self.rows:
            counts[row[2]] += 1
        return counts


@dataclass
class _Wanted:
    number: int
    username: str
    full_name: str | None  # None: keep what the account has
    branch: str | None
    role: str | None


def import_members(data: bytes, actor: User, filename: str = "") -> tuple[ImportReport, int]:
    """Apply a sheet; returns the report and the id of its `users.import` audit event.

    Raises SheetError when the file as a whole is unusable (nothing is changed then).
    """
    if len(data) > MAX_BYTES:
        raise SheetError(_("Tệp quá lớn (tối đa {mb} MB).", mb=MAX_BYTES // (1024 * 1024)))
    sheet = read_sheet(data, MAX_ROWS)
    report = ImportReport()
    if sheet.ignored_columns:
        report.notes.append(N_("Bỏ qua các cột không dùng: {columns}",
                               columns=list(sheet.ignored_columns)))
    if "password" in sheet.columns:
        report.notes.append(N_("Cột mật khẩu bị bỏ qua: mật khẩu không nhập qua tệp; "
                            "quản trị viên đặt mật khẩu cho từng tài khoản."))
    wanted = _checked_rows(sheet, report)
    existing = _existing_users([w.username for w in wanted])
    branch_ids = _branch_ids({w.branch for w in wanted if w.branch}, report)
    inserts, updates = [], []
    now = utcnow()
    for w in wanted:
        user = existing.get(w.username)
        if user is None:
            _plan_insert(w, branch_ids, now, inserts, report)
        else:
            _plan_update(w, user, branch_ids, updates, report)
    if inserts:
        db.session.execute(insert(User), inserts)
    if updates:
        before = {user.id: user.branch_id for user in existing.values()}
        moved = [(u["id"], before[u["id"]], u["branch_id"]) for u in updates
                 if u["branch_id"] != before[u["id"]]]
        db.session.execute(update(User), updates)
        for user_id, old_branch, new_branch in moved:  # reading-list reports keep the move
            moves.record(user_id, old_branch, new_branch, now)
        for user in existing.values():  # bulk statements bypass the loaded objects
            db.session.expire(user)
    report.rows.sort(key=lambda row: row[0])
    event = audit.record("users.import", "import", None, filename[:200] or "tệp", actor=actor,
                         counts=report.counts, notes=[stored(note) for note in report.notes],
                         branches_created=report.branches_created, rows=report.rows)
    db.session.flush()
    return report, event.id


def _checked_rows(sheet: Sheet, report: ImportReport) -> list[_Wanted]:
    wanted, first_row = [], {}
    for number, cells in sheet.rows:
        raw_username = sheet.value(cells, "username")
        username = normalize_username(raw_username)
        full_name = sheet.value(cells, "full_name") or None  # an empty cell keeps the old name
        branch = sheet.value(cells, "branch") or None
        role_text = sheet.value(cells, "role")
        role = _ROLE_BY_NAME.get(" ".join(fold(role_text).split())) if role_text else None
        problem = None
        if not username:
            problem = N_("thiếu tên đăng nhập")
        elif not valid_username(username):
            problem = N_("tên đăng nhập không hợp lệ (chữ thường không dấu, số, . _ @ -; tối đa 80 ký tự)")
        elif username in first_row:
            problem = N_("tên đăng nhập trùng với dòng {row}", row=str(first_row[username]))
        elif full_name is not None and len(full_name) > 200:
            problem = N_("họ và tên dài quá 200 ký tự")
        elif branch is not None and not valid_branch_code(branch):
            problem = N_("mã chi bộ không hợp lệ: {code}", code=branch[:60])
        elif role_text and role is None:
            problem = N_("vai trò không rõ: {role} (member, librarian, secretary)",
                         role=role_text[:60])
        elif role == ADMIN:
            problem = N_("không cấp quyền quản trị qua tệp; hãy dùng trang người dùng")
        if problem:
            report.add(number, (username or raw_username)[:80], ERROR, problem)
            continue
        first_row[username] = number
        wanted.append(_Wanted(number, username, full_name, branch, role))
    return wanted


def _existing_users(usernames: list[str]) -> dict[str, User]:
    found = {}
    for start in range(0, len(usernames), _CHUNK):
        chunk = usernames[start:start + _CHUNK]
        for user in db.session.scalars(select(User).where(User.username.in_(chunk))):
            found[user.username] = user
    return found


def _branch_ids(codes: set[str], report: ImportReport) -> dict[str, int]:
    ids = dict(db.session.execute(select(Branch.code, Branch.id)).all())
    missing = sorted(codes - ids.keys())
    if missing:
        db.session.execute(insert(Branch), [{"code": code, "name": code} for code in missing])
        ids = dict(db.session.execute(select(Branch.code, Branch.id)).all())
        report.branches_created = missing
    return ids


def _plan_insert(w: _Wanted, branch_ids, now, inserts: list, report: ImportReport) -> None:
    if w.branch is None:
        report.add(w.number, w.username, ERROR, N_("tài khoản mới cần mã chi bộ"))
        return
    full_name = w.full_name or ""
    inserts.append({
        "username": w.username, "full_name": full_name, "role": w.role or MEMBER,
        "branch_id": branch_ids[w.branch], "password_hash": None, "active": True,
        "session_version": 1, "created_at": now, "search_key": search_key(w.username, full_name),
    })
    report.add(w.number, w.username, CREATED)


def _plan_update(w: _Wanted, user: User, branch_ids, updates: list, report: ImportReport) -> None:
    full_name = user.full_name if w.full_name is None else w.full_name
    role = w.role or user.role
    branch_id = user.branch_id if w.branch is None else branch_ids[w.branch]
    changed = []
    if full_name != user.full_name:
        changed.append(N_("họ tên"))
    if branch_id != user.branch_id:
        changed.append(N_("mã chi bộ"))
    if role != user.role:
        changed.append(N_("vai trò {old} → {new}", old=_role_word(user.role), new=_role_word(role)))
    if not changed:
        report.add(w.number, w.username, UNCHANGED, "" if user.active else N_("tài khoản đang bị khoá"))
        return
    if user.role == ADMIN:
        report.add(w.number, w.username, ERROR, N_("tài khoản quản trị chỉ sửa trên trang người dùng"))
        return
    if role == SECRETARY and branch_id is None:
        report.add(w.number, w.username, ERROR, N_("bí thư chi bộ cần mã chi bộ"))
        return
    updates.append({
        "id": user.id, "full_name": full_name, "role": role, "branch_id": branch_id,
        "search_key": search_key(user.username, full_name),
        # A role change ends the user's sessions, as on the user page.
        "session_version": user.session_version + (role != user.role),
    })
    report.add(w.number, w.username, UPDATED, changed)  # shown joined: "họ tên, mã chi bộ"


def _role_word(role: str):
    """A role in words, translated where shown ("librarian" -> "Cán bộ thư viện", "Librarian")."""
    return Message(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def report_csv(rows: list[list]) -> str:
    """The import report in the reader's language; a username like '=HYPERLINK(...)' or
    'x;=cmd' stays text in Excel."""
    shown = [[number, username, _(STATUS_LABELS.get(status, status)), message(note)]
             for number, username, status, note in rows]
    return csv_text(shown, header=["dong", "username", "ket_qua", "ghi_chu"])
