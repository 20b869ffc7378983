"""What a member notices, in a real Chromium against a live server on a small demo library."""
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from library.vietnamese import fold

try:
    from playwright.sync_api import expect
except ImportError:  # the same rule as the browser fixture: fail unless told to skip
    if os.environ.get("LIBRARY_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("LIBRARY_SKIP_BROWSER_TESTS=1", allow_module_level=True)
    pytest.fail("the playwright package is missing: run bin/setup --test", pytrace=False)

pytestmark = pytest.mark.browser

TU_TUONG, BAC, CHI_BO = "bao-ve-nen-tang-tu-tuong", "hoc-tap-lam-theo-bac", "chi-bo-dien-tu"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def query_args(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def path_of(url: str) -> str:
    return urlsplit(url).path


def search_from_header(page, text: str):
    box = page.locator(".search-box input[type=search]")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")
    assert path_of(page.url) == "/tim-kiem", page.url


def marked_words(locator) -> list[str]:
    return [fold(t) for t in locator.locator("mark").all_inner_texts()]


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]")


# 1 -------------------------------------------------------------------------------------------

def test_member_signs_in_through_the_form_and_sees_the_three_shelves(page, live_server, browser_helpers):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next=%2F$|/dang-nhap\?next=/$"))
    expect(page.locator("h1")).to_have_text("Đăng nhập")

    # A wrong password first: the form says so and stays.
    browser_helpers.sign_in(page, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    expect(page.locator(".form-error")).to_be_visible()
    expect(page.locator("#username")).to_have_value(live_server.username)

    browser_helpers.sign_in(page)
    assert path_of(page.url) == "/", page.url
    expect(page.locator("h1")).to_have_text("Các tủ sách")
    expect(page.locator(".site-nav")).to_contain_text(live_server.username)

    tiles = page.locator(".shelves .shelf-tile")
    expect(tiles).to_have_count(3)
    expected = live_server.shelf_counts()
    for slug, name in live_server.shelf_names.items():
        tile = tiles.filter(has=page.locator(f"a[href$='/tu-sach/{slug}']"))
        expect(tile).to_have_count(1)
        expect(tile.locator(".shelf-name")).to_have_text(name)
        expect(tile.locator(".shelf-count")).to_have_text(f"{expected[slug]} đầu sách")

    # The newest books are listed under the shelves, and a shelf tile opens the shelf.
    expect(page.locator(".book-grid > li")).not_to_have_count(0)
    tiles.filter(has=page.locator(f"a[href$='/tu-sach/{CHI_BO}']")).locator("a").click()
    expect(page).to_have_url(re.compile(f"/tu-sach/{CHI_BO}$"))
    expect(page.locator("main")).to_contain_text(live_server.books["huong-dan-sinh-hoat-chi-bo-truc-tuyen"].title)


# 2 -------------------------------------------------------------------------------------------

def test_search_without_diacritics_groups_by_book_and_opens_the_reader_at_the_hit(member_page, live_server):
    page = member_page
    search_from_header(page, "tu dien bien")
    expect(page.locator("h1")).to_contain_text("«tu dien bien»")

    results = page.locator("ol.results > li.result")
    titles = [t.strip() for t in results.locator("h2").all_inner_texts()]
    expected = {live_server.books[s].title for s in
                ("bao-ve-nen-tang-tu-tuong-tinh-hinh-moi", "hoi-dap-nghi-quyet-35", "phong-chong-tu-dien-bien")}
    assert len(titles) == len(set(titles)), f"a book is listed twice: {titles}"
    assert expected <= set(titles), titles
    expect(page.locator(".sort-bar")).to_contain_text(f"{len(titles)} cuốn sách")

    # Each book carries its page or chapter hits, the words marked in the snippets.
    snippets = page.locator(".locations .snippet")
    assert snippets.count() >= 3
    marks = marked_words(page.locator(".locations"))
    # The phrase, or a run of its syllables where a page holds only part of it.
    allowed = {"tu dien bien", "tu dien", "dien bien", "tu", "dien", "bien"}
    assert marks and set(marks) <= allowed, marks
    assert "tu dien bien" in marks, f"the phrase itself is never marked: {marks}"

    # Clicking a page hit of the PDF opens the reader at that page, the words marked.
    book = live_server.books["bao-ve-nen-tang-tu-tuong-tinh-hinh-moi"]
    result = results.filter(has=page.locator("h2", has_text=book.title))
    first_hit = result.locator(".locations a.where").first
    label = first_hit.inner_text().strip()
    assert re.fullmatch(r"Trang \d+", label), label
    number = int(label.split()[1])
    first_hit.click()
    page.wait_for_url(re.compile(rf"/doc/{book.id}\?"))
    args = query_args(page.url)
    assert args["p"] == str(number) and fold(args["q"]) == "tu dien bien", page.url
    expect(page.locator(".reader-nav .muted").first).to_have_text(f"Trang {number} / {book.sections}")
    # The PDF reader (pdf.js) draws that page and marks the words on its text layer.
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(number))
    text = page.locator(".pdf-page .textLayer")
    expect(text.locator("mark").first).to_be_visible()
    assert "tu dien bien" in marked_words(text), marked_words(text)

    # Turning the page keeps the searched words, so they stay marked further on; the page
    # is drawn in place and the address follows (replacing it: Back returns to the results).
    page.locator(".reader-nav a[rel=next]").first.click()
    expect(page.locator("#reader")).to_have_attribute("data-shown", str(number + 1))
    args = query_args(page.url)
    assert args["p"] == str(number + 1) and fold(args["q"]) == "tu dien bien", page.url
    expect(page.locator(".reader-nav .muted").first).to_have_text(f"Trang {number + 1} / {book.sections}")

    page.go_back()
    page.wait_for_url(re.compile(r"/tim-kiem\?"))

    # A chapter hit of the EPUB opens the reader at that chapter.
    epub = live_server.books["phong-chong-tu-dien-bien"]
    result = results.filter(has=page.locator("h2", has_text=epub.title))
    hit = result.locator(".locations a.where").first
    chapter_title = hit.inner_text().strip()
    hit.click()
    page.wait_for_url(re.compile(rf"/doc/{epub.id}\?"))
    position = int(query_args(page.url)["p"])
    assert 1 <= position <= epub.sections
    expect(page.locator("main > h2").first).to_have_text(chapter_title)
    # The chapter is shown in a sandboxed frame, the words marked in it.
    chapter = page.locator("iframe.epub-frame").content_frame
    expect(chapter.locator("mark").first).to_be_visible()
    assert "tu dien bien" in marked_words(chapter.locator("body"))


def test_marking_the_searched_words_keeps_the_reader_text_s_line_breaks(member_page, live_server):
    page = member_page
    epub = live_server.books["phong-chong-tu-dien-bien"]
    page.goto(f"/doc/{epub.id}/van-ban?p=6")  # the text mode
    plain = page.locator("article.reader-text").inner_text()
    page.goto(f"/doc/{epub.id}/van-ban?p=6&q=tu+dien+bien")
    text = page.locator("article.reader-text")
    expect(text.locator("mark").first).to_be_visible()
    marked = text.inner_text()
    assert plain.count("\n") > 1, "the chapter has several paragraphs"
    assert marked.splitlines() == plain.splitlines()


# 3 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, slug, how", [
    ("mau chuyen dao", "mau-chuyen-dao-duc-ho-chi-minh", "click"),
    ("can kiem liem", "can-kiem-liem-chinh", "keyboard"),
])
def test_typeahead_suggests_titles_typed_without_diacritics(member_page, live_server, typed, slug, how):
    page = member_page
    book = live_server.books[slug]
    box = page.locator(".search-box input[type=search]")
    box.click()
    box.press_sequentially(typed, delay=30)
    suggestions = page.locator(".search-box .suggestions")
    expect(suggestions).to_be_visible()
    choice = suggestions.locator("a", has_text=book.title)
    expect(choice).to_have_count(1)
    if how == "keyboard":  # arrow down to the suggestion, Enter opens it
        links = suggestions.locator("a")
        index = [t.split(" — ")[0].strip() for t in links.all_inner_texts()].index(book.title)
        for _ in range(index + 1):
            box.press("ArrowDown")
        expect(links.nth(index)).to_have_class(re.compile(r"\bactive\b"))
        box.press("Enter")
    else:
        choice.click()
    page.wait_for_url(re.compile(rf"/sach/{book.id}$"))
    expect(page.locator("h1")).to_have_text(book.title)


