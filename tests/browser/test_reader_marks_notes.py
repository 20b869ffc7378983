"""The readers in a real Chromium, on a phone and on a desktop: the marks follow the search's
rule (a query with diacritics marks that phrase only, one without marks every accented form),
search inside the book jumps between hits, a highlight is made, survives a reload, is
exported and is nobody else's; the page starts high on a phone; pages scroll continuously.
"""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user
from library.extensions import db
from library.ingest import import_file
from library.reader.vendor import DEFAULT_DIR
from tests.books import FILLER, epub_book, pdf_book
from tests.browser.conftest import ARTIFACTS, TIMEOUT_MS, serving, sign_in_as

PASSWORD = "tusach-notes-2026"
PHRASE = "Chủ tịch Hồ Chí Minh ký hồ sơ. Chỉ thị về chí khí. Đảng viên đang viện dẫn."
PHRASE_PAGE, SECOND_PAGE = 4, 7
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
DESKTOP = dict(viewport={"width": 1280, "height": 900})

pytestmark = pytest.mark.skipif(not (DEFAULT_DIR / "build").is_dir(),
                                reason="pdf.js is not installed (bin/setup runs npm ci)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("notes-live")
    app = prepare(create_app({
        "SECRET_KEY": "notes-browser-tests-secret-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True,
    }))
    pages = [FILLER] * 8
    pages[PHRASE_PAGE - 2] = FILLER + "\n" + PHRASE + "\n" + FILLER
    pages[SECOND_PAGE - 2] = "Lời Hồ Chí Minh dạy.\n" + FILLER
    chapters = [("Mở đầu", FILLER), ("Lời Bác", FILLER + "\n" + PHRASE + "\n" + FILLER), ("Kết", "Hồ Chí Minh.")]
    with app.app_context():
        pdf = import_file(pdf_book(root / "so-tay.pdf", pages, title="Sổ tay đảng viên")).book_id
        epub = import_file(epub_book(root / "loi-bac.epub", chapters, title="Lời Bác dạy")).book_id
        for name in ("docgia", "docgia2"):
            create_user(name, "member", branch_code="CB-NOTES", password=PASSWORD)
        create_user("thuthu", "librarian", branch_code="CB-NOTES", password=PASSWORD)
        db.session.commit()
    with serving(app, "notes-live") as url:
        yield SimpleNamespace(url=url, app=app, pdf=pdf, epub=epub)


@pytest.fixture
def reader(browser, server, request):
    """reader(username, **context options) -> a signed-in page; script errors and 5xx fail."""
    contexts, problems = [], []

    def open_page(username="docgia", **options):
        options = {**DESKTOP, **options}
        context = browser.new_context(base_url=server.url, locale="vi-VN", accept_downloads=True, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)
        return sign_in_as(page, username, PASSWORD)

    yield open_page
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:100]
    out = ARTIFACTS / "browser"
    out.mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(contexts):
        for page in context.pages:
            try:
                page.screenshot(path=str(out / f"notes-{name}-{c}.png"))
            except Exception:
                pass
        context.close()
    assert not problems, "\n".join(problems)


