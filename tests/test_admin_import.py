"""The member import: CSV and XLSX sheets through the admin page, a per-row report, hostile files."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from library.admin import member_import, sheets
from library.audit import AuditEvent
from library.auth.accounts import create_user, find_user
from library.auth.models import Branch, User
from library.extensions import db
from library.i18n import message
from tests.conftest import sign_in
from tests.test_admin_users import user_row

HEADER_VI = "Tên đăng nhập,Họ và tên,Mã chi bộ,Vai trò"


def upload(client, data: bytes, filename="danh-sach.csv"):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.test_admin_users import csrf

    # Encoded here in memory: werkzeug's test client would spool a large body to a
    # temporary file it never closes (a ResourceWarning, an error under -W error).
    boundary, body = encode_multipart(
        {"csrf_token": csrf(client), "sheet": FileStorage(io.BytesIO(data), filename)})
    return client.post("/quan-tri/nhap-thanh-vien", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def run_import(app, client, data: bytes, filename="danh-sach.csv") -> dict:
    """Upload, follow to the report; returns the stored report of the audit event."""
    response = upload(client, data, filename)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    event_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        details, actor = dict(event.details), event.actor_name
    # Notes are stored with their values apart (library.translatable): read in Vietnamese here.
    details["notes"] = [message(note, "vi") for note in details.get("notes", [])]
    details["rows"] = [[*row[:3], message(row[3], "vi")] for row in details.get("rows", [])]
    return {"id": event_id, "actor": actor, **details}


def statuses(report) -> dict[int, tuple[str, str]]:
    return {row[0]: (row[1], row[2]) for row in report["rows"]}


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_csv_with_vietnamese_headers_creates_accounts_and_branches(app, admin_client):
    data = "\n".join([HEADER_VI, "an.nguyen,Nguyễn Văn An,CB-01,đảng viên",
                      "binh.tran,Trần Thị Bình,CB-02,Bí thư chi bộ",
                      "thu.pham,Phạm Thư,CB-02,"]).encode()
    report = run_import(app, admin_client, data)
    assert report["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert report["branches_created"] == ["CB-01", "CB-02"] and report["actor"] == "quantri1"
    assert user_row(app, "binh.tran")["role"] == "secretary"
    assert user_row(app, "thu.pham") | {"id": 0} == {
        "id": 0, "role": "member", "full_name": "Phạm Thư", "active": True, "branch": "CB-02",
        "version": 1, "has_password": False}
    # imported users are found by the folded search like any other
    page = admin_client.get("/quan-tri/nguoi-dung?q=tran thi binh").get_data(as_text=True)
    assert "binh.tran" in page and "chưa đặt mật khẩu" in page


def test_reimport_is_idempotent_and_reports_updates(app, admin_client):
    first = "\n".join([HEADER_VI, "an,Nguyễn An,CB-01,member", "binh,Trần Bình,CB-01,member"])
    run_import(app, admin_client, first.encode())
    victim = sign_in(app.test_client(), app, "binh")
    again = run_import(app, admin_client, first.encode())
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}
    changed = "\n".join([HEADER_VI, "an,Nguyễn Văn An,CB-02,", "binh,,,secretary"])
    report = run_import(app, admin_client, changed.encode())
    assert report["counts"] == {"created": 0, "updated": 2, "unchanged": 0, "error": 0}
    assert statuses(report) == {2: ("an", "updated"), 3: ("binh", "updated")}
    assert user_row(app, "an")["full_name"] == "Nguyễn Văn An" and user_row(app, "an")["branch"] == "CB-02"
    # empty cells keep what the account had; the role change ends the user's sessions
    assert user_row(app, "binh") | {"id": 0} == {"id": 0, "role": "secretary", "full_name": "Trần Bình",
                                                  "active": True, "branch": "CB-01", "version": 2,
                                                  "has_password": False}
    assert victim.get("/tai-khoan").status_code == 302


def test_english_headers_semicolons_and_extra_columns(app, admin_client):
    data = "\ufeffUsername;Full name;Branch code;Role;Email;Password\nlan;Lê Lan;CB-9;librarian;l@x;secret123\n"
    report = run_import(app, admin_client, data.encode())
    assert report["counts"]["created"] == 1 and user_row(app, "lan")["role"] == "librarian"
    assert user_row(app, "lan")["has_password"] is False  # a password column is never used
    assert any("Email" in note for note in report["notes"])
    assert any("mật khẩu" in note for note in report["notes"])


def test_errors_are_reported_per_row_and_the_rest_imports(app, admin_client):
    with app.app_context():
        create_user("sep", "admin", branch_code="cb01")
        db.session.commit()
    data = "\n".join([
        HEADER_VI,
        "ok1,Một,CB-01,member",
        "<script>alert(1)</script>,Hai,CB-01,member",  # 3: not a username; shown escaped
        "ok1,Ba,CB-01,member",                # 4: repeats row 2
        "ok4,Bốn,CB 01,member",               # 5: bad branch code
        "ok5,Năm,CB-01,trưởng ban",           # 6: unknown role
        "ok6,Sáu,CB-01,admin",                # 7: admin only on the user page
        "ok7,Bảy,,member",                    # 8: a new account needs a branch
        ",Tám,CB-01,member",                  # 9: no username
        "ok9," + "x" * 201 + ",CB-01,member",  # 10: name too long
        "sep,Sếp,CB-01,member",               # 11: an admin is not changed by an import
        "=HYPERLINK(\"http://x\"),Mười hai,CB-01,member",  # 12
    ])
    report = run_import(app, admin_client, data.encode())
    rows = statuses(report)
    assert rows[2] == ("ok1", "created")
    assert {n for n, (_, status) in rows.items() if status == "error"} == set(range(3, 13))
    notes = {row[0]: row[3] for row in report["rows"]}
    assert "trùng với dòng 2" in notes[4] and "vai trò không rõ" in notes[6]
    assert "quản trị" in notes[7] and "cần mã chi bộ" in notes[8] and "quản trị" in notes[11]
    assert user_row(app, "sep")["role"] == "admin"
    page = admin_client.get(f"/quan-tri/nhap-thanh-vien/{report['id']}").get_data(as_text=True)
    assert page.count('class="row-error"') == 10  # errors shown first
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_csv_cannot_run_formulas(app, admin_client):
    data = "\n".join([HEADER_VI, '=1+2,A,CB-01,member', '@SUM(A1),B,CB-01,member',
                      'ok,C,CB-01,-2+3']).encode()
    report = run_import(app, admin_client, data)
    body = admin_client.get(f"/quan-tri/nhap-thanh-vien/{report['id']}/bao-cao.csv")
    assert body.headers["Content-Type"].startswith("text/csv")
    cells = [cell for row in csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff")))
             for cell in row]
    assert "'=1+2" in cells and "'@sum(a1)" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_xlsx_with_numbers_and_dates_as_cells(app, admin_client):
    data = xlsx([["Tên đăng nhập", "Họ và tên", "Mã chi bộ", "Vai trò"],
                 [1001, "Nguyễn Văn Một", "CB-01", "member"],
                 [1002.0, date(2026, 1, 31), 7, None],
                 [None, None, None, None],
                 ["x@y", 3.5, "CB-01", "bí thư"]])
    report = run_import(app, admin_client, data, "danh-sach.xlsx")
    assert report["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert user_row(app, "1002") | {"id": 0, "version": 0} == {
        "id": 0, "role": "member", "full_name": "2026-01-31", "active": True, "branch": "7",
        "version": 0, "has_password": False}
    assert user_row(app, "x@y")["role"] == "secretary" and statuses(report)[5] == ("x@y", "created")


@pytest.mark.parametrize("data, message", [
    (b"", "Tệp trống"),
    (b"ho ten,chi bo\nA,B\n", "Không thấy cột tên đăng nhập"),
    ("Tên đăng nhập,Họ và tên\n".encode("utf-16"), "Tệp không phải CSV"),
    ("username,full name\nan,Lê Hà\n".encode("cp1258"), "UTF-8"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xls cũ"),
    (b"PK\x03\x04not really a zip", "XLSX hỏng"),
    (b"username,username\na,b\n", "hai lần"),
])
def test_unusable_files_are_refused_whole(app, admin_client, data, message):
    response = upload(admin_client, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_zip_bomb_is_refused_before_parsing(app, admin_client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    response = upload(admin_client, out.getvalue(), "bom.xlsx")
    assert response.status_code == 400 and "quá lớn khi giải nén" in response.get_data(as_text=True)


def test_size_and_row_limits(app, admin_client, monkeypatch):
    monkeypatch.setattr(member_import, "MAX_ROWS", 3)
    rows = "\n".join([HEADER_VI] + [f"u{n},A,CB-01," for n in range(4)]).encode()
    response = upload(admin_client, rows)
    assert response.status_code == 400 and "hơn 3 dòng" in response.get_data(as_text=True)
    monkeypatch.setattr(member_import, "MAX_BYTES", 100)
    response = upload(admin_client, HEADER_VI.encode() + b"\n" + b"u,A,CB-01,\n" * 20)
    assert response.status_code == 400 and "Tệp quá lớn" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_few_hundred_rows_in_one_go(app, admin_client):
    lines = [HEADER_VI] + [f"dv{n:04d},Đảng viên số {n},CB-{n % 7:02d},member" for n in range(600)]
    report = run_import(app, admin_client, "\n".join(lines).encode())
    assert report["counts"]["created"] == 600
    with app.app_context():
        assert db.session.scalar(select(func.count(Branch.id))) == 8  # cb01 of the admin + 7
        assert find_user("dv0599").search_key == "dv0599 dang vien so 599"
    report_page = admin_client.get(f"/quan-tri/nhap-thanh-vien/{report['id']}?status=created&page=3")
    assert report_page.status_code == 200 and "dv0599" in report_page.get_data(as_text=True)


def test_non_admins_cannot_import(app, librarian_client, secretary_client):
    for client in (librarian_client, secretary_client):
        response = client.post("/quan-tri/nhap-thanh-vien",
                               data={"sheet": (io.BytesIO(b"username\nx\n"), "a.csv")},
                               content_type="multipart/form-data")
        assert response.status_code in (400, 403)  # no CSRF token or no right: never imported
    with app.app_context():
        assert find_user("x") is None


@pytest.mark.slow
def test_sixteen_thousand_rows(app, admin_client):
    lines = [HEADER_VI] + [f"dv{n:05d},Nguyễn Văn {n},CB-{n % 400:03d},"
                           f"{'bí thư' if n % 40 == 0 else 'đảng viên'}" for n in range(16000)]
    report = run_import(app, admin_client, "\n".join(lines).encode())
    assert report["counts"]["created"] == 16000 and len(report["branches_created"]) == 400
    again = run_import(app, admin_client, "\n".join(lines).encode())
    assert again["counts"]["unchanged"] == 16000


def test_header_names_fold():
    assert sheets.header_key(" Mã chi_bộ* ") == "ma chi bo"
    assert sheets.cell_text(12.0) == "12" and sheets.cell_text(True) == "TRUE"