def test_typeahead_closes_on_escape_and_a_short_input_shows_nothing(member_page):
    page = member_page
    box = page.locator(".search-box input[type=search]")
    box.press_sequentially("m", delay=30)
    page.wait_for_timeout(400)
    expect(page.locator(".search-box .suggestions")).to_be_hidden()
    box.press_sequentially("au chuyen", delay=30)
    expect(page.locator(".search-box .suggestions")).to_be_visible()
    box.press("Escape")
    expect(page.locator(".search-box .suggestions")).to_be_hidden()


# 4 -------------------------------------------------------------------------------------------

def test_shelf_facet_narrows_the_results_and_can_be_removed(member_page, live_server):
    page = member_page
    search_from_header(page, "dang vien")
    results = page.locator("ol.results > li.result")
    everything = results.count()
    assert everything == len(live_server.books), results.locator("h2").all_inner_texts()

    facets = page.locator("details.facets")
    chi_bo = facets.locator("a", has_text=live_server.shelf_names[CHI_BO])
    expect(chi_bo).to_have_count(1)
    chi_bo.click()
    page.wait_for_url(re.compile(rf"shelf={CHI_BO}"))
    expect(results).to_have_count(live_server.shelf_counts()[CHI_BO])
    expect(results.locator("h2").first).to_have_text(
        live_server.books["huong-dan-sinh-hoat-chi-bo-truc-tuyen"].title)
    expect(page.locator(".sort-bar")).to_contain_text("1 cuốn sách")
    expect(facets.locator("a.selected")).to_have_text(live_server.shelf_names[CHI_BO])
    for book in page.locator(".result .book-meta").all_inner_texts():
        assert live_server.shelf_names[CHI_BO] in book

    with page.expect_navigation():
        facets.locator("a", has_text="Bỏ lọc").click()
    assert "shelf" not in query_args(page.url)
    expect(results).to_have_count(everything)