def marked(locator) -> list[str]:
    """The marked phrases, their pieces (one per text node) joined."""
    return locator.evaluate_all("""marks => { const hits = [];
        for (const m of marks) { const i = m.dataset.hit;
          if (i !== undefined && hits.length && hits[hits.length - 1][0] === i) hits[hits.length - 1][1] += ' ' + m.textContent;
          else hits.push([i, m.textContent]); }
        return hits.map(h => h[1].replace(/\\s+/g, ' ').trim()); }""")


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_pdf_marks_follow_the_search_rule(reader, server, device):
    page = reader(**device)
    page.goto(f"/doc/{server.pdf}?p={PHRASE_PAGE}&q=Hồ Chí Minh")
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
    layer_marks = page.locator(f".pdf-page[data-page='{PHRASE_PAGE}'] .textLayer mark.search-mark")
    expect(layer_marks.first).to_be_visible()
    assert marked(layer_marks) == ["Hồ Chí Minh"]  # not "hồ" of "hồ sơ", nor "Chỉ", nor "chí"
    page.goto(f"/doc/{server.pdf}?p={PHRASE_PAGE}&q=dang vien")
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
    expect(layer_marks.first).to_be_visible()
    assert marked(layer_marks) == ["Đảng viên", "đang viện"]
    if device is PHONE:  # the page starts in the top fifth of the screen
        top = page.locator(f".pdf-page[data-page='{PHRASE_PAGE}']").evaluate(
            "el => el.getBoundingClientRect().top + window.scrollY")
        assert top <= 844 / 5, top
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"scrolls sideways on a phone: {sizes}"


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_epub_and_text_mode_marks_follow_the_search_rule(reader, server, device):
    page = reader(**device)
    page.goto(f"/doc/{server.epub}?p=2&q=Hồ Chí Minh")
    frame = page.locator("iframe.epub-frame").content_frame
    expect(frame.locator("mark#hit")).to_have_text("Hồ Chí Minh")
    expect(frame.locator("mark")).to_have_count(1)
    page.goto(f"/doc/{server.epub}?p=2&q=dang vien")
    expect(frame.locator("mark")).to_have_text(["Đảng viên", "đang viện"])
    if device is PHONE:
        top = page.locator("iframe.epub-frame").evaluate("el => el.getBoundingClientRect().top + window.scrollY")
        assert top <= 844 / 5, top
    page.goto(f"/doc/{server.pdf}/van-ban?p={PHRASE_PAGE}&q=Hồ Chí Minh")
    expect(page.locator("article.reader-text mark")).to_have_text(["Hồ Chí Minh"])


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_search_inside_the_pdf_and_jump_between_hits(reader, server, device):
    page = reader(**device)
    page.goto(f"/doc/{server.pdf}?p=1")
    expect(page.locator("#reader")).to_have_attribute("data-shown", "1")
    page.locator(".reader-top [data-open-search]").click()
    panel = page.locator("#book-search")
    expect(panel).to_be_visible()
    panel.locator("input[name=q]").fill("Hồ Chí Minh")
    panel.locator("button[type=submit]").click()
    # the first hit is shown at once, the phrase marked as the current hit
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
    current = page.locator(f".pdf-page[data-page='{PHRASE_PAGE}'] mark.search-mark.current")
    expect(current.first).to_be_visible()
    assert " ".join(current.all_text_contents()).split() == ["Hồ", "Chí", "Minh"]
    assert f"p={PHRASE_PAGE}" in page.url and "q=" in page.url
    if not panel.is_visible():
        page.locator(".reader-top [data-open-search]").click()
    items = panel.locator(".hit-list a")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(f"Trang {PHRASE_PAGE}")
    expect(items.nth(1)).to_contain_text(f"Trang {SECOND_PAGE}")
    expect(items.nth(0).locator("mark")).to_have_text("Hồ Chí Minh")
    expect(items.nth(0)).to_have_attribute("aria-current", "true")
    page.locator("[data-hit-bar] [data-hit=next]").first.click() if not panel.is_visible() else \
        panel.locator("[data-hit=next]").click()
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(SECOND_PAGE))
    expect(page.locator(f".pdf-page[data-page='{SECOND_PAGE}'] mark.search-mark.current").first).to_be_visible()
    if panel.is_visible():
        panel.locator("[data-close-panel]").click()
    page.locator("[data-hit-bar] [data-hit=prev]").first.click()
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
    expect(page.locator("[data-hit-bar] [data-hit-count]").first).to_have_text("1/2")


def test_search_inside_an_epub_opens_the_hit_chapter(reader, server):
    page = reader(**PHONE)
    page.goto(f"/doc/{server.epub}?p=1")
    page.locator(".reader-top [data-open-search]").click()
    page.locator("#book-search input[name=q]").fill("ho chi minh")
    with page.expect_navigation():
        page.locator("#book-search button[type=submit]").click()
    assert re.search(r"[?&]p=2\b", page.url)
    frame = page.locator("iframe.epub-frame").content_frame
    expect(frame.locator("mark#hit")).to_have_text("Hồ Chí Minh")
    expect(page.locator("[data-hit-bar] [data-hit-count]").first).to_have_text("1/2")
    with page.expect_navigation():
        page.locator("[data-hit-bar] [data-hit=next]").first.click()
    assert re.search(r"[?&]p=3\b", page.url)


def select_words(page, selector: str, words: str):
    """Selects the first occurrence of `words` inside the element, as a user's drag would."""
    page.locator(selector).evaluate("""(el, words) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let text = '', nodes = [];
        while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
        const at = text.indexOf(words); if (at < 0) throw new Error('not on the page: ' + words);
        const place = (offset) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]]; };
        const range = document.createRange();
        range.setStart(...place(at)); range.setEnd(...place(at + words.length));
        const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
    }""", words)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_highlight_on_a_pdf_page_is_kept_exported_and_private(reader, server, device):
    page = reader(**device)
    page.goto(f"/doc/{server.pdf}?p={PHRASE_PAGE}")
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
    select_words(page, f".pdf-page[data-page='{PHRASE_PAGE}'] .textLayer", "Chỉ thị về chí khí")
    bar = page.locator("[data-select-bar]")
    expect(bar).to_be_visible()
    bar.locator("[data-add-note]").click()
    editor = page.locator("#notes form.note-editor")
    expect(editor).to_be_visible()
    editor.locator("textarea").fill("Nhắc chi bộ tuần sau.")
    editor.locator("input[value=green]").check()
    editor.locator("button[type=submit]").click()
    note = page.locator("#notes li[data-id]")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Nhắc chi bộ tuần sau.")
    expect(note).to_have_class(re.compile(r"\bhl-green\b"))
    painted = page.locator(f".pdf-page[data-page='{PHRASE_PAGE}'] mark.highlight")
    expect(painted.first).to_be_attached()
    assert "".join(painted.all_text_contents()).replace(" ", "") == "Chỉthịvềchíkhí"

    page.reload()  # kept: listed and painted again on the page
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
    expect(page.locator(f".pdf-page[data-page='{PHRASE_PAGE}'] mark.highlight.hl-green").first).to_be_attached()
    page.locator(".reader-top [data-open-notes]").click()
    expect(page.locator("#notes li[data-id] .note-where")).to_have_text(f"Trang {PHRASE_PAGE}")

    with page.expect_download() as markdown:
        page.locator("#notes [data-export=md]").click()
    text = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert "> Chỉ thị về chí khí" in text and "Nhắc chi bộ tuần sau." in text and f"## Trang {PHRASE_PAGE}" in text
    with page.expect_download() as table:
        page.locator("#notes [data-export=csv]").click()
    assert "Chỉ thị về chí khí" in Path(table.value.path()).read_text(encoding="utf-8-sig")

    for other in ("docgia2", "thuthu"):  # a member and a librarian see none of it
        someone = reader(other, **device)
        someone.goto(f"/doc/{server.pdf}?p={PHRASE_PAGE}")
        expect(someone.locator("#reader")).to_have_attribute("data-shown", str(PHRASE_PAGE))
        someone.locator(".reader-top [data-open-notes]").click()
        expect(someone.locator("#notes [data-note-count]")).to_have_text("0")
        assert someone.locator("mark.highlight").count() == 0
        answer = someone.request.get(f"/api/books/{server.pdf}/highlights.md")
        assert "Chỉ thị" not in answer.text()

    # deleted by its author
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#notes li[data-id] [data-action=delete]").click()
    expect(page.locator("#notes li[data-id]")).to_have_count(0)


