"""Completion rules at their edges, the report against a direct computation from the pages
seen, and the CSV/XLSX exports carrying the same figures."""
from __future__ import annotations

import csv
import io
import random
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import bearer, make_user
from tests.test_reading_list_data import add_book, see


@pytest.fixture
def branch(app):
    make_user(app, "bithu.a", "secretary", "CB-A")
    make_user(app, "dv.a1", "member", "CB-A")
    return {"sec": bearer(app, "bithu.a"), "member": bearer(app, "dv.a1")}


def new_list(app, headers, items, **extra) -> int:
    body = {"title": "Danh sách", "due": "2030-01-01", "items": items, "assign": {"branch": "CB-A"}}
    body.update(extra)
    response = app.test_client().post("/api/reading-lists", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def cell(app, headers, list_id, username="dv.a1", index=0) -> dict:
    report = app.test_client().get(f"/api/reading-lists/{list_id}/report", headers=headers).get_json()
    row = next(r for r in report["rows"] if r["username"] == username)
    return row["items"][index]


@pytest.mark.parametrize("pages_seen, complete", [(89, False), (90, True), (100, True)])
def test_pdf_whole_book_needs_90_percent(app, branch, pages_seen, complete):
    book = add_book(app, "Sách 100 trang", "pdf", 100)
    list_id = new_list(app, branch["sec"], [{"book_id": book}])
    see(app, "dv.a1", book, range(1, pages_seen + 1))
    result = cell(app, branch["sec"], list_id)
    assert result["complete"] is complete
    assert result["progress"] == pytest.approx(pages_seen / 100)


def test_pdf_page_range_counts_only_its_pages(app, branch):
    book = add_book(app, "Sổ tay", "pdf", 40)
    list_id = new_list(app, branch["sec"], [{"book_id": book, "pages": [11, 30]}])
    # 20 pages in the range; pages outside it do not count, however many.
    see(app, "dv.a1", book, list(range(1, 11)) + list(range(31, 41)) + list(range(11, 28)))
    result = cell(app, branch["sec"], list_id)
    assert (result["seen"], result["total"], result["complete"]) == (17, 20, False)  # 85%
    see(app, "dv.a1", book, [28])
    result = cell(app, branch["sec"], list_id)
    assert (result["seen"], result["progress"], result["complete"]) == (18, 0.9, True)


def test_epub_chapter_item_needs_every_chosen_chapter_to_its_end(app, branch):
    book = add_book(app, "Chuyên đề", "epub", 6)
    list_id = new_list(app, branch["sec"], [{"book_id": book, "chapters": [2, 4, 5]},
                                            {"book_id": book}])
    see(app, "dv.a1", book, [1, 2, 4])              # read to the end
    see(app, "dv.a1", book, [5], to_end=False)      # opened, not finished
    chosen = cell(app, branch["sec"], list_id, index=0)
    whole = cell(app, branch["sec"], list_id, index=1)
    assert (chosen["seen"], chosen["total"], chosen["complete"]) == (2, 3, False)
    assert (whole["seen"], whole["total"], whole["complete"]) == (3, 6, False)
    see(app, "dv.a1", book, [3, 6])
    # Chapter 5 becomes read to its end through POST /api/progress (a chapter counts whole).
    response = app.test_client().post("/api/progress", json={"book_id": book, "chapter": 5},
                                      headers=branch["member"])
    assert response.status_code == 204
    assert cell(app, branch["sec"], list_id, index=0)["complete"] is True
    assert cell(app, branch["sec"], list_id, index=1)["complete"] is True


def test_pages_reported_through_api_progress_complete_a_pdf_item(app, branch):
    book = add_book(app, "Mười trang", "pdf", 10)
    list_id = new_list(app, branch["sec"], [{"book_id": book}])
    client = app.test_client()
    for page in range(1, 10):
        assert client.post("/api/progress", json={"book_id": book, "page": page},
                           headers=branch["member"]).status_code == 204
    result = cell(app, branch["sec"], list_id)
    assert (result["seen"], result["complete"]) == (9, True)


def test_marked_read_completes_and_is_shown_as_such(app, branch):
    book = add_book(app, "Chưa đọc", "pdf", 50)
    list_id = new_list(app, branch["sec"], [{"book_id": book}])
    client = app.test_client()
    item_id = client.get(f"/api/reading-lists/{list_id}", headers=branch["member"]).get_json()["items"][0]["item_id"]
    assert client.post(f"/api/reading-lists/{list_id}/items/{item_id}/read",
                       headers=branch["member"]).status_code == 200
    result = cell(app, branch["sec"], list_id)
    assert (result["complete"], result["marked_read"], result["progress"]) == (True, True, 0.0)
    mine = client.get("/api/my-reading", headers=branch["member"]).get_json()["lists"][0]
    assert mine["items"][0]["marked_read"] is True
    assert client.delete(f"/api/reading-lists/{list_id}/items/{item_id}/read",
                         headers=branch["member"]).status_code == 200
    assert cell(app, branch["sec"], list_id)["complete"] is False


def test_member_resume_link_opens_first_unread_page(app, branch):
    book = add_book(app, "Hai mươi trang", "pdf", 20)
    epub = add_book(app, "Năm chương", "epub", 5)
    new_list(app, branch["sec"], [{"book_id": book, "pages": [5, 15]},
                                  {"book_id": epub, "chapters": [2, 3, 4]}])
    see(app, "dv.a1", book, [5, 6, 8])
    see(app, "dv.a1", epub, [2])
    see(app, "dv.a1", epub, [3], to_end=False)  # opened but not finished: resume there
    items = app.test_client().get("/api/my-reading", headers=branch["member"]).get_json()["lists"][0]["items"]
    assert [i["read_url"] for i in items] == [f"/doc/{book}?p=7", f"/doc/{epub}?p=3"]


def direct(pages_seen: dict, item: dict, pages: int) -> tuple[float, bool]:
    """The rules computed by hand from the pages a member saw."""
    first, last = item.get("pages") or (1, pages)
    wanted = set(range(first, last + 1))
    got = len(wanted & pages_seen)
    return got / len(wanted), got * 10 >= len(wanted) * 9


def test_report_numbers_equal_a_direct_computation(app, branch):
    rng = random.Random(7)
    sizes = [rng.randint(5, 60) for _ in range(6)]
    books = [add_book(app, f"Sách {i}", "pdf", n) for i, n in enumerate(sizes)]
    items = []
    for book, n in zip(books, sizes):
        if rng.random() < 0.5:
            first = rng.randint(1, n)
            items.append({"book_id": book, "pages": [first, rng.randint(first, n)]})
        else:
            items.append({"book_id": book})
    members = [f"dv.r{i}" for i in range(12)]
    for name in members:
        make_user(app, name, "member", "CB-A")
    list_id = new_list(app, branch["sec"], items)
    seen: dict[tuple[str, int], set] = {}
    for name in members:
        for book, n in zip(books, sizes):
            share = rng.choice([0, 0.3, 0.89, 0.9, 0.95, 1])
            pages = set(rng.sample(range(1, n + 1), round(n * share)))
            seen[name, book] = pages
            see(app, name, book, sorted(pages), when=datetime(2026, 3, 1, 8, 30))
    report = app.test_client().get(f"/api/reading-lists/{list_id}/report",
                                   headers=branch["sec"]).get_json()
    checked = 0
    for row in report["rows"]:
        if row["username"] not in members:
            continue
        expected_all = True
        for item, size, got in zip(items, sizes, row["items"]):
            progress, complete = direct(seen[row["username"], item["book_id"]], item, size)
            assert got["progress"] == pytest.approx(progress, abs=1e-4)
            assert got["complete"] is complete
            expected_all &= complete
            checked += 1
        assert row["complete"] is expected_all
    assert checked == 12 * 6
    per_item = [sum(r["items"][i]["complete"] for r in report["rows"]) for i in range(len(items))]
    assert [t["complete"] for t in report["totals"]["items"]] == per_item


def test_exports_carry_the_report_figures(app, branch):
    book = add_book(app, "Nghị quyết số 1", "pdf", 10)
    epub = add_book(app, "=HYPERLINK(\"http://x\")", "epub", 2)  # a title that looks like a formula
    list_id = new_list(app, branch["sec"], [{"book_id": book}, {"book_id": epub}])
    make_user(app, "dv.a2", "member", "CB-A")
    see(app, "dv.a1", book, range(1, 10), when=datetime(2026, 3, 2, 9, 15))
    see(app, "dv.a1", epub, [1, 2], when=datetime(2026, 3, 1, 7, 0))
    see(app, "dv.a2", book, range(1, 5))
    report = app.test_client().get(f"/api/reading-lists/{list_id}/report", headers=branch["sec"]).get_json()
    expected = {row["username"]: [f"{round(i['progress'] * 100)}%" for i in row["items"]]
                for row in report["rows"]}
    assert expected["dv.a1"] == ["90%", "100%"] and expected["dv.a2"] == ["40%", "0%"]

    from tests.conftest import sign_in
    client = sign_in(app.test_client(), app, "bithu.a")
    response = client.get(f"/danh-sach-doc/{list_id}/bao-cao.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = lines[0]
    assert header[4] == '2. =HYPERLINK("http://x")'  # not a formula: it starts with "2."
    by_name = {line[0]: line for line in lines[1:-1]}
    for name, figures in expected.items():
        assert [value.split()[0] for value in by_name[name][3:5]] == figures
    assert by_name["dv.a1"][5:7] == ["2/2", "Có"]
    assert header[-1] == "Đọc lần cuối (Asia/Ho_Chi_Minh)"
    assert by_name["dv.a1"][-1] == "2026-03-02 16:15"  # 09:15 UTC, in Hà Nội
    assert lines[-1][3:6] == ["1/3", "1/3", "1/3"]

    response = client.get(f"/danh-sach-doc/{list_id}/bao-cao.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c for c in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[0][:3] == ["Tài khoản", "Họ tên", "Chi bộ"]
    xlsx = {row[0]: row for row in values[1:-1]}
    for name, figures in expected.items():
        assert [value.split()[0] for value in xlsx[name][3:5]] == figures
    assert list(values[-1][3:6]) == ["1/3", "1/3", "1/3"]


def test_formula_like_names_are_neutralised_in_exports(app, branch):
    from library.reading_lists.export import safe_text

    assert [safe_text(v) for v in ["=1+1", "+1", "-1", "@SUM(A1)", "Nguyễn", 5]] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "Nguyễn", 5]
    make_user(app, "dv.x", "member", "CB-A")
    from library.auth.models import User
    from library.extensions import db
    with app.app_context():
        user = db.session.query(User).filter_by(username="dv.x").one()
        user.full_name = "=cmd|' /C calc'!A0"
        db.session.commit()
    book = add_book(app, "Sách", "pdf", 3)
    list_id = new_list(app, branch["sec"], [{"book_id": book}])
    from tests.conftest import sign_in
    client = sign_in(app.test_client(), app, "bithu.a")
    lines = list(csv.reader(io.StringIO(
        client.get(f"/danh-sach-doc/{list_id}/bao-cao.csv").data.decode("utf-8-sig"))))
    assert any(line[1] == "'=cmd|' /C calc'!A0" for line in lines)
    sheet = load_workbook(io.BytesIO(client.get(f"/danh-sach-doc/{list_id}/bao-cao.xlsx").data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(isinstance(n, str) and n.startswith("=") for n in names)
