"""The pages a member sees: shelves, books, search results and the text reader."""
import re

import pytest

from library.ingest import import_file
from tests.books import FILLER, epub_book, pdf_book


@pytest.fixture
def library(app, tmp_path):
    """Two books with planted passages; returns their ids."""
    with app.app_context():
        pdf = import_file(pdf_book(tmp_path / "a.pdf", [FILLER, "Kiên quyết đấu tranh chống tự diễn biến, tự chuyển hóa."],
                                   title="Bảo vệ nền tảng tư tưởng", authors=["Nguyễn Văn Bình"], year=2020),
                          shelf="bao-ve-nen-tang-tu-tuong")
        epub = import_file(epub_book(tmp_path / "b.epub", [("Lời nói đầu", FILLER),
                                                           ("Tấm gương đạo đức", "Học tập tấm gương trong sạch của Bác.")],
                                     title="Học tập và làm theo Bác", authors=["Trần Thị Lan"], year=2023),
                           shelf="hoc-tap-lam-theo-bac")
    return {"pdf": pdf.book_id, "epub": epub.book_id}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_signed_out_visitor_is_sent_to_sign_in(anonymous):
    response = anonymous.get("/tu-sach/chi-bo-dien-tu")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_home_lists_the_three_shelves_with_counts(client, library):
    page = text(client.get("/"))
    for name in ("Bảo vệ nền tảng tư tưởng của Đảng", "Chi bộ điện tử",
                 "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"):
        assert name in page
    assert page.count("1 đầu sách") == 2 and "0 đầu sách" in page


def test_shelf_page_lists_its_books_only(client, library):
    page = text(client.get("/tu-sach/hoc-tap-lam-theo-bac"))
    assert "Học tập và làm theo Bác" in page and "Trần Thị Lan" in page and "2023" in page
    assert "Bảo vệ nền tảng tư tưởng</span>" not in page
    assert client.get("/tu-sach/khong-co").status_code == 404


def test_book_page_shows_metadata_and_contents(client, library):
    page = text(client.get(f"/sach/{library['epub']}"))
    assert "Trần Thị Lan" in page and "Tấm gương đạo đức" in page
    assert f"/doc/{library['epub']}?p=2" in page
    assert client.get("/sach/9999").status_code == 404


def test_cover_is_an_image(client, library):
    with client.get(f"/sach/{library['pdf']}/anh-bia") as response:
        assert response.status_code == 200 and response.mimetype.startswith("image/")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_search_without_diacritics_finds_the_page_and_links_the_reader(client, library):
    page = text(client.get("/tim-kiem?q=tu+dien+bien"))
    assert "Bảo vệ nền tảng tư tưởng" in page
    assert "<mark>tự diễn biến</mark>" in page
    assert f"/doc/{library['pdf']}?p=3&amp;q=tu+dien+bien" in page


def test_shelf_filter_and_the_way_back_to_all_shelves(client, library):
    page = text(client.get("/tim-kiem?q=trong+sach&shelf=chi-bo-dien-tu"))
    assert "Không tìm thấy kết quả nào" in page
    assert "Tìm trong mọi tủ sách" in page
    page = text(client.get("/tim-kiem?q=trong+sach&shelf=hoc-tap-lam-theo-bac"))
    assert "Học tập và làm theo Bác" in page


def test_misspelt_query_gets_a_suggestion(client, library):
    page = text(client.get("/tim-kiem?q=guong+daoo+duc"))
    assert "Có phải bạn muốn tìm" in page


@pytest.mark.parametrize("query", ["*", "??????", "content:[a TO z]", "title:x^100", '"unbalanced',
                                   "a" * 100_000, "x\x00y", " OR ".join(["dang"] * 3000), "!!!"])
def test_hostile_queries_get_a_page_not_a_500(client, library, query):
    response = client.get("/tim-kiem", query_string={"q": query})
    assert response.status_code in (200, 400)
    assert "<html" in text(response)