def test_a_highlight_in_an_epub_chapter_is_kept(reader, server):
    page = reader(**DESKTOP)
    page.goto(f"/doc/{server.epub}?p=2")
    frame = page.locator("iframe.epub-frame").content_frame
    expect(frame.locator("p").first).to_be_visible()
    inside = page.frames[1]
    inside.locator("body").evaluate("""body => {
        const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) { const n = walker.currentNode, at = n.data.indexOf('Đảng viên đang viện');
          if (at >= 0) { const r = document.createRange(); r.setStart(n, at); r.setEnd(n, at + 19);
            getSelection().removeAllRanges(); getSelection().addRange(r); return; } }
        throw new Error('not found'); }""")
    bar = page.locator("[data-select-bar]")
    expect(bar).to_be_visible()
    bar.locator("[data-color=pink]").click()
    expect(frame.locator("mark.highlight.hl-pink")).to_have_text("Đảng viên đang viện")
    page.reload()
    expect(frame.locator("mark.highlight.hl-pink")).to_have_text("Đảng viên đang viện")
    page.locator(".reader-top [data-open-notes]").click()
    expect(page.locator("#notes li[data-id] .note-where")).to_have_text("Lời Bác")


def test_pdf_pages_scroll_continuously_and_the_place_follows(reader, server):
    page = reader(**PHONE)
    page.goto(f"/doc/{server.pdf}?p=2")
    expect(page.locator("#reader")).to_have_attribute("data-shown", "2")
    page.locator(".reader-more > summary").click()
    page.locator("[data-pdf-mode]").click()
    expect(page.locator("#reader")).to_have_class(re.compile(r"\bpdf-scroll\b"))
    expect(page.locator(".pdf-page")).to_have_count(9)
    page.locator(".pdf-page[data-page='5']").scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, 60)")
    page.wait_for_function("() => ['5', '4', '6'].includes(document.getElementById('reader').dataset.shown)")
    shown = int(page.locator("#reader").get_attribute("data-shown"))
    page.wait_for_function(f"() => document.querySelector(\".pdf-page[data-page='{shown}'] canvas\").width > 100")
    assert re.search(rf"[?&]p={shown}\b", page.url)
    page.reload()  # the choice is kept
    expect(page.locator("#reader")).to_have_class(re.compile(r"\bpdf-scroll\b"))
    page.locator(".reader-more > summary").click()
    page.locator("[data-pdf-mode]").click()  # back to page by page
    expect(page.locator(".pdf-page")).to_have_count(1)


def test_full_screen_and_tap_zones_turn_pdf_pages(reader, server):
    page = reader(**PHONE)
    page.goto(f"/doc/{server.pdf}?p=3")
    expect(page.locator("#reader")).to_have_attribute("data-shown", "3")
    page.locator("[data-fullscreen]").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\breader-fullscreen\b"))
    expect(page.locator(".reader-title")).to_be_hidden()
    box = page.locator(".pdf-page[data-page='3']").bounding_box()
    page.touchscreen.tap(370, box["y"] + box["height"] / 2)  # right side: next page
    expect(page.locator("#reader")).to_have_attribute("data-shown", "4")
    box = page.locator(".pdf-page[data-page='4']").bounding_box()
    page.touchscreen.tap(20, box["y"] + box["height"] / 2)  # left side: back
    expect(page.locator("#reader")).to_have_attribute("data-shown", "3")
    box = page.locator(".pdf-page[data-page='3']").bounding_box()
    page.touchscreen.tap(195, box["y"] + box["height"] / 2)  # middle: the bar goes away
    expect(page.locator(".reader-bar")).to_be_hidden()
