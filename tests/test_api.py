"""The JSON API of CONTRACT.md, through the real HTTP stack with a Bearer token."""
import pytest

from library.ingest import import_file
from tests.books import FILLER, epub_book, pdf_book


@pytest.fixture
def books(app, tmp_path):
    with app.app_context():
        pdf = import_file(pdf_book(tmp_path / "a.pdf", [FILLER, "Nâng cao bản lĩnh chính trị của đảng viên trẻ."],
                                   title="Sổ tay đảng viên", authors=["Ban Tổ chức"], year=2021),
                          shelf="chi-bo-dien-tu")
        epub = import_file(epub_book(tmp_path / "b.epub", [("Chương một", FILLER),
                                                           ("Chương hai", "Bản lĩnh chính trị vững vàng.")]),
                           shelf="hoc-tap-lam-theo-bac")
    return pdf.book_id, epub.book_id


def test_books_list_has_the_contract_shape(anonymous, api_headers, books):
    body = anonymous.get("/api/books", headers=api_headers).get_json()
    assert body["total"] == 2 and body["page"] == 1
    pdf = next(b for b in body["books"] if b["id"] == books[0])
    assert {k: pdf[k] for k in ("title", "authors", "shelf", "year", "media_type", "pages", "status")} == {
        "title": "Sổ tay đảng viên", "authors": ["Ban Tổ chức"], "shelf": "chi-bo-dien-tu",
        "year": 2021, "media_type": "application/pdf", "pages": 3, "status": "ready"}
    epub = next(b for b in body["books"] if b["id"] == books[1])
    assert epub["media_type"] == "application/epub+zip" and epub["pages"] is None


def test_books_list_filters_by_shelf_and_pages(anonymous, api_headers, books):
    body = anonymous.get("/api/books?shelf=hoc-tap-lam-theo-bac", headers=api_headers).get_json()
    assert [b["id"] for b in body["books"]] == [books[1]]
    body = anonymous.get("/api/books?per_page=1&page=2", headers=api_headers).get_json()
    assert body["total"] == 2 and body["page"] == 2 and len(body["books"]) == 1
    assert anonymous.get("/api/books?shelf=nope", headers=api_headers).status_code == 400
    assert anonymous.get("/api/books?per_page=100000", headers=api_headers).status_code == 200


def test_one_book_lists_its_sections(anonymous, api_headers, books):
    body = anonymous.get(f"/api/books/{books[1]}", headers=api_headers).get_json()
    assert [(s["position"], s["chapter"]) for s in body["sections"]] == [(1, "Chương một"), (2, "Chương hai")]
    response = anonymous.get("/api/books/424242", headers=api_headers)
    assert response.status_code == 404 and "error" in response.get_json()


def test_search_gives_one_hit_per_page_and_chapter_with_reader_links(anonymous, api_headers, books, client):
    body = anonymous.get("/api/search?q=ban+linh+chinh+tri", headers=api_headers).get_json()
    assert body["query"] and body["page"] == 1
    located = {(h["book_id"], h["page"], h["chapter"]) for h in body["hits"]}
    assert (books[0], 3, None) in located and (books[1], None, "Chương hai") in located
    assert body["total"] == len(body["hits"])
    hit = next(h for h in body["hits"] if h["page"] == 3)
    assert "<mark>" in hit["snippet"] and hit["authors"] == ["Ban Tổ chức"] and hit["shelf"] == "chi-bo-dien-tu"
    page = client.get(hit["read_url"]).get_data(as_text=True)
    assert "Trang 3 / 3" in page and "<mark>bản lĩnh chính trị</mark>" in page


def test_title_match_is_a_hit_without_page_or_chapter(anonymous, api_headers, books):
    body = anonymous.get("/api/search?q=so+tay+dang+vien", headers=api_headers).get_json()
    assert body["hits"][0]["book_id"] == books[0]
    assert body["hits"][0]["page"] is None and body["hits"][0]["chapter"] is None


def test_search_shelf_filter(anonymous, api_headers, books):
    body = anonymous.get("/api/search?q=ban+linh&shelf=hoc-tap-lam-theo-bac", headers=api_headers).get_json()
    assert {h["book_id"] for h in body["hits"]} == {books[1]}


@pytest.mark.parametrize("query", ["", "*", "content:[a TO z]", "x" * 100_000, "\x00"])
def test_bad_queries_get_json_not_a_500(anonymous, api_headers, books, query):
    response = anonymous.get("/api/search", query_string={"q": query}, headers=api_headers)
    assert response.status_code in (200, 400)
    assert response.is_json


def test_api_needs_a_token(anonymous, books):
    response = anonymous.get("/api/books")
    assert response.status_code == 401 and "error" in response.get_json()
    bad = anonymous.get("/api/books", headers={"Authorization": "Bearer tsdt_not-a-token"})
    assert bad.status_code == 401


def test_healthz_is_open_and_reports_ok(anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_suggest_is_diacritic_insensitive(anonymous, api_headers, books):
    body = anonymous.get("/api/suggest?q=so+tay+da", headers=api_headers).get_json()
    assert body["suggestions"][0]["title"] == "Sổ tay đảng viên"
    assert body["suggestions"][0]["url"] == f"/sach/{books[0]}"
