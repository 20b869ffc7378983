"""A scanned book in a real Chromium: a search hit on a recognised page opens the PDF reader
at that page with the words marked on pdf.js's text layer, which the recognised (invisible)
text gives the scan; and the book page shows the recognition's outcome.

Its own small library (one scanned book, recognised by real tesseract before the server
starts), so the demo library of the other browser tests stays as they expect it.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from library import create_app, tasks
from library.instance import prepare
from library.auth.accounts import create_user
from library.extensions import db
from library.ingest import import_file
from library.reader.vendor import DEFAULT_DIR
from library.vietnamese import fold
from tests.browser.conftest import TIMEOUT_MS, serving, sign_in_as
from tests.ocr_books import PAGES, scanned_book

PASSWORD = "tusach-ocr-2026"

pytestmark = pytest.mark.skipif(not (DEFAULT_DIR / "build").is_dir(),
                                reason="pdf.js is not installed (bin/setup runs npm ci)")


@pytest.fixture(scope="module")
def ocr_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("ocr-live")
    app = prepare(create_app({
        "SECRET_KEY": "ocr-browser-tests-secret-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True,
        "JOBS_BACKGROUND": False,
    }))
    with app.app_context():
        book = import_file(scanned_book(root / "so-tay-quet.pdf", PAGES[:3])).book_id
        create_user("docgia", "member", branch_code="CB-OCR", password=PASSWORD)
        db.session.commit()
    assert tasks.run_until_idle(app) == 1
    with serving(app, "ocr-live") as url:
        yield SimpleNamespace(url=url, app=app, book=book)


@pytest.fixture
def member_page(browser, ocr_server):
    problems: list[str] = []
    context = browser.new_context(base_url=ocr_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)
    sign_in_as(page, "docgia", PASSWORD)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def test_a_hit_on_a_recognised_page_opens_the_scan_with_the_words_marked(member_page, ocr_server):
    page = member_page
    page.goto("/tim-kiem?q=kien+dinh+muc+tieu")
    where = page.locator("ul.locations a.where").first
    expect(where).to_have_text("Trang 2")
    expect(page.locator("ul.locations .snippet mark").first).to_be_visible()
    where.click()

    reader = page.locator("#reader")
    expect(reader).to_have_attribute("data-shown", "2")
    marks = page.locator(".pdf-page .textLayer mark")
    expect(marks.first).to_be_visible()
    marked = " ".join(fold(m).strip() for m in marks.all_inner_texts())
    assert "kien" in marked and "dinh" in marked
    # The marks lie over the picture's own words: inside the drawn page, in its upper half.
    canvas = page.locator(".pdf-page canvas").first.bounding_box()
    box = marks.first.bounding_box()
    assert canvas["x"] <= box["x"] <= canvas["x"] + canvas["width"]
    assert canvas["y"] <= box["y"] <= canvas["y"] + canvas["height"] / 2
    # The scan now has selectable text: what a member copies is the recognised text.
    layer_text = page.evaluate("() => document.querySelector('.pdf-page .textLayer').textContent")
    assert "phẩm chất đạo đức" in layer_text

    # The book page says it was recognised; the "not searchable" mark is gone.
    page.goto(f"/sach/{ocr_server.book}")
    expect(page.locator(".ocr-progress")).to_contain_text("đã nhận dạng chữ 3 trang")
    expect(page.get_by_text("Không tìm kiếm được")).to_have_count(0)