def test_a_misspelt_query_offers_a_correction_and_nonsense_says_nothing_found(member_page):
    page = member_page
    search_from_header(page, "sinh hoat chi boo")
    main = page.locator("main")
    expect(main).to_contain_text("Không tìm thấy kết quả nào cho «sinh hoat chi boo»")
    offer = main.locator("p", has_text="Có phải bạn muốn tìm")
    expect(offer).to_be_visible()
    with page.expect_navigation():
        offer.locator("a").click()
    assert fold(query_args(page.url)["q"]) == "sinh hoat chi bo", page.url
    expect(page.locator("ol.results > li.result")).not_to_have_count(0)

    response = page.goto("/tim-kiem?q=xyzzyqw")
    assert response.status == 200
    expect(main).to_contain_text("Không tìm thấy kết quả nào cho «xyzzyqw»")
    expect(page.locator(".flash-error")).to_have_count(0)
    expect(page.locator("ol.results")).to_have_count(0)

    # A filter that hides every hit offers to search all the shelves (quoted: unquoted, the
    # three syllables apart are on pages of every shelf).
    page.goto(f"/tim-kiem?q=%22tu+dien+bien%22&shelf={CHI_BO}")
    expect(main).to_contain_text("Không tìm thấy kết quả nào cho «\"tu dien bien\"»")
    with page.expect_navigation():
        page.locator("a", has_text="Tìm trong mọi tủ sách").click()
    expect(page.locator("ol.results > li.result")).not_to_have_count(0)


# 5 -------------------------------------------------------------------------------------------

