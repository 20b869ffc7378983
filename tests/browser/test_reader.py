"""The readers in a real Chromium: a PDF hit opens at its page with the words marked, pages
turn and are recorded, a hostile EPUB chapter runs nothing, bookmarks, a phone's screen.

These tests serve their own small library (a PDF with a planted phrase, a hostile EPUB),
so the demo library of the other browser tests stays as they expect it.
"""
from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user, find_user
from library.extensions import db
from library.ingest import import_file
from library.reader.models import ReadingPosition, SectionSeen
from library.reader.vendor import DEFAULT_DIR
from library.vietnamese import fold
from tests.books import FILLER, pdf_book
from tests.browser.conftest import ARTIFACTS, TIMEOUT_MS, serving, sign_in_as
from tests.test_reader_epub import hostile_epub

PASSWORD = "tusach-reader-2026"
PHRASE_PAGE = 5

pytestmark = pytest.mark.skipif(not (DEFAULT_DIR / "build").is_dir(),
                                reason="pdf.js is not installed (bin/setup runs npm ci)")


@pytest.fixture(scope="module")
def reader_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("reader-live")
    app = prepare(create_app({
        "SECRET_KEY": "reader-browser-tests-secret-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True,
    }))
    pages = [FILLER] * 7
    pages[PHRASE_PAGE - 2] = FILLER + "\nChống nguy cơ tự diễn biến, tự chuyển hoá trong nội bộ.\n" + FILLER
    with app.app_context():
        pdf = import_file(pdf_book(root / "so-tay.pdf", pages, title="Sổ tay chống tự diễn biến")).book_id
        epub = import_file(hostile_epub(root / "doc-hai.epub")).book_id
        create_user("docgia", "member", branch_code="CB-DOC", password=PASSWORD)
        db.session.commit()
    with serving(app, "reader-live") as url:
        yield SimpleNamespace(url=url, app=app, pdf=pdf, epub=epub, pages=len(pages) + 1)


