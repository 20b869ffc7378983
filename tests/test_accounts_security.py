"""Account security through the full app: CSRF on every admin and profile write, a cookie
replayed after sign-out, throttling at the sign-in form, HTTP Basic for OPDS apps."""
from __future__ import annotations

import base64
import re

import pytest

from library.auth.accounts import create_user, find_user
from library.extensions import db
from tests.conftest import bearer, make_user, sign_in

PASSWORD = "mat-khau-rat-dai-1"
# Every cookie-authenticated write of the accounts side, with a body that would succeed.
WRITES = [
    ("/quan-tri/nguoi-dung/moi", {"username": "moi", "role": "member"}),
    ("/quan-tri/nguoi-dung/{uid}", {"full_name": "X", "role": "librarian", "branch_code": ""}),
    ("/quan-tri/nguoi-dung/{uid}/khoa", {}),
    ("/quan-tri/nguoi-dung/{uid}/mo-khoa", {}),
    ("/quan-tri/nguoi-dung/{uid}/mat-khau", {"password": PASSWORD}),
    ("/quan-tri/chi-bo", {"code": "CB-X", "name": "X"}),
    ("/quan-tri/chi-bo/{bid}", {"code": "CB-Y", "name": "Y"}),
    ("/quan-tri/nhap-thanh-vien", {}),
    ("/tai-khoan/token", {"name": "t"}),
    ("/tai-khoan/mat-khau", {"current_password": "a", "new_password": PASSWORD, "confirm": PASSWORD}),
    ("/dang-xuat", {}),
]


def csrf_of(client, path="/tai-khoan"):
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.mark.parametrize("path, form", WRITES)
def test_writes_without_a_csrf_token_are_refused(app, admin_client, path, form):
    make_user(app, "dich", "member", "cb02")
    with app.app_context():
        target = find_user("dich")
        path = path.format(uid=target.id, bid=target.branch_id)
        before = (target.role, target.active, target.session_version, target.password_hash)
    refused = admin_client.post(path, data=form)
    assert refused.status_code == 400
    assert "Biểu mẫu đã hết hạn" in refused.get_data(as_text=True)
    wrong = admin_client.post(path, data={**form, "csrf_token": "gia-mao"})
    assert wrong.status_code == 400
    with app.app_context():
        target = find_user("dich")
        assert (target.role, target.active, target.session_version, target.password_hash) == before
        assert find_user("moi") is None
    assert admin_client.get("/quan-tri/").status_code == 200  # still signed in


def test_cookie_replayed_after_sign_out_is_refused(app):
    make_user(app, "dv", "member", password=PASSWORD)
    browser = app.test_client()
    token = csrf_of(browser, "/dang-nhap")
    assert browser.post("/dang-nhap", data={"csrf_token": token, "username": "dv",
                                            "password": PASSWORD}).status_code == 302
    stolen = browser.get_cookie("session").value
    assert browser.post("/dang-xuat", data={"csrf_token": csrf_of(browser)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/tai-khoan").status_code == 302
    assert thief.get("/api/books").status_code == 401


def test_sign_in_renews_the_session_cookie(app):
    make_user(app, "dv", "member", password=PASSWORD)
    browser = app.test_client()
    token = csrf_of(browser, "/dang-nhap")
    planted = browser.get_cookie("session").value
    browser.post("/dang-nhap", data={"csrf_token": token, "username": "dv", "password": PASSWORD})
    assert browser.get_cookie("session").value != planted


def test_throttling_at_the_sign_in_form(app):
    make_user(app, "dv", "member", password=PASSWORD)
    browser = app.test_client()
    token = csrf_of(browser, "/dang-nhap")
    attempt = lambda pw: browser.post("/dang-nhap", data={  # noqa: E731
        "csrf_token": token, "username": "dv", "password": pw})
    for _ in range(5):
        assert attempt("sai-mat-khau").status_code == 200
    blocked = attempt(PASSWORD)  # even the right password waits now
    assert blocked.status_code == 429 and "quá nhiều lần" in blocked.get_data(as_text=True)
    unknown = [browser.post("/dang-nhap", data={"csrf_token": token, "username": "khong-co",
                                                "password": "x" * 9}) for _ in range(6)]
    assert [r.status_code for r in unknown] == [200] * 5 + [429]


def basic(username, password):
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_opds_accepts_basic_with_an_api_token(app, anonymous, member):
    token = bearer(app, member)["Authorization"].split()[1]
    assert anonymous.get("/opds", headers=basic("member1", token)).status_code == 200
    assert anonymous.get("/opds/new", headers=basic("MEMBER1", token)).status_code == 200
    refused = anonymous.get("/opds")
    assert refused.status_code == 401 and "Basic" in refused.headers["WWW-Authenticate"]
    # the password itself, another user's name, or a revoked token: no
    make_user(app, "khac", "member")
    with app.app_context():
        from library.auth.passwords import hash_password
        find_user("member1").password_hash = hash_password(PASSWORD)
        db.session.commit()
    assert anonymous.get("/opds", headers=basic("member1", PASSWORD)).status_code == 401
    assert anonymous.get("/opds", headers=basic("khac", token)).status_code == 401
    # only the OPDS side speaks Basic
    assert anonymous.get("/api/books", headers=basic("member1", token)).status_code == 401
    assert anonymous.get("/tai-khoan", headers=basic("member1", token)).status_code == 401
    with app.app_context():
        from library.auth.tokens import revoke
        revoke(find_user("member1").tokens[0])
        db.session.commit()
    assert anonymous.get("/opds", headers=basic("member1", token)).status_code == 401


def test_basic_reaches_the_book_file_linked_from_opds(app, anonymous, member, tmp_path):
    from library.ingest import import_file
    from tests.books import pdf_book

    with app.app_context():
        book_id = import_file(pdf_book(tmp_path / "a.pdf"), shelf="chi-bo-dien-tu").book_id
    token = bearer(app, member)["Authorization"].split()[1]
    response = anonymous.get(f"/sach/{book_id}/tep", headers=basic("member1", token))
    response.close()
    assert response.status_code == 200
    assert anonymous.get(f"/sach/{book_id}/tep", headers=basic("member1", "tsdt_sai")).status_code == 401


def test_deactivated_users_token_stops_working(app, admin_client):
    make_user(app, "dv", "member")
    headers = bearer(app, "dv")
    assert app.test_client().get("/api/books", headers=headers).status_code == 200
    with app.app_context():
        uid = find_user("dv").id
    admin_client.post(f"/quan-tri/nguoi-dung/{uid}/khoa",
                      data={"csrf_token": csrf_of(admin_client)})
    assert app.test_client().get("/api/books", headers=headers).status_code == 401
