"""A member moved to another branch: the old branch keeps the member's history in its reports,
frozen at the move, and sees none of the reading done after it; the new branch sees it all.
Played as it happened: a list assigned by name, an admin's move, reading after it."""
from __future__ import annotations

import csv
import io
import time
from datetime import datetime

import pytest

from tests.conftest import bearer, make_user, sign_in
from tests.test_admin_users import post
from tests.test_reading_list_data import add_book


def new_list(client, headers, book_id, assign) -> int:
    response = client.post("/api/reading-lists", headers=headers, json={
        "title": "Nghị quyết", "due": "2030-01-01", "items": [{"book_id": book_id}], "assign": assign})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def row_of(client, headers, list_id, username="dv.a1"):
    report = client.get(f"/api/reading-lists/{list_id}/report", headers=headers).get_json()
    return next((r for r in report["rows"] if r["username"] == username), None)


def read(client, headers, book_id, pages):
    for page in pages:
        assert client.post("/api/progress", json={"book_id": book_id, "page": page},
                           headers=headers).status_code == 204


@pytest.fixture
def moved(app, admin_client):
    """dv.a1 reads 3 of 10 pages in branch CB-A, is moved to CB-C by an admin, reads on."""
    make_user(app, "bithu.a", "secretary", "CB-A")
    make_user(app, "bithu.c", "secretary", "CB-C")
    member_id = make_user(app, "dv.a1", "member", "CB-A")
    client = app.test_client()
    old, new, member = bearer(app, "bithu.a"), bearer(app, "bithu.c"), bearer(app, "dv.a1")
    book = add_book(app, "Sách 10 trang", "pdf", 10)
    lists = {"by_name": new_list(client, old, book, {"members": ["dv.a1"]}),
             "branch": new_list(client, old, book, {"branch": "CB-A"}),
             "new_branch": new_list(client, new, book, {"branch": "CB-C"})}
    read(client, member, book, [1, 2, 3])
    time.sleep(0.01)
    response = post(admin_client, f"/quan-tri/nguoi-dung/{member_id}",
                    {"full_name": "Đảng viên A1", "role": "member", "branch_code": "CB-C"})
    assert response.status_code == 302
    time.sleep(0.01)
    read(client, member, book, range(4, 11))
    return {"client": client, "old": old, "new": new, "lists": lists}


@pytest.mark.parametrize("which", ["by_name", "branch"])
def test_the_old_branch_sees_the_history_and_nothing_after_the_move(moved, which):
    row = row_of(moved["client"], moved["old"], moved["lists"][which])
    assert row is not None, "history kept: the member stays in the old branch's report"
    assert row["moved_away"] is True and row["moved_at"]
    assert row["branch"] == "CB-A"  # the new branch is not told to the old one
    cell = row["items"][0]
    assert (cell["seen"], cell["complete"]) == (3, False)
    assert datetime.fromisoformat(cell["last_read_at"]) <= datetime.fromisoformat(row["moved_at"])
    assert row["overdue"] is False


def test_the_new_branch_sees_everything_the_member_read(moved):
    row = row_of(moved["client"], moved["new"], moved["lists"]["new_branch"])
    assert row["moved_away"] is False and row["branch"] == "CB-C"
    assert (row["items"][0]["seen"], row["items"][0]["complete"]) == (10, True)


def test_the_old_branch_report_page_and_csv_say_the_member_moved(app, moved):
    secretary = sign_in(app.test_client(), app, "bithu.a")
    list_id = moved["lists"]["by_name"]
    page = secretary.get(f"/danh-sach-doc/{list_id}").get_data(as_text=True)
    assert "Đã chuyển khỏi chi bộ" in page and "30%" in page and "100%" not in page
    rows = list(csv.reader(io.StringIO(
        secretary.get(f"/danh-sach-doc/{list_id}/bao-cao.csv").data.decode("utf-8-sig"))))
    member = next(r for r in rows if r[0] == "dv.a1")
    assert member[2].startswith("CB-A (Đã chuyển khỏi chi bộ") and member[3].startswith("30%")
    assert "CB-C" not in "".join(",".join(r) for r in rows)


def test_a_member_import_that_moves_a_member_is_recorded_as_well(app, admin_client):
    from tests.test_admin_import import HEADER_VI, run_import

    make_user(app, "bithu.a", "secretary", "CB-A")
    make_user(app, "dv.b", "member", "CB-A")
    client, old = app.test_client(), bearer(app, "bithu.a")
    book = add_book(app, "Sách", "pdf", 4)
    list_id = new_list(client, old, book, {"branch": "CB-A"})
    read(client, bearer(app, "dv.b"), book, [1])
    run_import(app, admin_client, f"{HEADER_VI}\ndv.b,Đảng viên B,CB-C,member\n".encode())
    read(client, bearer(app, "dv.b"), book, [2, 3, 4])
    row = row_of(client, old, list_id, "dv.b")
    assert row["moved_away"] is True and row["items"][0]["seen"] == 1