def test_phone_pages_do_not_scroll_sideways(new_context, live_server, browser_helpers):
    page = new_context(**PHONE).new_page()
    page.goto("/")
    browser_helpers.keep_screenshot(page, "phone-login")
    overflow = {"login": no_horizontal_scroll(page)}
    browser_helpers.sign_in(page)
    assert path_of(page.url) == "/"

    book = live_server.books["bao-ve-nen-tang-tu-tuong-tinh-hinh-moi"]
    epub = live_server.books["phong-chong-tu-dien-bien"]
    visits = [
        ("home", "/"),
        ("shelf", f"/tu-sach/{TU_TUONG}"),
        ("book", f"/sach/{book.id}"),
        ("search", "/tim-kiem?q=tu+dien+bien"),
        ("search-empty", "/tim-kiem?q=sinh+hoat+chi+boo"),
        ("reader", f"/doc/{book.id}?p=14&q=tu+dien+bien"),
        ("reader-epub", f"/doc/{epub.id}?p=6&q=tu+dien+bien"),
    ]
    for name, path in visits:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        browser_helpers.keep_screenshot(page, f"phone-{name}")
        overflow[name] = no_horizontal_scroll(page)

    # The typeahead's list fits the screen too.
    page.goto("/")
    box = page.locator(".search-box input[type=search]")
    box.tap()
    box.press_sequentially("chi bo", delay=30)
    expect(page.locator(".search-box .suggestions")).to_be_visible()
    browser_helpers.keep_screenshot(page, "phone-typeahead")
    overflow["typeahead"] = no_horizontal_scroll(page)

    too_wide = {name: sizes for name, sizes in overflow.items() if sizes[0] > sizes[1]}
    assert not too_wide, f"scrolls sideways on a phone (scrollWidth, innerWidth): {too_wide}"


# 6 -------------------------------------------------------------------------------------------

def test_signed_out_visitor_is_sent_to_sign_in_and_comes_back(page, live_server, browser_helpers):
    page.goto("/tim-kiem?q=dang+vien")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))
    expect(page.locator(".flash")).to_contain_text("Vui lòng đăng nhập")
    browser_helpers.sign_in(page, username=live_server.second_member)
    assert path_of(page.url) == "/tim-kiem" and query_args(page.url)["q"] == "dang vien", page.url
    expect(page.locator("ol.results > li.result")).not_to_have_count(0)

    # Signing out ends the session: the pages send to sign-in again.
    page.locator(".site-nav button", has_text="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    page.goto(f"/doc/{live_server.books['can-kiem-liem-chinh'].id}?p=2")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))


def test_language_switch_to_english_changes_the_labels(page, live_server, browser_helpers):
    # Signed out, sent to sign in: the switch is in the header there too, and keeps `next`.
    page.goto("/tim-kiem?q=dang+vien")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))
    with page.expect_navigation():
        page.locator(".site-nav button", has_text="English").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".search-box button")).to_have_text("Search")
    expect(page.locator(".search-box input")).to_have_attribute(
        "placeholder", "Search books, authors or passages…")
    expect(page.locator(".site-nav button[lang=vi]")).to_have_text("Tiếng Việt")

    browser_helpers.sign_in(page)
    assert path_of(page.url) == "/tim-kiem", page.url
    expect(page.locator("h1")).to_contain_text("Search results")
    expect(page.locator(".sort-bar")).to_contain_text("books")
    expect(page.locator(".sort-bar")).to_contain_text("Most relevant")
    expect(page.locator(".site-nav")).to_contain_text("Sign out")

    page.goto("/")
    expect(page.locator("h1")).to_have_text("Shelves")
    expect(page.locator(".shelf-count").first).to_contain_text("titles")
    expect(page.locator("main h2", has_text="New books")).to_be_visible()

    # The switch back restores Vietnamese on the page it was pressed on.
    search_from_header(page, "dang vien")
    with page.expect_navigation():
        page.locator(".site-nav button", has_text="Tiếng Việt").click()
    expect(page.locator("h1")).to_contain_text("Kết quả tìm kiếm")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert path_of(page.url) == "/tim-kiem", page.url


def test_the_sign_in_form_follows_the_language_switch(page):
    page.goto("/dang-nhap")
    with page.expect_navigation():
        page.locator(".site-nav button", has_text="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    labels = {
        "heading": page.locator("main h1").inner_text().strip(),
        "username": page.locator("label[for=username]").inner_text().strip(),
        "password": page.locator("label[for=password]").inner_text().strip(),
        "button": page.locator("section.auth-login button[type=submit]").inner_text().strip(),
    }
    assert labels == {"heading": "Sign in", "username": "Username", "password": "Password",
                      "button": "Sign in"}