@pytest.fixture
def reader_page(browser, reader_server, request):
    """A signed-in page; script errors, CSP violations and 5xx answers fail the test."""
    contexts = []
    problems: list[str] = []

    def open_page(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=reader_server.url, locale="vi-VN", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("console", lambda msg: problems.append(f"console: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)
        sign_in_as(page, "docgia", PASSWORD)
        assert "/dang-nhap" not in page.url
        return page

    yield open_page
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:100]
    out = ARTIFACTS / "browser"
    out.mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(contexts):
        for page in context.pages:
            try:
                page.screenshot(path=str(out / f"reader-{name}-{c}.png"))
            except Exception:  # a crashed page must not hide the test's own failure
                pass
        context.close()
    assert not problems, "\n".join(problems)


def seen_rows(app, book_id):
    with app.app_context():
        uid = find_user("docgia").id
        return {(r.position, r.to_end) for r in db.session.scalars(
            select(SectionSeen).where(SectionSeen.user_id == uid, SectionSeen.book_id == book_id))}


def saved_position(app, book_id):
    with app.app_context():
        uid = find_user("docgia").id
        row = db.session.scalar(select(ReadingPosition).where(
            ReadingPosition.user_id == uid, ReadingPosition.book_id == book_id))
        return (row.position, round(row.offset, 2)) if row else None


def wait_for(check, seconds=8.0):
    """Polls a server-side condition the page brings about asynchronously."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_pdf_hit_opens_at_its_page_with_the_words_marked(reader_page, reader_server):
    page = reader_page()
    page.goto(f"/doc/{reader_server.pdf}?p={PHRASE_PAGE}&q=tu+dien+bien")
    reader = page.locator("#reader")
    expect(reader).to_have_attribute("data-shown", str(PHRASE_PAGE))
    expect(page.locator(".reader-nav .muted").first).to_have_text(f"Trang {PHRASE_PAGE} / {reader_server.pages}")
    marks = page.locator(".pdf-page .textLayer mark")
    expect(marks.first).to_be_visible()
    assert "tu dien bien" in {fold(m).strip() for m in marks.all_inner_texts()}
    # The canvas was drawn: not a blank page.
    inked = page.evaluate("""() => { const c = document.querySelector('.pdf-page canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++; return dark; }""")
    assert inked > 500
    # The text layer is selectable text.
    assert "tự diễn biến" in page.evaluate("() => document.querySelector('.textLayer').textContent")
    expect(page.locator("[data-fallback-text]")).to_be_hidden()

    # Next page: drawn in place, the address follows, the page is recorded as seen.
    page.locator(".reader-nav a[rel=next]").first.click()
    expect(reader).to_have_attribute("data-shown", str(PHRASE_PAGE + 1))
    assert re.search(rf"[?&]p={PHRASE_PAGE + 1}\b", page.url)
    assert wait_for(lambda: {(PHRASE_PAGE, True), (PHRASE_PAGE + 1, True)} <= seen_rows(reader_server.app,
                                                                                   reader_server.pdf))
    assert wait_for(lambda: saved_position(reader_server.app, reader_server.pdf) == (PHRASE_PAGE + 1, 0.0))

    # Zoom in and back to the width of the screen.
    width = page.locator(".pdf-page canvas").bounding_box()["width"]
    level = page.locator("[data-zoom-level]").inner_text()
    assert re.fullmatch(r"\d+%", level), level
    page.locator("[data-zoom=in]").click()
    expect(page.locator("[data-zoom-level]")).not_to_have_text(level)
    page.wait_for_function(f"document.querySelector('.pdf-page canvas').getBoundingClientRect().width > {width + 5}"
                           f" || document.querySelector('.pdf-page canvas').getBoundingClientRect().width < {width - 5}")

    # Reopened without a page: where the reader stopped.
    page.goto(f"/doc/{reader_server.pdf}")
    expect(reader).to_have_attribute("data-shown", str(PHRASE_PAGE + 1))


def test_bookmarks_add_jump_and_delete(reader_page, reader_server):
    page = reader_page()
    page.goto(f"/doc/{reader_server.pdf}?p=3")
    expect(page.locator("#reader")).to_have_attribute("data-shown", "3")
    page.locator("[data-add-bookmark]").click()
    item = page.locator(".bookmark-list li[data-id]")
    expect(item).to_have_count(1)
    expect(item.locator("a")).to_have_text("Trang 3")
    page.locator(".reader-nav a[rel=next]").first.click()
    expect(page.locator("#reader")).to_have_attribute("data-shown", "4")
    item.locator("a").click()  # jump back without leaving the page
    expect(page.locator("#reader")).to_have_attribute("data-shown", "3")
    page.reload()
    expect(page.locator(".bookmark-list li[data-id] a")).to_have_text("Trang 3")
    page.locator(".bookmark-list [data-delete-bookmark]").click()
    expect(page.locator(".bookmark-list li[data-id]")).to_have_count(0)
    page.reload()
    expect(page.locator(".bookmark-list li[data-id]")).to_have_count(0)


def test_a_hostile_epub_chapter_runs_nothing(reader_page, reader_server):
    page = reader_page()
    page.goto(f"/doc/{reader_server.epub}?p=1&q=dang+vien")
    frame_element = page.locator("iframe.epub-frame")
    expect(frame_element).to_have_attribute("sandbox", "allow-scripts")
    frame = frame_element.content_frame
    expect(frame.locator("h1")).to_have_text("Chương độc hại")
    expect(frame.locator("mark#hit")).to_have_text("đảng viên")
    expect(frame.locator("img[alt='hình']")).to_be_visible()
    assert frame.locator("img[alt='hình']").evaluate("img => img.naturalWidth") == 1  # served to the frame
    page.wait_for_timeout(500)  # time for anything that would run to have run

    assert page.title() != "PWNED" and "PWNED" not in page.title()
    assert page.evaluate("() => typeof window.PWNED") == "undefined"
    inside = page.frames[1]
    assert inside.evaluate("() => document.title") != "PWNED"
    assert inside.evaluate("() => typeof window.PWNED") == "undefined"
    assert inside.evaluate("() => [...document.scripts].map(s => s.getAttribute('src'))") == [
        "/static/reader/anchors.js", "/static/reader/epub-frame.js"]
    # The frame has no origin of its own: it cannot reach the reader page or its cookies.
    assert inside.evaluate("() => { try { return window.parent.document.title; } catch (e) { return 'blocked'; } }") \
        == "blocked"
    assert inside.evaluate("() => { try { return document.cookie; } catch (e) { return 'blocked'; } }") == "blocked"
    assert inside.evaluate("() => origin") == "null"
    # Clicking what used to be the javascript: link does nothing.
    inside.locator("a", has_text="lừa").first.click()
    page.wait_for_timeout(200)
    assert inside.evaluate("() => typeof window.PWNED") == "undefined"

    # Opening the chapter is recorded; a short chapter is also read to its end.
    assert wait_for(lambda: (1, True) in seen_rows(reader_server.app, reader_server.epub))

    # A link to another chapter of the book goes through the reader page.
    with page.expect_navigation():
        inside.locator("a", has_text="sang chương hai").click()
    assert re.search(rf"/doc/{reader_server.epub}\?p=2#muc-2$", page.url), page.url
    expect(page.locator("main > h2")).to_have_text("Hai")


def test_font_size_reaches_the_frame(reader_page, reader_server):
    page = reader_page()
    page.goto(f"/doc/{reader_server.epub}?p=2")
    frame = page.locator("iframe.epub-frame").content_frame
    expect(frame.locator("p").first).to_be_visible()
    before = frame.locator("p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    page.locator("[data-font=larger]").click()
    page.locator("[data-font=larger]").click()
    expect(page.locator("[data-font-level]")).to_have_text("120%")
    page.wait_for_function("() => true")
    inside = page.frames[1]
    inside.wait_for_function(f"() => parseFloat(getComputedStyle(document.querySelector('p')).fontSize) > {before}")


@pytest.mark.parametrize("kind", ["pdf", "epub"])
def test_the_reader_fits_a_phone(reader_page, reader_server, kind):
    page = reader_page(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                       has_touch=True)
    if kind == "pdf":
        page.goto(f"/doc/{reader_server.pdf}?p={PHRASE_PAGE}&q=tu+dien+bien")
        expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
        box = page.locator(".pdf-page canvas").bounding_box()
        assert 300 <= box["width"] <= 375, box  # fitted to the width of the phone
        # Drawn for the phone's pixel density: sharp, not blown up.
        assert page.evaluate("() => document.querySelector('.pdf-page canvas').width") >= 2 * box["width"] - 2
    else:
        page.goto(f"/doc/{reader_server.epub}?p=2")
        frame = page.locator("iframe.epub-frame")
        expect(frame.content_frame.locator("p").first).to_be_visible()
        assert frame.bounding_box()["width"] <= 375
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"scrolls sideways on a phone: {sizes}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reader-phone-{kind}.png"), full_page=True)
