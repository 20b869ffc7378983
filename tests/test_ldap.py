"""LDAP sign-in against a real OpenLDAP (Debian's slapd), started here in a temporary folder
on a free port with a generated configuration: group → role, attribute → branch, the
first sign-in creates the account, local accounts keep working."""
from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from library import create_app
from library.instance import prepare
from library.audit import AuditEvent
from library.auth.accounts import create_user, find_user
from library.extensions import db
from tests import servers

BASE = "dc=tusach,dc=vn"
pytestmark = pytest.mark.slow


def person(uid: str, name: str, password: str, branch: str | None) -> str:
    encoded = base64.b64encode(name.encode()).decode()
    lines = [f"dn: uid={uid},ou=people,{BASE}", "objectClass: inetOrgPerson", f"uid: {uid}",
             f"cn:: {encoded}", f"sn: {uid}", f"userPassword: {password}"]
    if branch:
        lines.append(f"departmentNumber: {branch}")
    return "\n".join(lines) + "\n"


def group(cn: str, *members: str) -> str:
    lines = [f"dn: cn={cn},ou=groups,{BASE}", "objectClass: groupOfNames", f"cn: {cn}"]
    lines += [f"member: uid={m},ou=people,{BASE}" for m in members]
    return "\n".join(lines) + "\n"


DIRECTORY = "\n".join([
    f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: tusach\no: Tu sach\n",
    f"dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people\n",
    f"dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups\n",
    person("nguyenvana", "Nguyễn Văn A", "mat-khau-thu-muc-1", "CB-017"),
    person("tranthib", "Trần Thị B", "mat-khau-thu-muc-2", "CB-017"),
    person("lethic", "Lê Thị C", "mat-khau-thu-muc-3", None),
    person("trungten", "Tên Trùng", "mat-khau-cua-thu-muc", "CB-017"),
    group("bithu", "nguyenvana"),
    group("quantri", "lethic"),
])


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    with servers.slapd(tmp_path_factory.mktemp("ldap"), DIRECTORY) as url:
        yield url


@pytest.fixture
def app(tmp_path, directory):
    app = prepare(create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'library.db'}",
        "BOOKS_DIR": str(tmp_path / "books"), "INDEX_DIR": str(tmp_path / "index"),
        "LDAP_URL": directory, "LDAP_USER_BASE": f"ou=people,{BASE}",
        "LDAP_GROUP_BASE": f"ou=groups,{BASE}", "LDAP_BRANCH_ATTRIBUTE": "departmentNumber",
        "LDAP_ROLE_GROUPS": f"secretary=cn=bithu,ou=groups,{BASE}; admin=cn=quantri, ou=groups, {BASE}",
    }))
    yield app
    with app.app_context():
        db.engine.dispose()


def sign_in(client, username, password):
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/dang-nhap", data={"username": username, "password": password, "csrf_token": token})


def test_first_directory_sign_in_creates_the_account(app):
    client = app.test_client()
    assert sign_in(client, "nguyenvana", "mat-khau-thu-muc-1").status_code == 302
    assert client.get("/tai-khoan").status_code == 200
    with app.app_context():
        user = find_user("nguyenvana")
        assert (user.full_name, user.role, user.branch.code, user.auth_source, user.password_hash) == (
            "Nguyễn Văn A", "secretary", "CB-017", "ldap", None)
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["user.create", "auth.login"]
    # The secretary role from the directory group opens the branch's page.
    assert client.get("/chi-bo/CB-017/thanh-vien").status_code == 200


def test_roles_from_groups_and_a_plain_member(app):
    assert sign_in(app.test_client(), "lethic", "mat-khau-thu-muc-3").status_code == 302
    assert sign_in(app.test_client(), "tranthib", "mat-khau-thu-muc-2").status_code == 302
    with app.app_context():
        assert find_user("lethic").role == "admin" and find_user("lethic").branch is None
        assert find_user("tranthib").role == "member"


def test_wrong_password_empty_password_and_unknown_names_are_refused(app):
    client = app.test_client()
    for username, password in [("nguyenvana", "sai-mat-khau"), ("khongco", "mat-khau-thu-muc-1"),
                               ("*", "mat-khau-thu-muc-1"),
                               ("nguyenvana)(uid=*", "mat-khau-thu-muc-1")]:
        response = sign_in(client, username, password)
        assert response.status_code == 200, username
        assert "không đúng" in response.get_data(as_text=True)
    # A blank password never reaches the directory (there it would be an anonymous bind).
    assert sign_in(client, "nguyenvana", " ").status_code == 200
    assert client.get("/tai-khoan").status_code == 302
    with app.app_context():
        assert find_user("nguyenvana") is None


def test_local_accounts_keep_working_and_win_over_the_directory(app):
    with app.app_context():
        create_user("thuthu", "librarian", password="mat-khau-cuc-bo-1")
        create_user("trungten", "member", password="mat-khau-cuc-bo-2")
        db.session.commit()
    assert sign_in(app.test_client(), "thuthu", "mat-khau-cuc-bo-1").status_code == 302
    # Same name in the directory: the local password counts, the directory's does not.
    assert sign_in(app.test_client(), "trungten", "mat-khau-cua-thu-muc").status_code == 200
    assert sign_in(app.test_client(), "trungten", "mat-khau-cuc-bo-2").status_code == 302


def test_an_imported_member_without_password_signs_in_through_the_directory(app):
    with app.app_context():
        create_user("tranthib", "member", branch_code="CB-001", full_name="Trần Thị B")
        db.session.commit()
    assert sign_in(app.test_client(), "tranthib", "mat-khau-thu-muc-2").status_code == 302
    with app.app_context():
        user = find_user("tranthib")
        assert user.auth_source == "ldap" and user.branch.code == "CB-017"


def test_directory_down_is_said_and_local_accounts_still_work(app):
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{servers.free_port()}"
    app.config["LDAP_TIMEOUT"] = "2"
    with app.app_context():
        create_user("thuthu", "librarian", password="mat-khau-cuc-bo-1")
        db.session.commit()
    response = sign_in(app.test_client(), "nguyenvana", "mat-khau-thu-muc-1")
    assert response.status_code == 200 and "LDAP" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "thuthu", "mat-khau-cuc-bo-1").status_code == 302
