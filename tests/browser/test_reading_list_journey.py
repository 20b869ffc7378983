"""Reading lists in a real Chromium: the secretary builds and assigns a list, the member
reads, the secretary's report and its XLSX export show the member complete."""
import io
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the same rule as the browser fixture: fail unless told to skip
    if os.environ.get("LIBRARY_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("LIBRARY_SKIP_BROWSER_TESTS=1", allow_module_level=True)
    pytest.fail("the playwright package is missing: run bin/setup --test", pytrace=False)

pytestmark = pytest.mark.browser

BOOK = "huong-dan-sinh-hoat-chi-bo-truc-tuyen"  # a PDF
PAGES = (1, 3)


def fresh_member(live_server, username: str) -> str:
    """A member of the demo branch who has read nothing yet (other journeys read books)."""
    from library.auth.accounts import create_user, find_user
    from library.demo.install import DEMO_BRANCH
    from library.extensions import db

    with live_server.app.app_context():
        if find_user(username) is None:
            create_user(username, "member", branch_code=DEMO_BRANCH, password=live_server.password)
            db.session.commit()
    return username


def test_secretary_assigns_member_reads_report_shows_complete(new_context, live_server,
                                                               browser_helpers):
    book = live_server.books[BOOK]
    reader = fresh_member(live_server, "dangvien.ds")
    title = "Chuyên đề: sinh hoạt chi bộ trực tuyến"
    due = (date.today() + timedelta(days=14)).isoformat()

    # The secretary builds the list: finds the book without diacritics, keeps pages 1–3.
    secretary = new_context().new_page()
    browser_helpers.sign_in(secretary, "bithu")
    secretary.goto("/danh-sach-doc/moi")
    secretary.fill("#title", title)
    secretary.fill("#due", due)
    secretary.fill("#rl-search", "huong dan sinh hoat")
    secretary.locator("#rl-found li", has_text=book.title).locator("button").click()
    row = secretary.locator("#rl-rows .rl-row")
    expect(row).to_have_count(1)
    row.locator(".rl-first").fill(str(PAGES[0]))
    row.locator(".rl-last").fill(str(PAGES[1]))
    row.locator(".rl-note-input").fill("Đọc trước buổi sinh hoạt tháng này")
    secretary.check("input[name=assign][value=branch]")
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Lưu danh sách").click()
    assert re.search(r"/danh-sach-doc/\d+$", secretary.url), secretary.url
    expect(secretary.locator("h1")).to_have_text(title)
    member_row = secretary.locator(f'tr[data-username="{reader}"]')
    expect(member_row.locator(".rl-percent")).to_have_text("0%")

    # The member sees the new list in the header, opens it, reads the pages.
    member = new_context().new_page()
    browser_helpers.sign_in(member, reader)
    member.goto("/")
    expect(member.locator(".site-nav a", has_text="Sách được giao").locator(".badge")).to_have_text("1")
    member.locator(".site-nav a", has_text="Sách được giao").click()
    item = member.locator(".rl-mine", has_text=title).locator(".rl-item")
    expect(item.locator(".rl-percent")).to_have_text("0%")
    with member.expect_navigation():
        item.get_by_role("link", name="Bắt đầu đọc").click()
    assert f"/doc/{book.id}" in member.url and "p=1" in member.url, member.url
    for page_number in range(PAGES[0], PAGES[1] + 1):
        member.goto(f"/doc/{book.id}?p={page_number}")
        # What the reader reports for a page on screen; sent from the page itself, with its
        # CSRF token, so the journey does not depend on when the reader's script reports.
        status = member.evaluate("""async ([bookId, page]) => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const r = await fetch('/api/progress', {method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                body: JSON.stringify({book_id: bookId, page: page})});
            return r.status; }""", [book.id, page_number])
        assert status == 204
    member.goto("/sach-can-doc")
    item = member.locator(".rl-mine", has_text=title).locator(".rl-item")
    expect(item.locator(".rl-percent")).to_have_text("100%")
    expect(item.locator(".rl-state")).to_have_text("Đã đọc xong")
    expect(member.locator(".site-nav a", has_text="Sách được giao").locator(".badge")).to_have_count(0)
    browser_helpers.keep_screenshot(member, "reading-list-member")

    # The secretary's report shows the member complete, and so does the XLSX export.
    secretary.reload()
    expect(member_row).to_have_class(re.compile(r"rl-row-done"))
    expect(member_row.locator(".rl-percent")).to_have_text("100%")
    expect(member_row.locator(".rl-member-total")).to_contain_text("1/1")
    browser_helpers.keep_screenshot(secretary, "reading-list-report")
    with secretary.expect_download() as download_info:
        secretary.get_by_role("link", name="Tải Excel (XLSX)").click()
    from openpyxl import load_workbook

    download = download_info.value
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    exported = rows.pop(reader)
    assert exported[3].startswith("100%")
    assert exported[4:6] == ("1/1", "Có")
    totals = rows.pop("Tổng")
    done = 1 + sum(row[5] == "Có" for row in rows.values())
    assert totals[3] == totals[4] == f"{done}/{len(rows) + 1}"
    assert secretary.locator("#rl-complete-count").inner_text() == str(done)
