"""OpenID Connect sign-in (Authlib) against a provider started here on a free port: the
app fetches discovery, keys and tokens from it over real HTTP."""
from __future__ import annotations

import re
import urllib.parse

import pytest
import requests
from sqlalchemy import select

from library import create_app
from library.instance import prepare
from library.audit import AuditEvent
from library.auth.accounts import create_user, find_user
from library.extensions import db
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def app(tmp_path, provider):
    _, issuer = provider
    app = prepare(create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'library.db'}",
        "BOOKS_DIR": str(tmp_path / "books"), "INDEX_DIR": str(tmp_path / "index"),
        "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_BRANCH_CLAIM": "branch", "OIDC_ROLE_GROUPS": "secretary=bi-thu;admin=quan-tri",
        "OIDC_LABEL": "Cổng định danh thử",
    }))
    yield app
    with app.app_context():
        db.engine.dispose()


def through_provider(client, provider_app, person: dict, next_: str = ""):
    """The browser's round trip: our button → the provider → back to our callback."""
    provider_app.config["PERSON"] = person
    page = client.get("/dang-nhap").get_data(as_text=True)
    assert "Cổng định danh thử" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    start = client.post("/dang-nhap/oidc", data={"csrf_token": token, "next": next_})
    assert start.status_code == 302, start.get_data(as_text=True)
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urllib.parse.urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_first_sign_in_creates_the_account_with_role_and_branch(app, provider):
    client = app.test_client()
    done = through_provider(client, provider[0], {
        "sub": "42", "preferred_username": "Pham.Van.D", "name": "Phạm Văn Đ",
        "branch": "CB-099", "groups": ["bi-thu", "khac"]}, next_="/tai-khoan")
    assert done.status_code == 302 and done.headers["Location"] == "/tai-khoan"
    assert client.get("/tai-khoan").status_code == 200
    with app.app_context():
        user = find_user("pham.van.d")
        assert (user.full_name, user.role, user.branch.code, user.auth_source) == (
            "Phạm Văn Đ", "secretary", "CB-099", "oidc")
        events = [(e.action, e.details.get("source")) for e in db.session.scalars(select(AuditEvent))]
    assert ("auth.login", "oidc") in events
    # Again, with another group: the role follows the provider.
    second = app.test_client()
    through_provider(second, provider[0], {"sub": "42", "preferred_username": "pham.van.d",
                                           "name": "Phạm Văn Đ", "branch": "CB-099", "groups": []})
    with app.app_context():
        assert find_user("pham.van.d").role == "member"


def test_a_local_account_with_a_password_is_not_taken_over(app, provider):
    with app.app_context():
        create_user("quantri", "admin", password="mat-khau-quan-tri-1")
        db.session.commit()
    client = app.test_client()
    refused = through_provider(client, provider[0], {"sub": "7", "preferred_username": "quantri",
                                                     "groups": ["quan-tri"]})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/dang-nhap")
    assert client.get("/tai-khoan").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "auth.login_failed")) == "auth.login_failed"


def test_a_forged_callback_is_refused(app, provider):
    client = app.test_client()
    client.get("/dang-nhap")
    forged = client.get("/dang-nhap/oidc/ve?code=abc&state=not-ours")
    assert forged.status_code == 302 and forged.headers["Location"].startswith("/dang-nhap")
    assert client.get("/tai-khoan").status_code == 302


def test_local_sign_in_still_works_beside_the_provider(app):
    with app.app_context():
        create_user("dangvien", "member", password="mat-khau-cuc-bo-1")
        db.session.commit()
    client = app.test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/dang-nhap", data={"username": "dangvien", "password": "mat-khau-cuc-bo-1",
                                            "csrf_token": token}).status_code == 302


def test_an_id_token_not_signed_by_the_provider_is_refused(app, provider):
    provider[0].config["FORGED"] = True
    try:
        client = app.test_client()
        refused = through_provider(client, provider[0], {"sub": "9", "preferred_username": "ke.gia.mao"})
    finally:
        provider[0].config["FORGED"] = False
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/dang-nhap")
    with app.app_context():
        assert find_user("ke.gia.mao") is None
