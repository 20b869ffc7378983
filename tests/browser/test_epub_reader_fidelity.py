"""EPUB fidelity in a real Chromium: a comic's pages are reachable one by one with their
pictures drawn; an Arabic chapter runs right to left; MathML and inline SVG are drawn (and
the SVG's scripts never run); a chapter with decomposed diacritics shows the searched words
marked. Its own small library, so the demo library of the other browser tests stays as is."""
from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user
from library.extensions import db
from library.ingest import import_file
from tests.browser.conftest import TIMEOUT_MS, serving
from tests.epubs import Part, picture, png, write_epub_parts, xhtml
from tests.test_epub_fidelity import HOSTILE_SVG, MATH, RTL

PASSWORD = "tusach-epub-2026"


@pytest.fixture(scope="module")
def epub_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("epub-live")
    app = prepare(create_app({
        "SECRET_KEY": "epub-browser-tests-secret-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True, "JOBS_BACKGROUND": False,
    }))
    comic = [Part(f"images/{n:02d}.jpg", picture(seed=n), "image/jpeg", fallback="fallback.xhtml",
                  title="Truyện" if n == 1 else None) for n in range(1, 4)]
    comic.append(Part("fallback.xhtml", xhtml("<p>Lời thoại.</p>"), spine=False))
    nfd = unicodedata.normalize("NFD", "<h1>BÁO CÁO CHÍNH TRỊ</h1><p>Báo cáo của chi bộ.</p>")
    mixed = [Part("toan.xhtml", MATH, title="Toán"),
             Part("chapters/so-do.xhtml", xhtml(f"<p>Sơ đồ:</p>{HOSTILE_SVG}"), title="Sơ đồ"),
             Part("images/dot.png", png(4, 4), "image/png", spine=False),
             Part("bao-cao.xhtml", xhtml(nfd), title="Báo cáo"),
             Part("co-dinh.xhtml", xhtml('<div style="width:1200px;height:1800px"><p>Trang cố định.</p></div>',
                                         head='<meta name="viewport" content="width=1200, height=1800"/>'),
                  title="Cố định")]
    vertical = [Part("ja.xhtml", xhtml("<p>縦書きの文章です。</p>", html_attributes='lang="ja"',
                                       head='<link rel="stylesheet" href="v.css"/>'), title="一"),
                Part("v.css", "html { -epub-writing-mode: vertical-rl; }", "text/css", spine=False)]
    untitled = [Part(f"c{n}.xhtml", xhtml(f"<p>Đoạn {n} của chương không tên.</p>", title="untitled"))
                for n in (1, 2)]
    with app.app_context():
        books = {name: import_file(write_epub_parts(root / f"{name}.epub", parts, title=name)).book_id
                 for name, parts in [("comic", comic), ("untitled", untitled),
                                     ("arabic", [Part("ar.xhtml", RTL, title="عربي")]),
                                     ("mixed", mixed), ("vertical", vertical)]}
        create_user("docgia", "member", branch_code="CB-EPUB", password=PASSWORD)
        db.session.commit()
    with serving(app, "epub-live") as url:
        yield SimpleNamespace(url=url, books=books)


@pytest.fixture
def page(browser, epub_server):
    problems: list[str] = []
    context = browser.new_context(base_url=epub_server.url, locale="vi-VN", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    tab.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)
    tab.goto("/dang-nhap")
    tab.fill("#username", "docgia")
    tab.fill("#password", PASSWORD)
    with tab.expect_navigation():
        tab.locator("section.auth-login button[type=submit]").click()
    yield tab
    context.close()
    assert not problems, "\n".join(problems)


def _chapter(page):
    """The chapter frame once loaded (it has no origin of its own: reached through Playwright)."""
    page.locator("iframe.epub-frame").wait_for()
    frame = next(f for f in page.frames if "/chuong/" in f.url)
    frame.wait_for_load_state("load")
    return frame


def test_every_page_of_a_comic_is_reached_and_drawn(page, epub_server):
    book = epub_server.books["comic"]
    page.goto(f"/doc/{book}?p=1")
    for number in (1, 2, 3):
        expect(page.locator("[data-where]").first).to_have_text(f"Trang {number} / 3")  # pages, not chapters
        frame = _chapter(page)
        image = frame.locator(".picture-page img")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 620
        assert image.get_attribute("src").endswith(f"/images/{number:02d}.jpg")
        box = image.bounding_box()
        assert box["height"] <= 900 and box["width"] > 100  # the whole page fits the frame
        if number < 3:
            with page.expect_navigation():
                page.locator("a[rel=next]").first.click()
    toc = page.locator("details.reader-toc li a")
    expect(toc).to_have_count(3)
    expect(toc.nth(1)).to_have_text("Trang 2")


