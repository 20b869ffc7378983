"""Every page, for every role, on a 390 px phone: nothing wider than the screen, and
axe-core (npm, from node_modules, injected by the test) finds no serious or critical
accessibility problem on any of them.

The walk starts at the home page and a search, and follows every same-site link of each
page it opens, once per kind of page (`/sach/12` and `/sach/13` are one kind), so a page
added later and linked from anywhere is walked too."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
ROLES = ("dangvien", "bithu", "thuvien", "quantri")  # member, branch secretary, librarian, admin
MAX_PAGES_PER_ROLE = 80
# Not pages: files, exports, JSON, the reader's parts served to pdf.js.
# Kept under test-artifacts/ for people to look at.
SCREENSHOTS = {"/": "home", "/quan-tri/nhat-ky": "audit-log", "/tim-kiem?q": "search",
               "/thu-vien/sach": "console-books", "/tai-khoan": "profile"}
NOT_PAGES = re.compile(r"^/(api|opds|kosync|static|healthz)(/|$)|/(tep|tep-doc|tep-sach|anh-bia|pdfjs|trang-thai)(/|$)"
                       r"|\.(csv|xlsx|pdf|md|xml|json)$")


def page_kind(url: str) -> str:
    """`/sach/12?p=3` and `/sach/13?p=9` are the same kind of page: walk one of them."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)} - {"page"})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


@pytest.fixture(scope="module")
def walk_data(live_server):
    """A reading list for the demo member and a few audit events, so their pages have rows."""
    from library import audit
    from library.auth.accounts import find_user
    from library.extensions import db
    from library.reading_lists.service import AssignSpec, ItemSpec, create_list

    book = next(iter(live_server.books.values()))
    with live_server.app.app_context():
        secretary, member = find_user("bithu"), find_user("dangvien")
        create_list(secretary, title="Chuyên đề kiểm tra giao diện điện thoại",
                    items=[ItemSpec(book.id, pages=(1, 2))],
                    due=date.today() + timedelta(days=7), assign=AssignSpec(members=["dangvien"]))
        audit.record("book.upload", "book", book.id, book.title, actor=find_user("thuvien"),
                     job=1, file="so-tay-dang-vien-2026-ban-chinh-thuc.pdf", warnings=[])
        audit.record("user.role", "user", member.id, member.username, actor=find_user("quantri"),
                     old="member", new="member")
        db.session.commit()
    return book


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (bin/setup does) for axe-core", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def signed_in_state(browser, live_server, username):
    from tests.browser.conftest import sign_in

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, live_server, username)
    assert "/dang-nhap" not in page.url, f"{username} could not sign in"
    state = context.storage_state()
    context.close()
    return state


