"""Accounts: sign-in, throttling, sessions, CSRF, API tokens, the users CLI, permissions."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, jsonify
from flask_login import current_user
from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader
from sqlalchemy import select

from library.auth import accounts, init_app, passwords
from library.auth.models import ADMIN, LIBRARIAN, MEMBER, ROLES, SECRETARY, ApiToken, Branch, User
from library.auth.permissions import (
    public, can_assign_to_branch, can_copy_reading_list, can_manage_accounts, can_manage_catalog,
    can_manage_reading_list, can_manage_reading_lists, can_receive_reading_lists, role_required,
)
from library.auth.views import safe_next
from library.extensions import db
from library.i18n import format_date, format_datetime, format_time, gettext

REPO = Path(__file__).resolve().parent.parent
BAD = "Tên đăng nhập hoặc mật khẩu không đúng"
PASSWORD = "mat-khau-dung-1"
# base.html belongs to another module; a stand-in with the same blocks keeps these tests apart.
BASE = ("<!doctype html><title>{% block title %}{% endblock %}</title>"
        "{% for m in get_flashed_messages() %}<p class=flash>{{ m }}</p>{% endfor %}"
        "{% block content %}{% endblock %}")


def make_app(tmp_path, **config) -> Flask:
    app = Flask(__name__, static_folder=str(tmp_path))
    app.jinja_loader = ChoiceLoader([DictLoader({"base.html": BASE}),
                                     FileSystemLoader(str(REPO / "templates"))])
    app.jinja_env.globals["_"] = gettext
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, time=format_time)
    app.config.update({"TESTING": True, "SECRET_KEY": "test-secret-key-0123456789-abcdefgh",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'auth.db'}", **config})
    db.init_app(app)
    init_app(app)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/sach")
    def private():
        return f"xin chào {current_user.username}"

    @app.get("/api/whoami")
    def whoami():
        return jsonify(username=current_user.username)

    @app.post("/api/echo")
    def echo():
        return jsonify(ok=True)

    @app.get("/gioi-thieu")
    @public
    def about():
        return "ai cũng xem được"

    @app.get("/thu-vien")
    @role_required(LIBRARIAN, ADMIN)
    def librarian_page():
        return "console"

    @app.post("/api/books")
    @role_required(LIBRARIAN, ADMIN)
    def api_upload():
        return jsonify(ok=True), 202

    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def add_user(app, username="an", role=MEMBER, password=PASSWORD, branch=None, **kw) -> int:
    with app.app_context():
        user = accounts.create_user(username, role, password=password, branch_code=branch, **kw)
        db.session.commit()
        return user.id


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def sign_in(client, username="an", password=PASSWORD, next_=None, **kw):
    page = client.get("/dang-nhap")
    data = {"username": username, "password": password, "csrf_token": csrf_from(page.text)}
    if next_ is not None:
        data["next"] = next_
    return client.post("/dang-nhap", data=data, **kw)


def page_token(client, path="/tai-khoan") -> str:
    return csrf_from(client.get(path).text)


def issue(app, username="an", name="script") -> str:
    from library.auth.tokens import issue_token

    with app.app_context():
        raw = issue_token(accounts.find_user(username), name)
        db.session.commit()
        return raw


# --- sign-in -----------------------------------------------------------------

def test_sign_in_and_out(app, client):
    add_user(app)
    response = sign_in(client, "  AN ")  # usernames are trimmed and lowercased
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/sach").text == "xin chào an"
    with app.app_context():
        assert db.session.get(User, 1).last_login_at is not None
    out = client.post("/dang-xuat", data={"csrf_token": page_token(client)})
    assert out.status_code == 302 and out.headers["Location"] == "/dang-nhap"
    assert client.get("/sach").status_code == 302


def test_unknown_user_and_wrong_password_look_the_same(app, client):
    add_user(app)
    add_user(app, "khongmatkhau", password=None)
    add_user(app, "bikhoa", password=PASSWORD)
    with app.app_context():
        accounts.find_user("bikhoa").active = False
        db.session.commit()
    answers = [sign_in(client, name, pw) for name, pw in [
        ("an", "sai-mat-khau"), ("khong-ai-ca", "sai-mat-khau"),
        ("khongmatkhau", "x" * 9), ("bikhoa", PASSWORD)]]
    for answer in answers:
        assert answer.status_code == 200 and BAD in answer.text
    assert client.get("/sach").status_code == 302


def test_unknown_user_pays_for_a_hash(app, client, monkeypatch):
    """The same argon2 work runs for an unknown user as for a wrong password."""
    add_user(app)
    calls = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def verify(self, *args):
            calls.append(args[0])
            return self.inner.verify(*args)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(passwords, "hasher", Counting(passwords.hasher))
    sign_in(client, "khong-ai-ca", "sai-mat-khau")
    sign_in(client, "an", "sai-mat-khau")
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_session_renewed_at_sign_in(app, client):
    add_user(app)
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    sign_in(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess


@pytest.mark.parametrize("target, expected", [
    ("/sach?trang=2", "/sach?trang=2"),
    ("//evil.example", None), ("https://evil.example/", None), ("/\\evil.example", None),
    ("/\t/evil.example", None), ("evil.example", None), ("javascript:alert(1)", None),
    ("", None), (None, None),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_next_honoured_only_for_local_paths(app, client):
    add_user(app)
    assert client.get("/sach").headers["Location"].startswith("/dang-nhap?next=")
    assert sign_in(client, next_="//evil.example").headers["Location"] == "/"
    client.post("/dang-xuat", data={"csrf_token": page_token(client)})
    page = client.get("/dang-nhap?next=//evil.example/x")
    response = client.post("/dang-nhap?next=//evil.example/x", data={
        "username": "an", "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"] == "/"
    client.post("/dang-xuat", data={"csrf_token": page_token(client)})
    assert sign_in(client, next_="/sach?trang=2").headers["Location"] == "/sach?trang=2"


# --- throttling --------------------------------------------------------------

def test_throttle_per_account_stops_before_hashing(app, client, monkeypatch):
    add_user(app)
    for _ in range(5):
        assert BAD in sign_in(client, "an", "sai").text

    def must_not_run(*args):
        raise AssertionError("the password was hashed despite the throttle")

    monkeypatch.setattr(passwords, "verify_password", must_not_run)
    blocked = sign_in(client, "an", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429 and "quá nhiều lần" in blocked.text
    assert client.get("/sach").status_code == 302


def test_throttle_per_ip(tmp_path):
    app = make_app(tmp_path, LOGIN_MAX_FAILURES_PER_IP=3)
    add_user(app)
    client = app.test_client()
    for name in ("mot", "hai", "ba"):
        sign_in(client, name, "sai")
    assert sign_in(client, "an", PASSWORD).status_code == 429
    other_ip = sign_in(client, "an", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 302
    with app.app_context():
        db.engine.dispose()


def test_good_sign_in_clears_the_account_count(app, client):
    add_user(app)
    for _ in range(4):
        sign_in(client, "an", "sai")
    assert sign_in(client, "an", PASSWORD).status_code == 302
    client.post("/dang-xuat", data={"csrf_token": page_token(client)})
    for _ in range(4):
        sign_in(client, "an", "sai")
    assert sign_in(client, "an", PASSWORD).status_code == 302


# --- sessions ------------------------------------------------------------------

def test_cookie_replayed_after_sign_out_is_refused(app, client):
    add_user(app)
    sign_in(client)
    stolen = client.get_cookie("session").value
    client.post("/dang-xuat", data={"csrf_token": page_token(client)})
    client.set_cookie("session", stolen)
    assert client.get("/sach").status_code == 302
    assert client.get("/api/whoami").status_code == 401


def test_password_change_signs_out_other_sessions(app):
    add_user(app)
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here)
    sign_in(elsewhere)
    response = here.post("/tai-khoan/mat-khau", data={
        "current_password": PASSWORD, "new_password": "mat-khau-moi-2",
        "confirm": "mat-khau-moi-2", "csrf_token": page_token(here)})
    assert response.status_code == 302
    assert here.get("/sach").status_code == 200  # this browser is signed back in
    assert elsewhere.get("/sach").status_code == 302
    assert BAD in sign_in(elsewhere, "an", PASSWORD).text
    assert sign_in(elsewhere, "an", "mat-khau-moi-2").status_code == 302


def test_wrong_current_password_is_refused(app, client):
    add_user(app)
    sign_in(client)
    response = client.post("/tai-khoan/mat-khau", data={
        "current_password": "sai", "new_password": "mat-khau-moi-2",
        "confirm": "mat-khau-moi-2", "csrf_token": page_token(client)})
    assert response.status_code == 400 and "Mật khẩu hiện tại không đúng" in response.text


def test_role_change_and_deactivation_end_sessions(app):
    uid = add_user(app)
    one, two = app.test_client(), app.test_client()
    sign_in(one)
    sign_in(two)
    with app.app_context():
        accounts.set_role(db.session.get(User, uid), LIBRARIAN)
        db.session.commit()
    assert one.get("/sach").status_code == 302
    sign_in(one)
    assert one.get("/thu-vien").status_code == 200
    with app.app_context():
        db.session.get(User, uid).active = False
        db.session.commit()
    assert one.get("/sach").status_code == 302


# --- CSRF and cookies --------------------------------------------------------

def test_cookie_posts_need_a_csrf_token(app, client):
    add_user(app)
    sign_in(client)
    refused_page = client.post("/dang-xuat")
    assert refused_page.status_code == 400 and "tải lại trang" in refused_page.text
    assert client.get("/sach").status_code == 200  # still signed in
    refused = client.post("/api/echo", json={})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    token = page_token(client)
    assert client.post("/api/echo", json={}, headers={"X-CSRFToken": token}).status_code == 200


def test_overlong_input_is_a_form_error(app, client):
    response = sign_in(client, "an", "x" * 300)
    assert response.status_code == 200 and "Tối đa 256 ký tự." in response.text


def test_sign_in_form_needs_a_csrf_token(app, client):
    add_user(app)
    response = client.post("/dang-nhap", data={"username": "an", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/sach").status_code == 302


def test_cookie_flags(app, client):
    add_user(app)
    sign_in(client)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    secure = app.test_client()
    secure.get("/dang-nhap", base_url="https://localhost")
    assert secure.get_cookie("session").secure


def test_production_refuses_a_weak_secret(tmp_path):
    with pytest.raises(RuntimeError, match="LIBRARY_SECRET_KEY"):
        make_app(tmp_path, ENV_PRODUCTION=True, SECRET_KEY="dev")
    with pytest.raises(RuntimeError):
        make_app(tmp_path, ENV_PRODUCTION=True, SECRET_KEY="a" * 40)


# --- open and closed routes --------------------------------------------------

def test_only_healthz_and_sign_in_are_open(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/dang-nhap").status_code == 200
    assert client.get("/gioi-thieu").status_code == 200  # marked @public
    assert client.get("/tai-khoan").status_code == 302
    api = client.get("/api/whoami")
    assert api.status_code == 401 and "error" in api.get_json()
    assert client.post("/api/echo", json={}).status_code == 401
    assert client.get("/khong-co-trang-nay").status_code == 302  # no leak of what exists


def test_role_required(app, client):
    add_user(app, "an", MEMBER)
    add_user(app, "thuthu", LIBRARIAN)
    sign_in(client, "an")
    assert client.get("/thu-vien").status_code == 403
    refused = client.post("/api/books", headers={"X-CSRFToken": page_token(client)})
    assert refused.status_code == 403 and refused.get_json()["error"]
    member_token = issue(app, "an")
    assert app.test_client().post("/api/books", headers={
        "Authorization": f"Bearer {member_token}"}).status_code == 403
    librarian_token = issue(app, "thuthu")
    assert app.test_client().post("/api/books", headers={
        "Authorization": f"Bearer {librarian_token}"}).status_code == 202


# --- API tokens --------------------------------------------------------------

def test_bearer_token_authenticates_and_revocation_ends_it(app):
    add_user(app)
    raw = issue(app)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/whoami", headers=auth).get_json() == {"username": "an"}
    assert client.get("/sach", headers=auth).status_code == 200
    # Not cookie-authenticated: no CSRF token needed, and no cookie is handed out.
    assert client.post("/api/echo", json={}, headers=auth).status_code == 200
    assert client.get_cookie("session") is None
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash != raw and raw not in token.token_hash
        assert token.last_used_at is not None
        from library.auth.tokens import revoke
        revoke(token)
        db.session.commit()
    refused = client.get("/api/whoami", headers=auth)
    assert refused.status_code == 401 and refused.get_json()["error"]
    assert client.get("/sach", headers=auth).status_code == 401
    wrong = {"Authorization": "Bearer tsdt_khong-phai-token"}
    assert client.get("/api/whoami", headers=wrong).status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_cookie(app, client):
    add_user(app)
    sign_in(client)
    bad = {"Authorization": "Bearer tsdt_khong-phai-token"}
    assert client.get("/api/whoami", headers=bad).status_code == 401


def test_token_of_a_deactivated_user_is_refused(app):
    uid = add_user(app)
    raw = issue(app)
    with app.app_context():
        db.session.get(User, uid).active = False
        db.session.commit()
    response = app.test_client().get("/api/whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_profile_creates_a_token_shown_once(app, client):
    add_user(app)
    sign_in(client)
    created = client.post("/tai-khoan/token", data={"name": "Ứng dụng đọc sách",
                                                    "csrf_token": page_token(client)})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    raw = re.search(r"tsdt_[A-Za-z0-9_-]+", created.text).group(0)
    later = client.get("/tai-khoan").text
    assert raw not in later and "Ứng dụng đọc sách" in later
    fresh = app.test_client()
    assert fresh.get("/api/whoami", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    # A token cannot manage tokens: a leaked one cannot mint more.
    assert fresh.post("/tai-khoan/token", data={"name": "x"},
                      headers={"Authorization": f"Bearer {raw}"}).status_code == 403


def test_user_cannot_revoke_anothers_token(app):
    add_user(app, "an")
    add_user(app, "binh")
    raw = issue(app, "an", name="may-cua-an")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    binh = app.test_client()
    sign_in(binh, "binh")
    assert "may-cua-an" not in binh.get("/tai-khoan").text
    response = binh.post(f"/tai-khoan/token/{token_id}/thu-hoi",
                         data={"csrf_token": page_token(binh)})
    assert response.status_code == 404
    assert binh.post("/tai-khoan/token/9999/thu-hoi",
                     data={"csrf_token": page_token(binh)}).status_code == 404
    headers = {"Authorization": f"Bearer {raw}"}
    assert app.test_client().get("/api/whoami", headers=headers).status_code == 200
    an = app.test_client()
    sign_in(an, "an")
    assert an.post(f"/tai-khoan/token/{token_id}/thu-hoi",
                   data={"csrf_token": page_token(an)}).status_code == 302
    assert app.test_client().get("/api/whoami", headers=headers).status_code == 401


# --- CLI -----------------------------------------------------------------------

def test_cli_users_create_and_token(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "Thu.Thu", "--role", "librarian",
                                 "--branch", "CB-017", "--full-name", "Nguyễn Văn A",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = accounts.find_user("thu.thu")
        assert user.role == LIBRARIAN and user.branch.code == "CB-017"
        assert user.password_hash.startswith("$argon2id$")
    assert sign_in(app.test_client(), "thu.thu", PASSWORD).status_code == 302

    again = runner.invoke(args=["users", "create", "thu.thu", "--role", "member"])
    assert again.exit_code == 1 and "đã tồn tại" in again.output

    result = runner.invoke(args=["users", "token", "thu.thu", "--name", "nhap-sach"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith("tsdt_") and " " not in raw
    response = app.test_client().get("/api/whoami", headers={"Authorization": f"Bearer {raw}"})
    assert response.get_json() == {"username": "thu.thu"}


def test_cli_user_without_password_and_existing_branch(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["users", "create", "a1", "--role", "member", "--branch", "CB1"])
    second = runner.invoke(args=["users", "create", "a2", "--role", "secretary", "--branch", "CB1"])
    assert first.exit_code == 0 and second.exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(select(Branch)).all()) == 1
        assert accounts.find_user("a1").password_hash is None
    assert BAD in sign_in(app.test_client(), "a1", "bat-ky-mat-khau").text


@pytest.mark.parametrize("args, message", [
    (["users", "create", "x", "--role", "secretary"], "chi bộ"),
    (["users", "create", "có dấu", "--role", "member"], "không hợp lệ"),
    (["users", "token", "khong-ai-ca"], "Không có người dùng"),
])
def test_cli_refusals(app, args, message):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1 and message in result.output


def test_cli_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "b", "--role", "member", "--password-stdin"], input="ngan\n")
    assert result.exit_code == 1 and "ít nhất" in result.output
    with app.app_context():
        assert accounts.find_user("b") is None


# --- predicates, without HTTP ------------------------------------------------

class Person:
    is_authenticated = True

    def __init__(self, role, branch_id=None):
        self.role, self.branch_id = role, branch_id


class Anonymous:
    is_authenticated = False


@pytest.mark.parametrize("role, catalog, lists, accounts_", [
    (MEMBER, False, False, False),
    (LIBRARIAN, True, True, False),
    (SECRETARY, False, True, False),
    (ADMIN, True, True, True),
])
def test_predicates(role, catalog, lists, accounts_):
    user = Person(role, branch_id=1)
    assert can_manage_catalog(user) is catalog
    assert can_manage_reading_lists(user) is lists
    assert can_manage_accounts(user) is accounts_


def test_branch_assignment_rules():
    assert can_assign_to_branch(Person(SECRETARY, 1), 1)
    assert not can_assign_to_branch(Person(SECRETARY, 1), 2)
    assert not can_assign_to_branch(Person(SECRETARY, None), None)
    assert can_assign_to_branch(Person(LIBRARIAN), 2) and can_assign_to_branch(Person(ADMIN), 2)
    assert not can_assign_to_branch(Person(MEMBER, 1), 1)
    for predicate in (can_manage_catalog, can_manage_reading_lists, can_manage_accounts):
        assert not predicate(Anonymous()) and not predicate(None)
    assert not can_assign_to_branch(Anonymous(), 1)


class AList:
    def __init__(self, branch_id):
        self.branch_id = branch_id


def test_reading_list_rules():
    """A branch's list is its secretary's (and staff's); an organisation-wide one only staff's,
    though a secretary may copy it; another branch's list is invisible to a secretary."""
    secretary, librarian, member = Person(SECRETARY, 1), Person(LIBRARIAN), Person(MEMBER, 1)
    own, other, organisation = AList(1), AList(2), AList(None)
    assert can_manage_reading_list(secretary, own) and not can_manage_reading_list(secretary, other)
    assert not can_manage_reading_list(secretary, organisation)
    assert all(can_manage_reading_list(librarian, x) for x in (own, other, organisation))
    assert not any(can_manage_reading_list(member, x) for x in (own, other, organisation))
    assert can_copy_reading_list(secretary, organisation) and can_copy_reading_list(secretary, own)
    assert not can_copy_reading_list(secretary, other) and can_copy_reading_list(librarian, other)
    assert not can_copy_reading_list(Anonymous(), organisation)
    assert can_receive_reading_lists(member) and can_receive_reading_lists(secretary)
    assert not can_receive_reading_lists(librarian) and not can_receive_reading_lists(Anonymous())


def test_role_required_rejects_unknown_roles():
    with pytest.raises(ValueError):
        role_required("superuser")
    assert set(ROLES) == {MEMBER, LIBRARIAN, SECRETARY, ADMIN}
