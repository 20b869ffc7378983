"""Onboarding: activation codes (API, first sign-in page, CLI files, slips), the secretary's
branch page, and what a password change, reset or deactivation ends."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pypdf
from openpyxl import load_workbook
from sqlalchemy import select

from library.audit import AuditEvent
from library.auth.accounts import create_user, find_user
from library.auth.models import ActivationCode, utcnow
from library.extensions import db
from library.members import activation
from tests.conftest import bearer, sign_in

GOOD = "mot-cau-de-nho-2026"
CODE_RE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def csrf(client, path="/tai-khoan") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def people(app):
    with app.app_context():
        create_user("bithu.a", "secretary", branch_code="CB-A", full_name="Bí Thư A", password=GOOD + "x")
        create_user("an", "member", branch_code="CB-A", full_name="Nguyễn Văn An")
        create_user("binh", "member", branch_code="CB-A", full_name="=HYPERLINK(\"x\")")
        create_user("thu", "librarian", branch_code="CB-A", full_name="Thủ Thư")
        create_user("cuong", "member", branch_code="CB-B", full_name="Lê Cường")
        db.session.commit()


def issue(app, username) -> str:
    with app.app_context():
        slip = activation.issue(find_user(username), "test")
        db.session.commit()
        return slip.code


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- POST /api/activate --------------------------------------------------------------------

def test_api_activate_works_once_without_sign_in(app, anonymous):
    people(app)
    code = issue(app, "an")
    body = {"username": "An", "code": code.lower().replace("-", " "), "password": GOOD}
    assert anonymous.post("/api/activate", json=body).status_code == 204
    again = anonymous.post("/api/activate", json={**body, "password": GOOD + "2"})
    assert again.status_code == 400 and "đã dùng" in again.get_json()["error"]
    # The password set with the code signs in through the real form.
    page = anonymous.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed = anonymous.post("/dang-nhap", data={"username": "an", "password": GOOD, "csrf_token": token})
    assert signed.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(ActivationCode))
        assert row.used_at is not None and code not in row.code_hash and len(row.code_hash) == 64
    assert "user.activate" in actions(app)


def test_api_activate_refusals(app, anonymous):
    people(app)
    code = issue(app, "an")
    binh = issue(app, "binh")
    cases = [
        ({"username": "binh", "code": binh, "password": "binh-binh-2026"}, 400),  # has the username
        ({"username": "an", "code": code}, 400),                                 # no password
        ({"username": "an", "code": code, "password": "123456789"}, 400),        # common
        ({"username": "an", "code": code, "password": "ngan"}, 400),             # short
        ({"username": "an", "code": "AAAA-BBBB-CCCC", "password": GOOD}, 400),   # wrong code
        ({"username": "cuong", "code": code, "password": GOOD}, 400),            # another's code
        ({"username": "nobody", "code": code, "password": GOOD}, 400),
    ]
    for body, status in cases:
        response = anonymous.post("/api/activate", json=body)
        assert response.status_code == status, body
        assert response.get_json()["error"]
    assert anonymous.post("/api/activate", data="not json").status_code == 400
    # None of that used the code up.
    assert anonymous.post("/api/activate", json={"username": "an", "code": code, "password": GOOD}).status_code == 204


def test_code_expires_and_reissue_kills_the_old_one(app, anonymous):
    people(app)
    old = issue(app, "an")
    new = issue(app, "an")
    assert old != new
    assert anonymous.post("/api/activate", json={"username": "an", "code": old, "password": GOOD}).status_code == 400
    with app.app_context():
        db.session.scalar(select(ActivationCode)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert anonymous.post("/api/activate", json={"username": "an", "code": new, "password": GOOD}).status_code == 400


def test_code_guessing_is_throttled(app, anonymous):
    people(app)
    code = issue(app, "an")
    statuses = [anonymous.post("/api/activate", json={"username": "an", "code": f"AAAA-AAAA-AAA{n}",
                                                       "password": GOOD}).status_code for n in range(2, 9)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    blocked = anonymous.post("/api/activate", json={"username": "an", "code": code, "password": GOOD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    # From another address the member is not locked out by the guesser.
    assert anonymous.post("/api/activate", json={"username": "an", "code": code, "password": GOOD},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 204


# --- the first sign-in page ------------------------------------------------------------------

def test_first_sign_in_page_sets_the_password_and_signs_in(app, anonymous):
    people(app)
    code = issue(app, "an")
    login = anonymous.get("/dang-nhap").get_data(as_text=True)
    assert 'href="/kich-hoat"' in login
    page = anonymous.get("/kich-hoat")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"username": "an", "code": code, "password": "matkhau123", "confirm": "matkhau123", "csrf_token": token}
    refused = anonymous.post("/kich-hoat", data=form)
    assert refused.status_code == 400 and "quá phổ biến" in refused.get_data(as_text=True)
    mismatch = anonymous.post("/kich-hoat", data={**form, "password": GOOD, "confirm": GOOD + "!"})
    assert mismatch.status_code == 400 and "không khớp" in mismatch.get_data(as_text=True)
    done = anonymous.post("/kich-hoat", data={**form, "password": GOOD, "confirm": GOOD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert anonymous.get("/tai-khoan").status_code == 200  # signed in


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_activation_codes_csv_xlsx_pdf(app, runner, tmp_path, anonymous):
    people(app)
    out = tmp_path / "ma.csv"
    result = runner.invoke(args=["users", "activation-codes", "--branch", "CB-A", "--out", str(out),
                                 "--url", "https://tusach.example.vn"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    # Members without a password in CB-A (the secretary has one; CB-B is another branch).
    assert sorted(r["username"] for r in rows) == ["an", "binh", "thu"]
    assert all(CODE_RE.fullmatch(r["code"]) for r in rows)
    assert rows[0]["url"] == "https://tusach.example.vn/kich-hoat"
    assert next(r for r in rows if r["username"] == "binh")["full_name"].startswith("'=")
    an = next(r for r in rows if r["username"] == "an")
    assert anonymous.post("/api/activate", json={"username": "an", "code": an["code"], "password": GOOD}).status_code == 204

    xlsx = tmp_path / "ma.xlsx"
    assert runner.invoke(args=["users", "activation-codes", "--out", str(xlsx), "--url", "https://t.vn"]).exit_code == 0
    sheet = load_workbook(xlsx).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Tên đăng nhập", "Mã kích hoạt"]
    assert sorted(v[0] for v in values[1:]) == ["binh", "cuong", "thu"]  # "an" has a password now

    pdf = tmp_path / "ma.pdf"
    assert runner.invoke(args=["users", "activation-codes", "--out", str(pdf), "--url", "https://t.vn"]).exit_code == 0
    reader = pypdf.PdfReader(pdf)
    text = reader.pages[0].extract_text()
    assert "Lê Cường" in text and "Tên đăng nhập: cuong" in text and CODE_RE.search(text)
    assert round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 210  # A4
    # The previous files' codes died with the new issue.
    assert anonymous.post("/api/activate", json={"username": "binh", "code": values[1][1] if values[1][0] == "binh" else values[2][1],
                                                 "password": GOOD}).status_code == 400


def test_cli_activation_codes_refuses_bad_input(app, runner, tmp_path):
    people(app)
    assert "csv" in runner.invoke(args=["users", "activation-codes", "--out", str(tmp_path / "x.doc"),
                                        "--url", "https://t.vn"]).output
    missing = runner.invoke(args=["users", "activation-codes", "--branch", "NOPE", "--out",
                                  str(tmp_path / "x.csv"), "--url", "https://t.vn"])
    assert missing.exit_code != 0 and "NOPE" in missing.output
    no_url = runner.invoke(args=["users", "activation-codes", "--out", str(tmp_path / "x.csv")])
    assert no_url.exit_code != 0 and "LIBRARY_PUBLIC_URL" in no_url.output


def test_cli_password_ends_sessions_and_tokens(app, runner):
    people(app)
    headers = bearer(app, "bithu.a")
    client = sign_in(app.test_client(), app, "bithu.a")
    assert client.get("/api/reading-lists", headers=headers).status_code == 200
    result = runner.invoke(args=["users", "password", "bithu.a", "--password-stdin"], input=GOOD + "-moi\n")
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/api/reading-lists", headers=headers).status_code == 401
    assert client.get("/tai-khoan").status_code == 302
    weak = runner.invoke(args=["users", "password", "bithu.a", "--password-stdin"], input="12345678\n")
    assert weak.exit_code != 0 and "phổ biến" in weak.output
    assert runner.invoke(args=["users", "password", "ai-do", "--password-stdin"], input=GOOD).exit_code != 0


# --- the secretary's branch page ----------------------------------------------------------

def test_secretary_sees_own_branch_prints_slips_and_reissues(app):
    people(app)
    secretary = sign_in(app.test_client(), app, "bithu.a")
    assert secretary.get("/chi-bo").headers["Location"].endswith("/chi-bo/CB-A/thanh-vien")
    page = secretary.get("/chi-bo/CB-A/thanh-vien").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Lê Cường" not in page
    assert secretary.get("/chi-bo/CB-B/thanh-vien").status_code == 403
    token = csrf(secretary, "/chi-bo/CB-A/thanh-vien")
    pdf = secretary.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "pdf", "csrf_token": token})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    # Only plain members: a secretary never hands out a librarian's password.
    assert "Tên đăng nhập: an" in text and "Tên đăng nhập: binh" in text and "thu" not in text.split("Tên đăng nhập: ")[-1][:4]
    assert "http://localhost/kich-hoat" in text
    xlsx = secretary.post("/chi-bo/CB-A/phieu-kich-hoat", data={"format": "xlsx", "csrf_token": token})
    names = [row[0].value for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(min_row=2)]
    assert sorted(names) == ["an", "binh"]

    with app.app_context():
        an, thu, cuong = (find_user(n).id for n in ("an", "thu", "cuong"))
    shown = secretary.post(f"/chi-bo/CB-A/thanh-vien/{an}/cap-ma", data={"csrf_token": token})
    code = CODE_RE.search(shown.get_data(as_text=True)).group(0)
    assert shown.headers["Cache-Control"] == "no-store"
    assert app.test_client().post("/api/activate", json={"username": "an", "code": code, "password": GOOD}).status_code == 204
    assert secretary.post(f"/chi-bo/CB-A/thanh-vien/{thu}/cap-ma", data={"csrf_token": token}).status_code == 403
    assert secretary.post(f"/chi-bo/CB-A/thanh-vien/{cuong}/cap-ma", data={"csrf_token": token}).status_code == 404
    assert secretary.post(f"/chi-bo/CB-B/thanh-vien/{cuong}/cap-ma", data={"csrf_token": token}).status_code == 403
    assert {"user.activation_codes", "user.activation_code", "user.activate"} <= set(actions(app))


def test_members_and_tokens_cannot_reach_branch_pages(app):
    people(app)
    member = sign_in(app.test_client(), app, "cuong")
    assert member.get("/chi-bo/CB-B/thanh-vien").status_code == 403
    assert member.get("/chi-bo").status_code == 403
    headers = bearer(app, "bithu.a")
    assert app.test_client().get("/chi-bo/CB-A/thanh-vien", headers=headers).status_code == 403
    assert app.test_client().get("/chi-bo/CB-A/thanh-vien").status_code == 302


def test_admin_prints_any_branch(app, admin_client):
    people(app)
    page = admin_client.get("/chi-bo/CB-B/thanh-vien")
    assert page.status_code == 200 and "Lê Cường" in page.get_data(as_text=True)
    token = csrf(admin_client, "/chi-bo/CB-B/thanh-vien")
    xlsx = admin_client.post("/chi-bo/CB-B/phieu-kich-hoat", data={"format": "xlsx", "csrf_token": token})
    assert [r[0].value for r in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(min_row=2)] == ["cuong"]


# --- what ends sessions and tokens ---------------------------------------------------------

def test_deactivation_revokes_tokens_for_good(app, admin_client):
    people(app)
    headers = bearer(app, "cuong")
    assert app.test_client().get("/api/books", headers=headers).status_code == 200
    with app.app_context():
        uid = find_user("cuong").id
    token = csrf(admin_client, f"/quan-tri/nguoi-dung/{uid}")
    admin_client.post(f"/quan-tri/nguoi-dung/{uid}/khoa", data={"csrf_token": token})
    admin_client.post(f"/quan-tri/nguoi-dung/{uid}/mo-khoa", data={"csrf_token": token})
    with app.app_context():
        assert find_user("cuong").active
    assert app.test_client().get("/api/books", headers=headers).status_code == 401


def test_password_change_revokes_tokens_and_sign_out_everywhere(app):
    people(app)
    headers = bearer(app, "bithu.a")
    phone = sign_in(app.test_client(), app, "bithu.a")
    laptop = sign_in(app.test_client(), app, "bithu.a")
    token = csrf(laptop)
    done = laptop.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": token})
    assert done.status_code == 302
    assert laptop.get("/tai-khoan").status_code == 200       # this browser stays
    assert phone.get("/tai-khoan").status_code == 302        # the other one is out
    assert app.test_client().get("/api/books", headers=headers).status_code == 200  # tokens kept
    laptop.post("/tai-khoan/dang-xuat-moi-noi", data={"csrf_token": csrf(laptop), "tokens": "y"})
    assert app.test_client().get("/api/books", headers=headers).status_code == 401
    headers = bearer(app, "bithu.a")
    changed = laptop.post("/tai-khoan/mat-khau", data={
        "current_password": GOOD + "x", "new_password": GOOD + "-moi", "confirm": GOOD + "-moi",
        "csrf_token": csrf(laptop)})
    assert changed.status_code == 302
    assert app.test_client().get("/api/books", headers=headers).status_code == 401
    assert "auth.sign_out_everywhere" in actions(app)


def test_token_creation_and_revocation_are_audited(app, client):
    token = csrf(client)
    client.post("/tai-khoan/token", data={"name": "KOReader", "csrf_token": token})
    with app.app_context():
        token_id = db.session.scalar(select(db.func.max(db.text("id"))).select_from(db.text("api_token")))
    client.post(f"/tai-khoan/token/{token_id}/thu-hoi", data={"csrf_token": csrf(client)})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("token.%"))).all()
        assert [(e.action, e.details["name"], e.ip) for e in events] == [
            ("token.create", "KOReader", "127.0.0.1"), ("token.revoke", "KOReader", "127.0.0.1")]