@pytest.mark.parametrize("language, page_word, chapter_word", [("vi", "Trang", "Chương"), ("en", "Page", "Chapter")])
def test_picture_pages_are_pages_and_made_up_labels_speak_the_readers_language(page, epub_server, language,
                                                                               page_word, chapter_word):
    page.context.add_cookies([{"name": "lang", "value": language, "url": epub_server.url}])
    comic = epub_server.books["comic"]
    page.goto(f"/doc/{comic}?p=2")
    expect(page.locator("[data-where]").first).to_have_text(f"{page_word} 2 / 3")
    expect(page.locator("h2.reader-chapter")).to_have_text(f"{page_word} 2")
    expect(page.locator("a[rel=next]").first).to_have_attribute(
        "aria-label", {"vi": "Trang sau", "en": "Next"}[language])
    toc = page.locator("details.reader-toc li a")
    expect(toc).to_have_text(["Truyện", f"{page_word} 2", f"{page_word} 3"])  # its own title kept
    page.goto(f"/doc/{comic}/van-ban?p=3")
    expect(page.locator("[data-where]").first).to_have_text(f"{page_word} 3 / 3")
    page.goto(f"/sach/{comic}")  # the book's outline: its one entry is a page
    expect(page.locator("#muc-luc ~ ul.toc li .muted")).to_have_text([f"{page_word} 1"])
    # Chapters without a title are chapters, named in the reader's language too.
    untitled = epub_server.books["untitled"]
    page.goto(f"/doc/{untitled}?p=2")
    expect(page.locator("[data-where]").first).to_have_text(f"{chapter_word} 2 / 2")
    expect(page.locator("h2.reader-chapter")).to_have_text(f"{chapter_word} 2")
    expect(page.locator("details.reader-toc li a")).to_have_text([f"{chapter_word} 1", f"{chapter_word} 2"])
    page.goto(f"/sach/{untitled}")
    expect(page.locator("#muc-luc ~ ul.toc li a")).to_have_text([f"{chapter_word} 1", f"{chapter_word} 2"])


def test_an_arabic_chapter_runs_right_to_left(page, epub_server):
    page.goto(f"/doc/{epub_server.books['arabic']}?p=1")
    frame = _chapter(page)
    arabic = frame.locator("p").first
    assert arabic.evaluate("p => getComputedStyle(p).direction") == "rtl"
    assert frame.locator("p[lang=vi]").evaluate("p => getComputedStyle(p).direction") == "ltr"
    # Right to left: the line ends at the right edge of the text column.
    text_box = arabic.evaluate("p => { const r = document.createRange(); r.selectNodeContents(p);"
                               " const b = r.getBoundingClientRect(); const o = p.getBoundingClientRect();"
                               " return [o.right - b.right, b.left - o.left]; }")
    assert text_box[0] < 2 and text_box[1] > 20


def test_vertical_japanese_stays_vertical(page, epub_server):
    page.goto(f"/doc/{epub_server.books['vertical']}?p=1")
    frame = _chapter(page)
    assert frame.evaluate("() => getComputedStyle(document.documentElement).writingMode") == "vertical-rl"
    box = frame.locator("p").bounding_box()
    assert box["height"] > box["width"]  # the line runs down the page


def test_math_and_svg_are_drawn_and_inert(page, epub_server):
    book = epub_server.books["mixed"]
    page.goto(f"/doc/{book}?p=1")
    frame = _chapter(page)
    fraction = frame.locator("math[display=block] mfrac").first
    box = fraction.bounding_box()
    assert box and box["height"] > 25  # numerator over denominator, not a run of letters
    page.goto(f"/doc/{book}?p=2")
    frame = _chapter(page)
    circle = frame.locator("svg circle")
    assert circle.bounding_box()["width"] > 10
    assert frame.locator("svg image[href]").evaluate("i => i.getAttribute('href')").endswith("/images/dot.png")
    assert frame.evaluate("() => typeof window.PWNED") == "undefined"
    frame.locator("svg text").click()  # its onclick was taken out: nothing runs
    assert frame.evaluate("() => typeof window.PWNED") == "undefined"


def test_decomposed_words_are_marked(page, epub_server):
    page.goto(f"/doc/{epub_server.books['mixed']}?p=3&q=bao+cao")
    frame = _chapter(page)
    mark = frame.locator("mark").first
    expect(mark).to_be_visible()
    assert mark.inner_text() == "BÁO CÁO"


def test_a_fixed_layout_page_is_seen_whole(page, epub_server):
    page.goto(f"/doc/{epub_server.books['mixed']}?p=4")
    frame = _chapter(page)
    size = frame.evaluate("() => { const b = document.body.getBoundingClientRect();"
                          " return [b.width, b.height, innerWidth, innerHeight]; }")
    width, height, frame_width, frame_height = size
    assert width <= frame_width + 1 and height <= frame_height + 1  # scaled down to fit
    assert abs(width / height - 1200 / 1800) < 0.01  # its proportions kept
