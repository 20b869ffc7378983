"""What the readers mark for a query, and search inside one book, through the test client
on a real PDF and EPUB imported into a real index."""
import zipfile
from types import SimpleNamespace

import pytest

from library.search.marks import mark_spans, marker
from tests.books import epub_book, pdf_book
from tests.test_reader_pages import imported

PAGE = "Chủ tịch Hồ Chí Minh ký hồ sơ. Chỉ thị về chí khí. Đảng viên đang viện dẫn."


def marked(query: str, text: str = PAGE) -> list[str]:
    return [text[a:b] for a, b in mark_spans(query, text)]


def test_a_query_with_diacritics_marks_the_phrase_as_typed():
    assert marked("Hồ Chí Minh") == ["Hồ Chí Minh"]
    assert marked("HỒ CHÍ MINH") == ["Hồ Chí Minh"]
    assert marked("hồ sơ") == ["hồ sơ"]
    assert marked("Đảng viên") == ["Đảng viên"]


def test_a_query_without_diacritics_marks_every_accented_form_of_the_phrase():
    assert marked("dang vien") == ["Đảng viên", "đang viện"]
    assert marked("ho chi minh") == ["Hồ Chí Minh"]


def test_a_phrase_is_never_marked_syllable_by_syllable():
    assert marked("Hồ Chí Minh", "Ký hồ sơ; chỉ thị; chí khí.") == []  # no "Minh": no hit
    assert marked('"dang vien"', "Đảng. Viên chức đang họp.") == []


def test_words_standing_apart_on_a_page_search_finds_are_marked_one_by_one():
    # unquoted, search finds a page holding every word apart: the reader shows why
    assert marked("dang vien", "Đảng. Viên chức đang họp.") == ["Đảng", "Viên", "đang"]


def test_either_tone_placement_of_a_typed_syllable_is_marked():
    assert marked("hòa bình", "Hoà bình và hòa bình.") == ["Hoà bình", "hòa bình"]


def test_forms_are_the_distinct_strings_marked_with_spaces_squeezed():
    assert marker("ho chi minh").forms("Hồ Chí\nMinh và HỒ CHÍ MINH, Hồ  Chí Minh") == [
        "Hồ Chí Minh", "HỒ CHÍ MINH"]
    assert marker("!!!") is None


@pytest.fixture
def books(app, tmp_path):
    pages = [PAGE, "Trang không có gì.", "Nói về hồ sơ đảng viên.", "Lời Hồ Chí Minh dạy."]
    pdf = pdf_book(tmp_path / "a.pdf", pages, title="Sổ tay")
    epub = epub_book(tmp_path / "b.epub", [("Mở đầu", "Bác Hồ Chí Minh."), ("Tiếp", "Ký hồ sơ.")],
                     title="Làm theo Bác")
    with_inline_tag(epub, "chapter-001.xhtml", "Bác Hồ Chí", "Bác <em>Hồ</em> Chí")
    return SimpleNamespace(pdf=imported(app, pdf), epub=imported(app, epub))


def with_inline_tag(path, name: str, old: str, new: str) -> None:
    """Rewrites one chapter of an EPUB in place, every other entry as it was."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            if info.filename.endswith(name):
                data = data.decode().replace(old, new).encode()
            target.writestr(info, data)


def test_search_in_a_book_lists_its_pages_in_order_with_snippets(client, books):
    answer = client.get(f"/api/books/{books.pdf}/search", query_string={"q": "Hồ Chí Minh"})
    assert answer.status_code == 200
    data = answer.get_json()
    # page 1 is the title page of tests.books.pdf_book: the text starts on page 2
    assert data["total"] == 2 and data["positions"] == [2, 5]
    first = data["hits"][0]
    assert first["page"] == 2 and first["book_id"] == books.pdf
    assert "<mark>Hồ Chí Minh</mark>" in first["snippet"] and "<mark>hồ" not in first["snippet"]
    assert first["read_url"].startswith(f"/doc/{books.pdf}?p=2&q=")


def test_search_in_a_book_folds_a_query_without_diacritics(client, books):
    data = client.get(f"/api/books/{books.pdf}/search", query_string={"q": "ho so"}).get_json()
    assert data["positions"] == [2, 4]
    data = client.get(f"/api/books/{books.epub}/search", query_string={"q": "ho chi minh"}).get_json()
    assert data["positions"] == [1] and data["hits"][0]["chapter"] == "Mở đầu"


def test_search_in_a_book_says_why_it_cannot(client, books):
    assert client.get(f"/api/books/{books.pdf}/search").status_code == 400
    assert "error" in client.get(f"/api/books/{books.pdf}/search?q=%21%21").get_json()
    assert client.get("/api/books/999999/search?q=a").status_code == 404


def test_the_marks_of_a_pdf_page_are_the_strings_to_find_in_its_text_layer(client, books):
    data = client.get(f"/api/books/{books.pdf}/marks", query_string={"q": "Hồ Chí Minh", "p": 2}).get_json()
    assert data == {"position": 2, "forms": ["Hồ Chí Minh"]}
    data = client.get(f"/api/books/{books.pdf}/marks", query_string={"q": "dang vien", "p": 2}).get_json()
    assert data["forms"] == ["Đảng viên", "đang viện"]
    assert client.get(f"/api/books/{books.pdf}/marks?q=a&p=99").status_code == 404


def test_text_mode_and_epub_chapter_mark_the_phrase_not_its_syllables(client, books):
    page = client.get(f"/doc/{books.pdf}/van-ban", query_string={"p": 2, "q": "Hồ Chí Minh"})
    html = page.get_data(as_text=True)
    assert "<mark>Hồ Chí Minh</mark>" in html and "<mark>hồ</mark>" not in html
    reader = client.get(f"/doc/{books.epub}", query_string={"p": 1, "q": "Hồ Chí Minh"})
    frame_url = reader.get_data(as_text=True).split('data-frame src="')[1].split('"')[0]
    chapter = client.get(frame_url.replace("&amp;", "&")).get_data(as_text=True)
    # a phrase across an inline tag is marked in both pieces
    assert '<em><mark id="hit">Hồ</mark></em><mark class="more"> Chí Minh</mark>' in chapter
