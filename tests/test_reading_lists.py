"""Reading lists through the JSON API: creation, validation, and branch scoping with two
branches (a secretary must not cross into the other one by URL, form field or API)."""
from __future__ import annotations

import pytest

from tests.conftest import bearer, make_user, sign_in
from tests.test_reading_list_data import add_book, see


@pytest.fixture
def world(app):
    """Two branches, each with a secretary and two members; a PDF and an EPUB."""
    for username, role, branch in [
        ("bithu.a", "secretary", "CB-A"), ("dv.a1", "member", "CB-A"), ("dv.a2", "member", "CB-A"),
        ("bithu.b", "secretary", "CB-B"), ("dv.b1", "member", "CB-B"), ("dv.b2", "member", "CB-B"),
        ("thuvien", "librarian", None),
    ]:
        make_user(app, username, role, branch)
    return {
        "pdf": add_book(app, "Nghị quyết Trung ương 4", "pdf", 20),
        "epub": add_book(app, "Chuyên đề học tập 2026", "epub", 4),
        "a": bearer(app, "bithu.a"), "b": bearer(app, "bithu.b"),
        "lib": bearer(app, "thuvien"),
        "a1": bearer(app, "dv.a1"), "b1": bearer(app, "dv.b1"),
    }


def create(client, headers, **overrides):
    body = {"title": "Học tập Nghị quyết", "due": "2026-12-31",
            "items": [{"book_id": overrides.pop("book_id")}], "assign": {"branch": "CB-A"}}
    body.update(overrides)
    return client.post("/api/reading-lists", json=body, headers=headers)


def test_secretary_creates_and_assigns_own_branch(app, world):
    client = app.test_client()
    response = create(client, world["a"], book_id=world["pdf"],
                      items=[{"book_id": world["pdf"], "pages": [3, 10]},
                             {"book_id": world["epub"], "chapters": [1, 3]}])
    assert response.status_code == 201
    list_id = response.get_json()["id"]

    mine = client.get("/api/reading-lists", headers=world["a1"]).get_json()
    assert [entry["id"] for entry in mine["lists"]] == [list_id]
    detail = client.get(f"/api/reading-lists/{list_id}", headers=world["a1"]).get_json()
    assert [(i["pages"], i["chapters"]) for i in detail["items"]] == [([3, 10], None), (None, [1, 3])]
    assert "assign" not in detail  # a member does not see who else reads it

    report = client.get(f"/api/reading-lists/{list_id}/report", headers=world["a"]).get_json()
    assert sorted(row["username"] for row in report["rows"]) == ["bithu.a", "dv.a1", "dv.a2"]
    assert all([i["book_id"] for i in row["items"]] == [world["pdf"], world["epub"]]
               for row in report["rows"])


def test_later_members_of_the_branch_get_its_open_lists(app, world):
    client = app.test_client()
    list_id = create(client, world["a"], book_id=world["pdf"]).get_json()["id"]
    make_user(app, "dv.a3", "member", "CB-A")
    lists = client.get("/api/reading-lists", headers=bearer(app, "dv.a3")).get_json()["lists"]
    assert [entry["id"] for entry in lists] == [list_id]


@pytest.mark.parametrize("assign", [
    {"branch": "CB-B"},
    {"members": ["dv.b1"]},
    {"members": ["dv.a1", "dv.b1"]},
    {"members": ["khong.co.ai"]},     # an unknown name answers the same: no probing
    {"branches": ["CB-A", "CB-B"]},
    {"all": True},
])
def test_secretary_cannot_assign_outside_own_branch(app, world, assign):
    response = create(app.test_client(), world["a"], book_id=world["pdf"], assign=assign)
    assert response.status_code == 403
    assert "error" in response.get_json()
    lists = app.test_client().get("/api/reading-lists", headers=world["b1"]).get_json()["lists"]
    assert lists == []


def test_secretary_assigns_chosen_members(app, world):
    client = app.test_client()
    list_id = create(client, world["a"], book_id=world["pdf"],
                     assign={"members": ["dv.a2"]}).get_json()["id"]
    assert client.get("/api/reading-lists", headers=world["a1"]).get_json()["lists"] == []
    report = client.get(f"/api/reading-lists/{list_id}/report", headers=world["a"]).get_json()
    assert [row["username"] for row in report["rows"]] == ["dv.a2"]


def test_other_branch_secretary_gets_404_everywhere(app, world):
    client = app.test_client()
    list_id = create(client, world["a"], book_id=world["pdf"]).get_json()["id"]
    b = world["b"]
    assert client.get(f"/api/reading-lists/{list_id}/report", headers=b).status_code == 404
    assert client.get(f"/api/reading-lists/{list_id}", headers=b).status_code == 404
    assert client.patch(f"/api/reading-lists/{list_id}", json={"title": "x"},
                        headers=b).status_code == 404
    assert client.patch(f"/api/reading-lists/{list_id}", json={"assign": {"branch": "CB-B"}},
                        headers=b).status_code == 404
    assert list_id not in client.get("/api/reading-lists", headers=b).get_json()["managed"]
    # A member of the list's branch cannot read the report either.
    assert client.get(f"/api/reading-lists/{list_id}/report", headers=world["a1"]).status_code == 404
    # The owner can still change it: nothing above went through.
    assert client.get(f"/api/reading-lists/{list_id}", headers=world["a"]).get_json()["title"] \
        == "Học tập Nghị quyết"


