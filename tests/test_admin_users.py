"""Admin pages for users, branches and the audit log, through the full app and a real SQLite file."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from library.audit import AuditEvent
from library.auth.accounts import create_user, find_user
from library.auth.models import Branch, User
from library.extensions import db
from tests.conftest import make_user, sign_in

PASSWORD = "mat-khau-rat-dai-1"


def csrf(client, path="/quan-tri/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def post(client, path, data=None, **kwargs):
    return client.post(path, data={"csrf_token": csrf(client), **(data or {})}, **kwargs)


def events(app, action=None):
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return [(e.actor_name, e.action, e.target_label, e.details) for e in db.session.scalars(stmt)]


def user_row(app, username):
    with app.app_context():
        user = find_user(username)
        return None if user is None else {
            "id": user.id, "role": user.role, "full_name": user.full_name, "active": user.active,
            "branch": user.branch.code if user.branch else None, "version": user.session_version,
            "has_password": user.has_password}


@pytest.fixture
def people(app):
    """A few members with Vietnamese names in two branches."""
    with app.app_context():
        for username, name, branch, role in [
            ("an.nguyen", "Nguyễn Văn An", "cb01", "member"),
            ("binh.tran", "Trần Thị Bình", "cb01", "secretary"),
            ("dung.le", "Lê Đức Dũng", "cb02", "member"),
            ("thuthu", "Phạm Thư", "cb02", "librarian"),
        ]:
            create_user(username, role, branch_code=branch, full_name=name)
        db.session.commit()


def listed(response) -> list[str]:
    return re.findall(r'<a href="/quan-tri/nguoi-dung/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_search_folds_diacritics_and_filters(admin_client, people):
    assert listed(admin_client.get("/quan-tri/nguoi-dung?q=nguyen van")) == ["an.nguyen"]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?q=Đức")) == ["dung.le"]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?q=duc dung")) == ["dung.le"]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?q=%25")) == []  # a LIKE wildcard is literal
    assert listed(admin_client.get("/quan-tri/nguoi-dung?role=secretary")) == ["binh.tran"]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?branch=cb02")) == ["dung.le", "thuthu"]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?branch=cb01&role=member")) == ["an.nguyen"]


def test_list_is_paginated(app, admin_client):
    with app.app_context():
        for n in range(120):
            create_user(f"dv{n:03d}", "member", branch_code="cb09")
        db.session.commit()
    first = admin_client.get("/quan-tri/nguoi-dung?branch=cb09")
    assert len(listed(first)) == 50 and "1 / 3" in first.get_data(as_text=True)
    third = admin_client.get("/quan-tri/nguoi-dung?branch=cb09&page=3")
    assert listed(third) == [f"dv{n:03d}" for n in range(100, 120)]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?branch=cb09&page=99")) == []


def test_active_filter_and_badges(app, admin_client, people):
    target = user_row(app, "dung.le")["id"]
    assert post(admin_client, f"/quan-tri/nguoi-dung/{target}/khoa").status_code == 302
    assert listed(admin_client.get("/quan-tri/nguoi-dung?active=0")) == ["dung.le"]
    assert "dung.le" not in listed(admin_client.get("/quan-tri/nguoi-dung?active=1"))
    page = admin_client.get("/quan-tri/nguoi-dung?q=dung").get_data(as_text=True)
    assert "Đã khoá" in page and "chưa đặt mật khẩu" in page


def test_create_user_with_and_without_password(app, admin_client):
    assert post(admin_client, "/quan-tri/chi-bo", {"code": "CB-01", "name": "Chi bộ 1"}).status_code == 302
    made = post(admin_client, "/quan-tri/nguoi-dung/moi", {
        "username": "Hoa.Le", "full_name": "Lê Thị Hoa", "role": "secretary",
        "branch_code": "CB-01", "password": PASSWORD})
    assert made.status_code == 302
    assert user_row(app, "hoa.le") | {"id": 0, "version": 0} == {
        "id": 0, "role": "secretary", "full_name": "Lê Thị Hoa", "active": True, "branch": "CB-01",
        "version": 0, "has_password": True}
    with app.app_context():
        from library.auth import accounts
        assert accounts.authenticate("hoa.le", PASSWORD, "127.0.0.1").username == "hoa.le"
    no_password = post(admin_client, "/quan-tri/nguoi-dung/moi",
                       {"username": "khong.mk", "role": "member", "branch_code": "CB-01"})
    assert no_password.status_code == 302 and user_row(app, "khong.mk")["has_password"] is False
    assert [e[1:3] for e in events(app, "user.create")] == [("user.create", "hoa.le"),
                                                             ("user.create", "khong.mk")]


@pytest.mark.parametrize("form, message", [
    ({"username": "Người Dùng", "role": "member"}, "Tên đăng nhập không hợp lệ"),
    ({"username": "quantri1", "role": "member"}, "Tên đăng nhập đã tồn tại"),
    ({"username": "moi1", "role": "member", "branch_code": "KHONG-CO"}, "Không có chi bộ mã KHONG-CO"),
    ({"username": "moi2", "role": "secretary"}, "Bí thư chi bộ phải thuộc một chi bộ"),
    ({"username": "moi3", "role": "member", "password": "ngan"}, "ít nhất 8 ký tự"),
    ({"username": "moi4", "role": "superuser"}, "Lựa chọn không hợp lệ"),  # WTForms' own, in Vietnamese
])
def test_create_user_refusals(app, admin_client, form, message):
    response = post(admin_client, "/quan-tri/nguoi-dung/moi", form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert events(app, "user.create") == []


def test_edit_changes_only_the_forms_fields(app, admin_client, people):
    target = user_row(app, "an.nguyen")
    response = post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}", {
        "full_name": "Nguyễn Văn Ân", "role": "member", "branch_code": "cb02",
        # not fields of the form: must be ignored
        "username": "root", "active": "0", "password_hash": "x", "session_version": "99",
        "id": "1"})
    assert response.status_code == 302
    after = user_row(app, "an.nguyen")
    assert after == {**target, "full_name": "Nguyễn Văn Ân", "branch": "cb02"}
    assert find_user_named(app, "root") is None
    assert [e[1] for e in events(app)] == ["user.branch", "user.edit"]
    assert listed(admin_client.get("/quan-tri/nguoi-dung?q=nguyen van an")) == ["an.nguyen"]


def find_user_named(app, username):
    with app.app_context():
        return find_user(username)


def test_role_change_ends_the_users_sessions(app, admin_client, people):
    target = user_row(app, "dung.le")
    victim = sign_in(app.test_client(), app, "dung.le")
    assert victim.get("/tai-khoan").status_code == 200
    post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}",
         {"full_name": "Lê Đức Dũng", "role": "librarian", "branch_code": "cb02"})
    after = user_row(app, "dung.le")
    assert after["role"] == "librarian" and after["version"] == target["version"] + 1
    assert victim.get("/tai-khoan").status_code == 302  # the old cookie no longer signs in
    assert events(app, "user.role")[0][3] == {"old": "member", "new": "librarian"}


def test_admin_cannot_demote_or_lock_themself(app, admin_client):
    me = user_row(app, "quantri1")
    demote = post(admin_client, f"/quan-tri/nguoi-dung/{me['id']}",
                  {"full_name": "", "role": "member", "branch_code": "cb01"})
    assert demote.status_code == 400 and "tự đổi vai trò" in demote.get_data(as_text=True)
    lock = post(admin_client, f"/quan-tri/nguoi-dung/{me['id']}/khoa")
    assert lock.status_code == 400 and user_row(app, "quantri1")["active"] is True
    assert events(app) == []


def test_deactivate_and_reactivate(app, admin_client, people):
    target = user_row(app, "an.nguyen")
    victim = sign_in(app.test_client(), app, "an.nguyen")
    post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}/khoa")
    assert user_row(app, "an.nguyen")["active"] is False
    assert victim.get("/tai-khoan").status_code == 302
    post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}/mo-khoa")
    assert user_row(app, "an.nguyen")["active"] is True
    assert [e[1] for e in events(app)] == ["user.deactivate", "user.reactivate"]


def test_password_reset_generated_shown_once_and_works(app, admin_client, people):
    target = user_row(app, "an.nguyen")
    victim = sign_in(app.test_client(), app, "an.nguyen")
    response = post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}/mat-khau")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    generated = re.search(r'one-time-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", generated)
    assert generated not in admin_client.get(f"/quan-tri/nguoi-dung/{target['id']}").get_data(as_text=True)
    assert victim.get("/tai-khoan").status_code == 302  # sessions ended
    with app.app_context():
        from library.auth import accounts
        assert accounts.authenticate("an.nguyen", generated, "127.0.0.1").username == "an.nguyen"
    assert events(app, "user.password_reset")[0][3] == {"how": "generated"}
    assert generated not in str(events(app))


def test_password_reset_with_a_given_password(app, admin_client, people):
    target = user_row(app, "an.nguyen")
    assert post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}/mat-khau",
                {"password": "ngan"}).status_code == 400
    assert post(admin_client, f"/quan-tri/nguoi-dung/{target['id']}/mat-khau",
                {"password": PASSWORD}).status_code == 302
    with app.app_context():
        from library.auth import accounts
        assert accounts.authenticate("an.nguyen", PASSWORD, "127.0.0.1")


def test_admin_resetting_own_password_stays_signed_in(app, admin_client):
    me = user_row(app, "quantri1")
    post(admin_client, f"/quan-tri/nguoi-dung/{me['id']}/mat-khau", {"password": PASSWORD})
    assert admin_client.get("/quan-tri/").status_code == 200


def test_branches_list_counts_create_and_rename(app, admin_client, people):
    page = admin_client.get("/quan-tri/chi-bo").get_data(as_text=True)
    rows = re.findall(r'>(cb0\d)</a></td>\s*<td>[^<]*</td>\s*<td class="num"><a [^>]+>(\d+)</a>', page)
    assert rows == [("cb01", "3"), ("cb02", "2")]  # quantri1 is in cb01 too
    assert post(admin_client, "/quan-tri/chi-bo", {"code": "CB-Hà", "name": "x"}).status_code == 400
    assert post(admin_client, "/quan-tri/chi-bo", {"code": "cb01", "name": "x"}).status_code == 400
    assert post(admin_client, "/quan-tri/chi-bo", {"code": "CB-03", "name": "Chi bộ Văn phòng"}).status_code == 302
    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "cb02"))
    clash = post(admin_client, f"/quan-tri/chi-bo/{branch_id}", {"code": "CB-03", "name": "y"})
    assert clash.status_code == 400 and "đã tồn tại" in clash.get_data(as_text=True)
    renamed = post(admin_client, f"/quan-tri/chi-bo/{branch_id}",
                   {"code": "CB-02", "name": "Chi bộ Kỹ thuật"})
    assert renamed.status_code == 302 and user_row(app, "dung.le")["branch"] == "CB-02"
    assert "Chi bộ Kỹ thuật" in admin_client.get("/quan-tri/chi-bo?q=ky thuat").get_data(as_text=True)
    assert [e[1:3] for e in events(app)] == [("branch.create", "CB-03"), ("branch.edit", "CB-02")]
    assert events(app, "branch.edit")[0][3] == {"code": ["cb02", "CB-02"],
                                                "name": ["cb02", "Chi bộ Kỹ thuật"]}


def test_audit_log_filters(app, admin_client, people):
    target = user_row(app, "an.nguyen")["id"]
    post(admin_client, f"/quan-tri/nguoi-dung/{target}/khoa")
    post(admin_client, "/quan-tri/chi-bo", {"code": "CB-07", "name": "Bảy"})
    with app.app_context():
        from library import audit
        audit.record("book.upload", "book", 5, "Sổ tay đảng viên", actor=find_user("thuthu"))
        db.session.commit()

    def shown(query):
        page = admin_client.get("/quan-tri/nhat-ky" + query).get_data(as_text=True)
        return re.findall(r'class="action" data-action="([a-z._]+)"', page)

    assert shown("") == ["book.upload", "branch.create", "user.deactivate"]  # newest first
    assert shown("?actor=thuthu") == ["book.upload"]
    assert shown("?action=branch.create") == ["branch.create"]
    assert shown(f"?target=user:{target}") == ["user.deactivate"]
    assert shown("?target=Sổ tay") == ["book.upload"]
    assert shown("?target=sổ TAY") == ["book.upload"]  # case ignored on SQLite and PostgreSQL alike
    assert shown("?target=user:99999999999999999999") == []  # past 64 bits: nothing, not a 500
    assert shown("?since=2000-01-01&until=2000-12-31") == []
    assert shown("?since=not-a-date") == ["book.upload", "branch.create", "user.deactivate"]


def test_header_link_only_for_admins(admin_client, client):
    assert 'href="/quan-tri/"' in admin_client.get("/").get_data(as_text=True)
    assert 'href="/quan-tri/"' not in client.get("/").get_data(as_text=True)


def test_admin_pages_refuse_api_tokens(app, admin_client):
    from tests.conftest import bearer

    headers = bearer(app, "quantri1")
    assert app.test_client().get("/quan-tri/nguoi-dung", headers=headers).status_code == 403
    assert app.test_client().post("/quan-tri/chi-bo", headers=headers,
                                  data={"code": "X1", "name": "x"}).status_code == 403


def test_admin_pages_in_english(admin_client):
    admin_client.set_cookie("lang", "en")
    page = admin_client.get("/quan-tri/").get_data(as_text=True)
    assert "Administration" in page and "Users" in page