def test_reader_opens_at_the_page_with_the_words_marked(client, library):
    page = text(client.get(f"/doc/{library['pdf']}?p=3&q=tu+dien+bien"))
    assert "Trang 3 / 3" in page and "<mark>tự diễn biến</mark>" in page
    assert f'/doc/{library["pdf"]}?p=2&amp;q=tu+dien+bien' in page


def test_reader_escapes_book_text(app, client, tmp_path):
    with app.app_context():
        book = import_file(pdf_book(tmp_path / "x.pdf", ["<script>alert(1)</script> đảng viên"]))
    page = text(client.get(f"/doc/{book.book_id}?p=2&q=dang+vien"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_reader_clamps_a_page_out_of_range(client, library):
    response = client.get(f"/doc/{library['epub']}?p=99")
    assert response.status_code == 302 and response.headers["Location"].endswith("p=2")


def test_english_interface(client, library):
    client.set_cookie("lang", "en")
    page = text(client.get("/"))
    assert "Shelves" in page and "titles" in page


def test_reader_keeps_line_breaks_when_highlighting(app, client, tmp_path):
    with app.app_context():
        book = import_file(pdf_book(tmp_path / "x.pdf", ["Dòng thứ nhất về đảng viên.\nDòng thứ hai."]))
    page = text(client.get(f"/doc/{book.book_id}?p=2&q=dang+vien"))
    assert "<mark>đảng viên</mark>.\nDòng thứ hai" in page


def test_profile_page_folds_api_tokens_under_for_developers(client):
    page = text(client.get("/tai-khoan"))
    assert "member1" in page and "Đổi mật khẩu" in page
    # A member without tokens sees the jargon folded: a closed "for developers" section.
    assert '<details class="profile-card developers" id="token">' in page
    assert "Dành cho nhà phát triển: token API" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    made = text(client.post("/tai-khoan/token", data={"csrf_token": token, "name": "KOReader"}))
    assert '<details class="profile-card developers" id="token" open>' in made


def test_a_forbidden_page_explains_itself_in_the_readers_language(client):
    response = client.get("/thu-vien/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.text and "Forbidden" not in response.text
    client.set_cookie("lang", "en")
    assert "Access denied" in client.get("/quan-tri/").text


def test_a_wrong_method_gets_a_page_not_werkzeugs_english(client):
    response = client.post("/tim-kiem", data={"csrf_token": ""})
    assert response.status_code in (400, 405)
    assert "Method Not Allowed" not in response.text and "The method is not allowed" not in response.text


@pytest.mark.parametrize("path", [
    "/tu-sach/chi-bo-dien-tu?page=99999999999999999999",
    "/tim-kiem?q=dang+vien&page=99999999999999999999",
    "/api/search?q=dang+vien&page=99999999999999999999",
])
def test_a_huge_page_number_is_not_a_server_error(client, path):
    assert client.get(path).status_code < 500


def test_a_book_without_authors_shows_no_stray_dot(app, client, tmp_path):
    import re

    with app.app_context():
        import_file(pdf_book(tmp_path / "c.pdf", [FILLER, "Văn kiện đại hội đảng bộ cơ sở."],
                             title="Văn kiện không tên tác giả", authors=[], year=2021),
                    shelf="chi-bo-dien-tu")
    for page in (text(client.get("/tu-sach/chi-bo-dien-tu")), text(client.get("/tim-kiem?q=van+kien"))):
        meta = re.search(r'class="book-meta">\s*([^<]*)', page).group(1).strip()
        assert meta.startswith("2021") and not meta.startswith("·"), meta


def test_a_favicon_for_the_tab_and_for_browsers_that_ask_the_root(client, anonymous):
    assert 'rel="icon"' in text(client.get("/"))
    with anonymous.get("/favicon.ico") as response:  # the sign-in page's tab too
        assert response.status_code == 200 and response.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