def test_secretary_cannot_reassign_own_list_to_other_branch(app, world):
    client = app.test_client()
    list_id = create(client, world["a"], book_id=world["pdf"]).get_json()["id"]
    response = client.patch(f"/api/reading-lists/{list_id}", json={"assign": {"branch": "CB-B"}},
                            headers=world["a"])
    assert response.status_code == 403
    report = client.get(f"/api/reading-lists/{list_id}/report", headers=world["a"]).get_json()
    assert {row["username"] for row in report["rows"]} == {"bithu.a", "dv.a1", "dv.a2"}


def test_member_cannot_create_or_mark_other_lists(app, world):
    client = app.test_client()
    assert create(client, world["a1"], book_id=world["pdf"]).status_code == 403
    list_id = create(client, world["a"], book_id=world["pdf"]).get_json()["id"]
    item_id = client.get(f"/api/reading-lists/{list_id}", headers=world["a"]).get_json()["items"][0]["item_id"]
    url = f"/api/reading-lists/{list_id}/items/{item_id}/read"
    assert client.post(url, headers=world["b1"]).status_code == 404
    assert client.post(url, headers=world["a1"]).status_code == 200
    report = client.get(f"/api/reading-lists/{list_id}/report", headers=world["a"]).get_json()
    marked = {row["username"]: row["items"][0]["marked_read"] for row in report["rows"]}
    assert marked == {"bithu.a": False, "dv.a1": True, "dv.a2": False}


@pytest.mark.parametrize("body, message", [
    ({"title": "", "items": [{"book_id": 0}]}, "tên"),
    ({"items": []}, "ít nhất"),
    ({"due": "31/12/2026"}, "YYYY-MM-DD"),
    ({"items": [{"book_id": 99999}]}, "99999"),
    ({"items": [{"book_id": "PDF", "pages": [30, 40]}]}, "Khoảng trang"),
    ({"items": [{"book_id": "PDF", "pages": [5, 2]}]}, "Khoảng trang"),
    ({"items": [{"book_id": "PDF", "chapters": [1]}]}, "EPUB"),
    ({"items": [{"book_id": "EPUB", "pages": [1, 2]}]}, "PDF"),
    ({"items": [{"book_id": "EPUB", "chapters": [9]}]}, "Chương"),
    ({"assign": {"branch": ""}}, "assign"),
])
def test_validation_errors_are_400_json(app, world, body, message):
    for item in body.get("items", []):
        if item["book_id"] in ("PDF", "EPUB"):
            item["book_id"] = world[item["book_id"].lower()]
    body.setdefault("items", [{"book_id": world["pdf"]}])
    body.setdefault("title", "Danh sách")
    response = app.test_client().post("/api/reading-lists", json=body, headers=world["a"])
    assert response.status_code == 400
    assert message.lower() in response.get_json()["error"].lower()


def test_librarian_organisation_list_overview_per_branch(app, world):
    client = app.test_client()
    response = client.post("/api/reading-lists", headers=world["lib"], json={
        "title": "Chuyên đề năm 2026", "due": "2020-01-01",
        "items": [{"book_id": world["epub"]}], "assign": {"all": True}})
    assert response.status_code == 201
    list_id = response.get_json()["id"]
    see(app, "dv.b1", world["epub"], [1, 2, 3, 4])
    overview = client.get(f"/api/reading-lists/{list_id}/overview", headers=world["lib"]).get_json()
    lines = {line["code"]: line for line in overview["branches"]}
    assert (lines["CB-B"]["members"], lines["CB-B"]["complete"], lines["CB-B"]["overdue"]) == (3, 1, 2)
    assert (lines["CB-A"]["members"], lines["CB-A"]["complete"], lines["CB-A"]["overdue"]) == (3, 0, 3)
    # Secretaries do not manage organisation lists: no report, no overview.
    assert client.get(f"/api/reading-lists/{list_id}/report", headers=world["a"]).status_code == 404
    assert client.get(f"/api/reading-lists/{list_id}/overview", headers=world["a"]).status_code == 404
    # The branch report for one branch, for the librarian.
    rows = client.get(f"/api/reading-lists/{list_id}/report?branch=CB-B",
                      headers=world["lib"]).get_json()["rows"]
    assert {r["username"]: r["complete"] for r in rows} == {"bithu.b": False, "dv.b1": True, "dv.b2": False}


def test_closing_a_list_takes_it_off_members_page_and_badge(app, world):
    client = app.test_client()
    list_id = create(client, world["a"], book_id=world["pdf"]).get_json()["id"]
    assert [entry["id"] for entry in client.get("/api/my-reading", headers=world["a1"]).get_json()["lists"]] == [list_id]
    assert client.patch(f"/api/reading-lists/{list_id}", json={"status": "closed"},
                        headers=world["a"]).status_code == 200
    assert client.get("/api/my-reading", headers=world["a1"]).get_json()["lists"] == []


def test_cookie_writes_need_csrf(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    client = sign_in(app.test_client(), app, "bithu.a")
    response = client.post("/api/reading-lists", json={
        "title": "x", "items": [{"book_id": world["pdf"]}], "assign": {"branch": "CB-A"}})
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]
