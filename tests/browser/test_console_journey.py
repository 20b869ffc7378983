"""The librarian's journey in a real Chromium: upload two books, watch the job's progress,
fix a title; then a member finds the book under its new title."""
import os
import re

import pytest
from sqlalchemy import select

from library.catalog.models import Book
from library.extensions import db
from tests.books import epub_book, pdf_book

try:
    from playwright.sync_api import expect
except ImportError:  # the same rule as the browser fixture: fail unless told to skip
    if os.environ.get("LIBRARY_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("LIBRARY_SKIP_BROWSER_TESTS=1", allow_module_level=True)
    pytest.fail("the playwright package is missing: run bin/setup --test", pytrace=False)

pytestmark = pytest.mark.browser
LIBRARIAN = "thuvien"
NEW_TITLE = "Cẩm nang sinh hoạt chi bộ trực tuyến năm 2026"
JOB_MS = 90_000  # two parses in child processes on a shared, busy machine


@pytest.fixture
def uploaded_books_removed(live_server):
    """The live library is shared by every browser test: the books this test adds go again."""
    with live_server.app.app_context():
        before = set(db.session.scalars(select(Book.id)))
    yield
    from library.catalog.service import delete_book

    with live_server.app.app_context():
        for book_id in db.session.scalars(select(Book.id).where(Book.id.not_in(before))).all():
            delete_book(db.session.get(Book, book_id))


def test_librarian_uploads_two_books_watches_progress_fixes_a_title_and_a_member_finds_it(
        new_context, member_state, browser_helpers, tmp_path, uploaded_books_removed):
    pdf = pdf_book(tmp_path / "Huong dan chi bo.pdf",
                   ["Hướng dẫn sinh hoạt chi bộ trực tuyến: điểm danh, biểu quyết, biên bản."] * 3,
                   title="Tài liệu chưa đặt tên", authors=("Văn phòng Đảng uỷ",), year=2026)
    epub = epub_book(tmp_path / "Chuyen de.epub",
                     [("Mở đầu", "Chuyên đề học tập năm 2026 về tác phong nêu gương.")],
                     title="Chuyên đề nêu gương 2026")

    page = new_context().new_page()
    page.goto("/thu-vien/")
    browser_helpers.sign_in(page, username=LIBRARIAN)
    expect(page.locator("h1")).to_have_text("Tải sách lên")
    expect(page.locator(".site-nav a", has_text="Thư viện")).to_have_attribute("aria-current", "page")

    page.set_input_files("#files", [str(pdf), str(epub)])
    page.select_option("#shelf", "chi-bo-dien-tu")
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên").click()
    expect(page).to_have_url(re.compile(r"/thu-vien/tac-vu/\d+$"))
    expect(page.locator("tr[data-position]")).to_have_count(2)

    # The page polls the job's status: the bar fills and each row gets its result and links.
    expect(page.locator("#job-count")).to_have_text("2/2 tệp xong", timeout=JOB_MS)
    expect(page.locator("#job-state")).to_have_text("Xong")
    assert page.locator("#job-bar").evaluate("bar => [bar.value, bar.max]") == [2, 2]
    rows = page.locator("tr[data-position]")
    expect(rows.nth(0).locator(".file-status")).to_have_text("Đã nhập")
    expect(rows.nth(1).locator(".file-status")).to_have_text("Đã nhập")
    expect(rows.nth(0).locator(".file-detail a").first).to_have_text("Tài liệu chưa đặt tên")

    with page.expect_navigation():
        rows.nth(0).get_by_role("link", name="Sửa thông tin").click()
    expect(page.locator("#title")).to_have_value("Tài liệu chưa đặt tên")
    page.fill("#title", NEW_TITLE)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.locator(".flash")).to_have_text("Đã lưu thay đổi.")
    expect(page.locator("h1")).to_have_text(NEW_TITLE)
    browser_helpers.keep_screenshot(page, "console-edited-book")

    member = new_context(storage_state=member_state).new_page()
    member.goto("/")
    box = member.locator(".search-box input[type=search]")
    box.fill("cam nang sinh hoat chi bo truc tuyen")
    with member.expect_navigation():
        box.press("Enter")
    found = member.get_by_role("link", name=NEW_TITLE).first
    expect(found).to_be_visible()
    with member.expect_navigation():
        found.click()
    expect(member.locator("h1")).to_have_text(NEW_TITLE)
    assert member.locator(".site-nav a", has_text="Thư viện").count() == 0, "members have no console link"
    assert member.goto("/thu-vien/").status == 403