def axe_problems(page, axe_source) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)  # through the DevTools protocol: the site's CSP does not apply
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {iframes: false, resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +
                 v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return result


def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, walk_data, axe_source):
    from tests.browser.conftest import keep_screenshot

    too_wide, inaccessible, checked, kept = [], [], set(), set()
    walked = {}
    for username in ROLES:
        state = signed_in_state(browser, live_server, username)
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="vi-VN",
                                      storage_state=state, is_mobile=True, has_touch=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        queue, seen = ["/", "/tim-kiem?q=t%E1%BB%B1+di%E1%BB%85n+bi%E1%BA%BFn"], set()
        while queue and len(seen) < MAX_PAGES_PER_ROLE:
            path = queue.pop(0)
            kind = page_kind(path)
            if kind in seen:
                continue
            seen.add(kind)
            response = page.goto(path, wait_until="load")
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            assert response.status < 500, f"{username}: {path} answered {response.status}"
            assert "/dang-nhap" not in page.url, f"{username} was signed out at {path}"
            kind = page_kind(page.url)  # where a redirect led
            seen.add(kind)
            page.wait_for_timeout(50)  # scripts that lay the page out after load
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 391)
                    .slice(0, 4).map(e => e.tagName.toLowerCase() + '.' + e.className)""")
                too_wide.append(f"{username} {path}: {width}px ({', '.join(wide)})")
            if kind in SCREENSHOTS and (username, kind) not in kept:
                kept.add((username, kind))
                keep_screenshot(page, f"phone-{username}-{SCREENSHOTS[kind]}")
            if kind not in checked:
                checked.add(kind)
                inaccessible += [f"{path}: {p}" for p in axe_problems(page, axe_source)]
            for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
                parts = urlsplit(href)
                if href.startswith(live_server.url) and not NOT_PAGES.search(parts.path):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        walked[username] = seen
        context.close()
    # The walk really went round each role's part of the site.
    assert {"/", "/sach/N", "/doc/N?p", "/tim-kiem?q", "/tai-khoan", "/sach-can-doc"} <= walked["dangvien"]
    assert {"/danh-sach-doc", "/danh-sach-doc/N"} <= walked["bithu"]
    assert any(re.fullmatch(r"/chi-bo/[^/]+/thanh-vien", kind) for kind in walked["bithu"])
    assert {"/thu-vien/", "/thu-vien/sach", "/thu-vien/sach/N"} <= walked["thuvien"]
    assert {"/quan-tri/", "/quan-tri/nguoi-dung", "/quan-tri/nhat-ky", "/quan-tri/chi-bo/N"} <= walked["quantri"]
    assert not too_wide, "pages wider than a 390 px phone:\n" + "\n".join(too_wide)
    assert not inaccessible, "axe-core, serious or critical:\n" + "\n".join(inaccessible)


PDF_BOOK, EPUB_BOOK = "hoi-dap-nghi-quyet-35", "phong-chong-tu-dien-bien"


def test_the_staff_header_folds_into_a_menu_that_the_keyboard_opens(new_context, browser, live_server):
    state = signed_in_state(browser, live_server, "quantri")
    page = new_context(viewport=PHONE, storage_state=state).new_page()
    page.goto("/")
    header, nav = page.locator(".site-header"), page.locator("#site-nav")
    expect(nav).to_be_hidden()
    assert header.bounding_box()["height"] < 130, "brand, menu button and search: two lines"
    toggle = page.get_by_role("button", name="Menu")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Quản trị")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Tab")  # the first link of the menu comes right after the button
    assert page.evaluate("() => document.activeElement.closest('#site-nav') !== null")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()
    # On a desktop the links are in the header, no menu button.
    wide = new_context(storage_state=state).new_page()
    wide.goto("/")
    expect(wide.locator("#site-nav").get_by_role("link", name="Quản trị")).to_be_visible()
    expect(wide.get_by_role("button", name="Menu")).to_be_hidden()


def test_search_filters_come_before_the_results_on_a_phone(new_context, member_state, live_server):
    page = new_context(viewport=PHONE, storage_state=member_state).new_page()
    page.goto("/tim-kiem?q=tu+dien+bien")
    summary = page.locator(".facets summary")
    first_result = page.locator(".result").first
    expect(first_result).to_be_visible()
    assert summary.bounding_box()["y"] < first_result.bounding_box()["y"]
    shelf_link = page.locator(".facets a", has_text=live_server.shelf_names["bao-ve-nen-tang-tu-tuong"])
    expect(shelf_link).to_be_hidden()  # folded: the results start within the first screen
    assert first_result.bounding_box()["y"] < PHONE["height"]
    summary.click()
    expect(shelf_link).to_be_visible()
    shelf_link.click()
    expect(page.locator(".facets a.selected")).to_be_visible()  # filtered: shown open


def test_the_readers_work_with_the_keyboard(member_page, live_server):
    page = member_page
    pdf = live_server.books[PDF_BOOK]
    page.goto(f"/doc/{pdf.id}?p=1")
    reader = page.locator("#reader")
    expect(reader).to_have_attribute("data-shown", "1")
    page.keyboard.press("ArrowRight")
    expect(reader).to_have_attribute("data-shown", "2")
    page.keyboard.press("ArrowLeft")
    expect(reader).to_have_attribute("data-shown", "1")
    # "/" opens search inside the book with the focus in its field; Enter searches; Escape
    # closes it and gives the focus back to its button.
    page.keyboard.press("/")
    field = page.locator("#book-search input[type=search]")
    expect(field).to_be_focused()
    field.type("nghị quyết")
    page.keyboard.press("Enter")
    expect(page.locator("#book-search [data-hit-list] li, #book-search li").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#book-search")).to_be_hidden()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-open-search')")
    # "Đến trang": reached with Tab, a number, Enter.
    go_to = page.get_by_label("Đến trang").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name === 'p'"):
            break
    expect(go_to).to_be_focused()
    go_to.fill("3")
    page.keyboard.press("Enter")
    expect(reader).to_have_attribute("data-shown", "3")

    # EPUB: ← → on the page and inside the chapter's frame turn the chapter.
    epub = live_server.books[EPUB_BOOK]
    page.goto(f"/doc/{epub.id}?p=1")
    expect(page.locator("iframe[data-frame]")).to_be_visible()
    page.wait_for_timeout(200)
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")
    assert re.search(r"[?&]p=2\b", page.url), page.url
    page.frame_locator("iframe[data-frame]").locator("body").click(position={"x": 195, "y": 40})
    with page.expect_navigation():
        page.frame_locator("iframe[data-frame]").locator("body").press("ArrowLeft")
    assert re.search(r"[?&]p=1\b", page.url), page.url


# Every list page's filter form: (path, a field of its form, a query that sets one filter).
FILTER_PAGES = (("quantri", "/quan-tri/nguoi-dung", "#q", "q=an"),
                ("quantri", "/quan-tri/nhat-ky", "#actor", "actor=quantri"),
                ("quantri", "/quan-tri/chi-bo", "#q", "q=cb"),
                ("quantri", "/danh-sach-doc", "#branch", "branch=CB01"),
                ("thuvien", "/thu-vien/sach", ".console-filters input[name=q]", "q=nghi"))


def test_list_filters_fold_on_a_phone_and_stay_open_on_a_desktop(new_context, browser, live_server,
                                                                  walk_data, axe_source):
    states = {name: signed_in_state(browser, live_server, name) for name in ("quantri", "thuvien")}
    phones = {name: new_context(viewport=PHONE, storage_state=state, is_mobile=True, has_touch=True).new_page()
              for name, state in states.items()}
    desks = {name: new_context(storage_state=state).new_page() for name, state in states.items()}
    for username, path, field, filtered in FILTER_PAGES:
        page = phones[username]
        page.goto(path)
        fold = page.locator("details.filter-fold")
        summary = fold.locator("summary")
        expect(summary).to_be_visible()
        expect(page.locator(field)).to_be_hidden()  # folded: the list starts within the first screen
        assert summary.bounding_box()["height"] <= 60
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], path
        assert not axe_problems(page, axe_source), path
        summary.focus()
        page.keyboard.press("Enter")  # the keyboard opens it
        expect(page.locator(field)).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator(field)).to_be_hidden()
        # A filter in use: open, and the summary says how many.
        page.goto(f"{path}?{filtered}")
        expect(page.locator(field)).to_be_visible()
        expect(summary).to_contain_text("1 đang dùng")
        assert not axe_problems(page, axe_source), f"{path}?{filtered}"

        desk = desks[username]
        desk.goto(path)
        expect(desk.locator(field)).to_be_visible()  # no fold on a desktop
        expect(desk.locator("details.filter-fold summary")).to_be_hidden()
    # The reading-list report's own filters fold the same way.
    from sqlalchemy import select

    from library.extensions import db
    from library.reading_lists.models import ReadingList

    with live_server.app.app_context():
        list_id = db.session.scalar(select(ReadingList.id).where(
            ReadingList.title == "Chuyên đề kiểm tra giao diện điện thoại"))
    report = new_context(viewport=PHONE, storage_state=signed_in_state(browser, live_server, "bithu")).new_page()
    report.goto(f"/danh-sach-doc/{list_id}")
    expect(report.locator("details.filter-fold summary")).to_be_visible()
    expect(report.locator("input[name=overdue]")).to_be_hidden()
    report.goto(f"/danh-sach-doc/{list_id}?overdue=1")
    expect(report.locator("input[name=overdue]")).to_be_visible()
