"""Reading list pages: the secretary's form, report and actions (scoped by URL and by form
field), the member's "Sách được giao" with the header's count, the overview and the CLI."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from library.extensions import db
from library.reading_lists.models import ReadingList
from tests.conftest import make_user, sign_in
from tests.test_reading_list_data import add_book, see


class PageClient(FlaskClient):
    """Posts forms as the pages do: with the CSRF token of the signed-in session."""

    token = None

    def post(self, *args, **kwargs):
        if self.token is None:
            page = self.get("/").get_data(as_text=True)
            self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        kwargs["data"] = {**(kwargs.get("data") or {}), "csrf_token": self.token}
        return super().post(*args, **kwargs)


@pytest.fixture
def two(app):
    app.test_client_class = PageClient
    for username, role, branch in [
        ("bithu.a", "secretary", "CB-A"), ("dv.a1", "member", "CB-A"),
        ("bithu.b", "secretary", "CB-B"), ("dv.b1", "member", "CB-B"),
        ("thuvien", "librarian", None),
    ]:
        make_user(app, username, role, branch)
    return {
        "pdf": add_book(app, "Nghị quyết Đại hội", "pdf", 12),
        "epub": add_book(app, "Học tập và làm theo Bác", "epub", 3),
        "a": sign_in(app.test_client(), app, "bithu.a"),
        "b": sign_in(app.test_client(), app, "bithu.b"),
        "a1": sign_in(app.test_client(), app, "dv.a1"),
        "lib": sign_in(app.test_client(), app, "thuvien"),
    }


def form(book_id, **extra):
    data = {"title": "Học tập Nghị quyết", "purpose": "resolution", "due": "2030-06-30",
            "item_key": ["1"], "book_1": str(book_id), "first_1": "1", "last_1": "12",
            "note_1": "Đọc trước buổi sinh hoạt", "assign": "branch"}
    data.update(extra)
    return data


def count_lists(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ReadingList.id)))


def test_secretary_creates_a_list_through_the_form(app, two):
    response = two["a"].post("/danh-sach-doc/moi", data=form(
        two["pdf"], item_key=["1", "2"], book_2=str(two["epub"]), chapters_2=["1", "3"]))
    assert response.status_code == 302
    page = two["a"].get(response.headers["Location"]).get_data(as_text=True)
    assert "Học tập Nghị quyết" in page and "dv.a1" in page and "ch. 1, 3" in page
    assert "dv.b1" not in page


@pytest.mark.parametrize("field", [
    {"assign": "members", "member": ["dv.b1"]},
    {"assign": "members", "member": ["dv.a1", "dv.b1"]},
    {"assign": "branches", "branches": "CB-B"},
    {"assign": "all"},
])
def test_form_fields_cannot_reach_another_branch(app, two, field):
    response = two["a"].post("/danh-sach-doc/moi", data=form(two["pdf"], **field))
    assert response.status_code == 403
    assert "Bí thư chỉ giao danh sách cho" in response.get_data(as_text=True)
    assert count_lists(app) == 0


def test_other_branch_pages_are_404(app, two):
    two["a"].post("/danh-sach-doc/moi", data=form(two["pdf"]))
    with app.app_context():
        list_id = db.session.scalar(select(ReadingList.id))
    b = two["b"]
    for url in [f"/danh-sach-doc/{list_id}", f"/danh-sach-doc/{list_id}/sua",
                f"/danh-sach-doc/{list_id}/bao-cao.csv", f"/danh-sach-doc/{list_id}/bao-cao.xlsx"]:
        assert b.get(url).status_code == 404, url
    for url, data in [(f"/danh-sach-doc/{list_id}/sua", form(two["pdf"], title="Đổi tên")),
                      (f"/danh-sach-doc/{list_id}/trang-thai", {"status": "archived"}),
                      (f"/danh-sach-doc/{list_id}/gia-han", {"due": "2031-01-01"}),
                      (f"/danh-sach-doc/{list_id}/sao-chep", {})]:
        assert b.post(url, data=data).status_code == 404, url
    assert "Học tập Nghị quyết" not in b.get("/danh-sach-doc").get_data(as_text=True)
    with app.app_context():
        kept = db.session.get(ReadingList, list_id)
        assert (kept.title, kept.status, str(kept.due_date)) == ("Học tập Nghị quyết", "open", "2030-06-30")
    assert count_lists(app) == 1
    # Members do not reach the secretary's pages at all.
    assert two["a1"].get("/danh-sach-doc").status_code == 403
    assert two["a1"].get(f"/danh-sach-doc/{list_id}").status_code == 403


def test_edit_extend_close_and_archive(app, two):
    two["a"].post("/danh-sach-doc/moi", data=form(two["pdf"]))
    with app.app_context():
        list_id = db.session.scalar(select(ReadingList.id))
    response = two["a"].post(f"/danh-sach-doc/{list_id}/sua", data=form(
        two["epub"], item_key=["x"], book_x=str(two["epub"]), title="Chuyên đề mới"))
    assert response.status_code == 302
    assert two["a"].post(f"/danh-sach-doc/{list_id}/gia-han", data={"due": "2031-02-01"}).status_code == 302
    page = two["a"].get(f"/danh-sach-doc/{list_id}").get_data(as_text=True)
    assert "Chuyên đề mới" in page and "01/02/2031" in page and "Học tập và làm theo Bác" in page
    two["a"].post(f"/danh-sach-doc/{list_id}/trang-thai", data={"status": "closed"})
    assert "Chuyên đề mới" not in two["a1"].get("/sach-can-doc").get_data(as_text=True)
    assert "Chuyên đề mới" in two["a"].get("/danh-sach-doc?status=closed").get_data(as_text=True)
    two["a"].post(f"/danh-sach-doc/{list_id}/trang-thai", data={"status": "archived"})
    assert "Chuyên đề mới" in two["a"].get("/danh-sach-doc?status=archived").get_data(as_text=True)
    # A bookmark from before the parameters were English opens the same view.
    old = two["a"].get("/danh-sach-doc?trang-thai=archived")
    assert old.status_code == 301 and old.headers["Location"].endswith("/danh-sach-doc?status=archived")
    assert "Chuyên đề mới" in two["a"].get(old.headers["Location"]).get_data(as_text=True)
    assert "Chuyên đề mới" not in two["a"].get("/danh-sach-doc").get_data(as_text=True)


def test_member_page_badge_overdue_and_mark_read(app, two):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    two["a"].post("/danh-sach-doc/moi", data=form(two["pdf"], due=yesterday))
    home = two["a1"].get("/").get_data(as_text=True)
    assert re.search(r"Sách được giao <span class=\"badge\"[^>]*>1</span>", home)
    page = two["a1"].get("/sach-can-doc").get_data(as_text=True)
    assert "rl-mine rl-overdue" in page and "Quá hạn" in page
    assert f'href="/doc/{two["pdf"]}?p=1"' in page
    # Opened once: the count is gone.
    assert 'Sách được giao <span class="badge"' not in two["a1"].get("/").get_data(as_text=True)
    item = re.search(r'action="(/sach-can-doc/\d+/muc/\d+)"', page).group(1)
    assert two["a1"].post(item, data={"read": "1"}).status_code == 302
    page = two["a1"].get("/sach-can-doc").get_data(as_text=True)
    assert "Đã đánh dấu đọc" in page and "rl-overdue" not in page
    report = two["a"].get(re.sub(r"/sach-can-doc/(\d+)/.*", r"/danh-sach-doc/\1", item)).get_data(as_text=True)
    assert "đã đánh dấu đọc" in report
    # Another member cannot mark an item of a list that is not theirs.
    other = sign_in(app.test_client(), app, "dv.b1")
    assert other.post(item, data={"read": "1"}).status_code == 404


def test_report_filters_and_print(app, two):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    make_user(app, "dv.a2", "member", "CB-A")
    two["a"].post("/danh-sach-doc/moi", data=form(two["pdf"], due=yesterday))
    with app.app_context():
        list_id = db.session.scalar(select(ReadingList.id))
    see(app, "dv.a2", two["pdf"], range(1, 13))
    full = two["a"].get(f"/danh-sach-doc/{list_id}").get_data(as_text=True)
    assert all(f'data-username="{u}"' in full for u in ("bithu.a", "dv.a1", "dv.a2"))
    assert 'id="rl-print"' in full and "reading_lists/report.js" in full
    late = two["a"].get(f"/danh-sach-doc/{list_id}?overdue=1").get_data(as_text=True)
    assert 'data-username="dv.a1"' in late and 'data-username="dv.a2"' not in late
    assert 'class="rl-overdue" data-username="dv.a1"' in late


def test_secretary_copies_organisation_list_not_other_branch(app, two):
    lib = two["lib"]
    lib.post("/danh-sach-doc/moi", data=form(two["pdf"], title="Chuyên đề toàn tổ chức",
                                             assign="all"))
    two["b"].post("/danh-sach-doc/moi", data=form(two["pdf"], title="Của chi bộ B"))
    with app.app_context():
        org_id, b_id = [r.id for r in db.session.scalars(select(ReadingList).order_by(ReadingList.id))]
    assert "Chuyên đề toàn tổ chức" in two["a"].get("/danh-sach-doc").get_data(as_text=True)
    assert two["a"].post(f"/danh-sach-doc/{b_id}/sao-chep").status_code == 404
    response = two["a"].post(f"/danh-sach-doc/{org_id}/sao-chep")
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(select(ReadingList).order_by(ReadingList.id.desc()))
        assert (copy.copied_from_id, copy.title, len(copy.items)) == (org_id, "Chuyên đề toàn tổ chức", 1)
        assert copy.branch_id is not None
    # A librarian may copy any branch's list (into an organisation-wide one).
    assert lib.post(f"/danh-sach-doc/{b_id}/sao-chep").status_code == 302


def test_librarian_overview_and_branch_due(app, two):
    two["lib"].post("/danh-sach-doc/moi", data=form(two["epub"], item_key=["1"], book_1=str(two["epub"]),
                                                    first_1="", last_1="", assign="all",
                                                    due="2020-01-01"))
    with app.app_context():
        list_id = db.session.scalar(select(ReadingList.id))
    see(app, "dv.b1", two["epub"], [1, 2, 3])
    page = two["lib"].get(f"/danh-sach-doc/{list_id}").get_data(as_text=True)
    assert "CB-A" in page and "CB-B" in page and "rl-overview" in page
    two["lib"].post(f"/danh-sach-doc/{list_id}/gia-han", data={"due": "2040-01-01", "branch": "CB-A"})
    overview = two["lib"].get(f"/api/reading-lists/{list_id}/overview").get_json()["branches"]
    lines = {line["code"]: line for line in overview}
    assert (lines["CB-A"]["due"], lines["CB-A"]["overdue"]) == ("2040-01-01", 0)
    assert (lines["CB-B"]["due"], lines["CB-B"]["complete"], lines["CB-B"]["overdue"]) == ("2020-01-01", 1, 1)


def test_cli_prints_overdue_counts_per_branch(app, two, runner):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    make_user(app, "dv.a2", "member", "CB-A")
    two["a"].post("/danh-sach-doc/moi", data=form(two["pdf"], due=yesterday))
    two["b"].post("/danh-sach-doc/moi", data=form(two["pdf"], due="2099-01-01"))
    see(app, "dv.a2", two["pdf"], range(1, 13))
    result = runner.invoke(args=["lists", "overdue"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.splitlines()]
    assert ["CB-A", "2", "1", "CB-A"] in lines  # bithu.a and dv.a1 are late; dv.a2 is done
    assert not any(line[0] == "CB-B" for line in lines)


def test_item_picker_finds_titles_without_diacritics(app, two):
    found = two["a"].get("/api/reading-lists/books?q=hoc tap lam theo").get_json()["books"]
    assert [(b["title"], b["kind"], [c["position"] for c in b["chapters"]]) for b in found] == \
        [("Học tập và làm theo Bác", "epub", [1, 2, 3])]
    assert two["a1"].get("/api/reading-lists/books?q=nghi quyet").status_code == 403


def test_pages_in_english(app, two):
    two["a1"].set_cookie("lang", "en")
    assert "Assigned reading" in two["a1"].get("/sach-can-doc").get_data(as_text=True)


def test_secretary_follows_the_own_branch_on_an_organisation_list_read_only(app, two):
    two["lib"].post("/danh-sach-doc/moi", data=form(two["pdf"], title="Chuyên đề năm",
                                                    assign="branches", branches="CB-A"))
    two["lib"].post("/danh-sach-doc/moi", data=form(two["pdf"], title="Chỉ cho chi bộ B",
                                                    assign="branches", branches="CB-B"))
    with app.app_context():
        for_a, for_b = db.session.scalars(select(ReadingList.id).order_by(ReadingList.id)).all()
    see(app, "dv.a1", two["pdf"], range(1, 13))
    listing = two["a"].get("/danh-sach-doc").get_data(as_text=True)
    # Followed (a link to its report) only when given to the branch; both stay copyable.
    assert f'href="/danh-sach-doc/{for_a}"' in listing
    assert f'href="/danh-sach-doc/{for_b}"' not in listing
    page = two["a"].get(f"/danh-sach-doc/{for_a}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-username="dv.a1"' in text and 'data-username="dv.b1"' not in text
    assert f"/danh-sach-doc/{for_a}/sua" not in text  # read-only: no edit, extend or close
    # ?branch= (or the old ?chi-bo=) cannot widen the view to another branch, nor can the exports.
    for asked in ("branch=CB-B", "chi-bo=CB-B"):
        widened = two["a"].get(f"/danh-sach-doc/{for_a}?{asked}", follow_redirects=True)
        assert widened.status_code == 200 and 'data-username="dv.a1"' in widened.get_data(as_text=True)
        assert 'data-username="dv.b1"' not in widened.get_data(as_text=True)
        csv_text = two["a"].get(f"/danh-sach-doc/{for_a}/bao-cao.csv?{asked}",
                                follow_redirects=True).get_data(as_text=True)
        assert "dv.a1" in csv_text and "dv.b1" not in csv_text
    # Still not a manager: no edits, and the CONTRACT report API stays 404.
    assert two["a"].get(f"/danh-sach-doc/{for_a}/sua").status_code == 404
    assert two["a"].post(f"/danh-sach-doc/{for_a}/trang-thai", data={"status": "closed"}).status_code == 404
    assert two["a"].get(f"/api/reading-lists/{for_a}/report").status_code == 404
    # A list the branch was not given does not exist for its secretary.
    assert two["a"].get(f"/danh-sach-doc/{for_b}").status_code == 404
    assert two["a"].get(f"/danh-sach-doc/{for_b}/bao-cao.csv").status_code == 404
