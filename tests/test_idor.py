"""IDOR: a user changing ids in URLs or bodies reaches nobody else's profile, tokens,
bookmarks or positions; role and branch sent to the profile forms are ignored."""
from __future__ import annotations

import re

from library.auth.accounts import find_user
from library.extensions import db
from tests.conftest import bearer, make_user, sign_in

PASSWORD = "mat-khau-rat-dai-1"


def csrf_of(client):
    return re.search(r'name="csrf-token" content="([^"]+)"',
                     client.get("/tai-khoan").get_data(as_text=True)).group(1)


def tokens_of(app, username):
    with app.app_context():
        return [(t.id, t.name, t.revoked) for t in find_user(username).tokens]


def test_profile_shows_only_ones_own_tokens(app):
    make_user(app, "a", "member")
    make_user(app, "b", "member")
    bearer(app, "b")  # a token named "test" for b
    page = sign_in(app.test_client(), app, "a").get("/tai-khoan?user_id=2&username=b")
    text = page.get_data(as_text=True)
    assert "<dd>a</dd>" in text and "<dd>b</dd>" not in text
    assert "Bạn chưa có token nào." in text


def test_user_cannot_revoke_anothers_token_by_id(app):
    make_user(app, "a", "member")
    make_user(app, "b", "member")
    bearer(app, "b")
    (b_token, _, _), = tokens_of(app, "b")
    a = sign_in(app.test_client(), app, "a")
    response = a.post(f"/tai-khoan/token/{b_token}/thu-hoi", data={"csrf_token": csrf_of(a)})
    assert response.status_code == 404
    assert a.post("/tai-khoan/token/999999/thu-hoi", data={"csrf_token": csrf_of(a)}).status_code == 404
    assert tokens_of(app, "b")[0][2] is False


def test_token_created_with_anothers_id_in_the_body_is_ones_own(app):
    make_user(app, "a", "member")
    b_id = make_user(app, "b", "member")
    a = sign_in(app.test_client(), app, "a")
    response = a.post("/tai-khoan/token", data={"csrf_token": csrf_of(a), "name": "may doc",
                                                "user_id": b_id, "username": "b"})
    assert response.status_code == 201
    assert [name for _, name, _ in tokens_of(app, "a")] == ["may doc"]
    assert tokens_of(app, "b") == []


def test_profile_forms_ignore_role_and_branch(app):
    make_user(app, "a", "member", "cb01", password=PASSWORD)
    a = sign_in(app.test_client(), app, "a")
    a.post("/tai-khoan/token", data={"csrf_token": csrf_of(a), "name": "x", "role": "admin",
                                     "branch": "cb99", "branch_id": 99, "active": "1"})
    a.post("/tai-khoan/mat-khau", data={
        "csrf_token": csrf_of(a), "current_password": PASSWORD, "new_password": PASSWORD + "2",
        "confirm": PASSWORD + "2", "role": "admin", "branch_code": "cb99", "username": "root"})
    with app.app_context():
        user = find_user("a")
        assert (user.role, user.branch.code, user.username) == ("member", "cb01", "a")
    assert a.get("/quan-tri/").status_code == 403


def test_bookmarks_and_positions_are_per_user(app, tmp_path):
    from library.ingest import import_file
    from tests.books import pdf_book

    with app.app_context():
        book = import_file(pdf_book(tmp_path / "a.pdf"), shelf="chi-bo-dien-tu").book_id
    make_user(app, "a", "member")
    make_user(app, "b", "member")
    a, b = bearer(app, "a"), bearer(app, "b")
    client = app.test_client()
    mark = client.post(f"/api/books/{book}/bookmarks", headers=b, json={"position": 2})
    assert mark.status_code == 201
    b_mark = mark.get_json()["id"]
    assert client.put(f"/api/books/{book}/position", headers=b, json={"position": 2}).status_code == 200
    # a sees none of b's, cannot delete b's by id, and a user_id in a's body changes nothing
    assert client.get(f"/api/books/{book}/bookmarks", headers=a).get_json() != \
        client.get(f"/api/books/{book}/bookmarks", headers=b).get_json()
    assert client.delete(f"/api/bookmarks/{b_mark}", headers=a).status_code == 404
    client.put(f"/api/books/{book}/position", headers=a, json={"position": 1, "user_id": 2,
                                                                 "username": "b"})
    assert client.get(f"/api/books/{book}/position", headers=b).get_json() != \
        client.get(f"/api/books/{book}/position", headers=a).get_json()
    assert b_mark in [m["id"] for m in client.get(f"/api/books/{book}/bookmarks", headers=b)
                      .get_json()["bookmarks"]]


def test_non_admins_cannot_reach_accounts_by_id(app, librarian_client, secretary_client, client):
    target = make_user(app, "b", "member")
    for someone in (client, secretary_client, librarian_client):
        assert someone.get(f"/quan-tri/nguoi-dung/{target}").status_code == 403
        assert someone.get("/quan-tri/nhat-ky").status_code == 403
