"""What users type into search: a long run of "đ" is a word, and text pasted from an old
TCVN3 (ABC) document is read as the Vietnamese it is, even short and mostly without diacritics."""
from __future__ import annotations

import pytest

from library.extraction import extract
from library.extraction.tcvn3 import looks_tcvn3
from library.ingest import import_file
from library.search.query import parse
from tests.books import pdf_book
from tests.test_extraction import _latin1_pdf

PLACE = "Khu di tích lịch sử Kim Liên ở xã Kim Liên, huyện Nam Đàn, tỉnh Nghệ An."


@pytest.fixture
def place_book(app, tmp_path):
    with app.app_context():
        result = import_file(pdf_book(tmp_path / "kim-lien.pdf", [PLACE], title="Quê Bác"))
        assert result.status == "imported"
        return result.book_id


def test_forty_d_is_a_word_with_no_hits_not_an_empty_query(anonymous, api_headers, place_book):
    response = anonymous.get("/api/search", query_string={"q": "đ" * 40}, headers=api_headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total"] == 0
    page = anonymous.get("/api/search", query_string={"q": "Đ" * 600}, headers=api_headers)
    assert page.status_code == 200
    assert parse("đ" * 40).required[0].syllables == ["đ" * 40]


def test_punctuation_alone_is_still_refused(anonymous, api_headers, place_book):
    response = anonymous.get("/api/search", query_string={"q": "… --- !!!"}, headers=api_headers)
    assert response.status_code == 400
    assert "không có chữ hay số" in response.get_json()["error"]


@pytest.mark.parametrize("typed", ["di tÝch lÞch sö Kim Liªn", "\"di tÝch lÞch sö\""])
def test_a_short_tcvn3_query_finds_the_unicode_book(anonymous, api_headers, place_book, typed):
    response = anonymous.get("/api/search", query_string={"q": typed}, headers=api_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] >= 1 and body["hits"][0]["book_id"] == place_book
    assert "tích" in body["query"] and "tÝch" not in body["query"]


@pytest.mark.parametrize("text", ["schön für Köln", "ça va, garçon", "Björn på Öland",
                                  "Hà Nội có tôi", "có tôi là", "café crème"])
def test_western_and_unicode_vietnamese_queries_are_left_alone(text):
    assert not looks_tcvn3(text, min_words=2)


def test_a_short_tcvn3_pdf_is_converted_at_import(tmp_path):
    book = extract(_latin1_pdf(tmp_path / "bia.pdf", "Khu di tÝch lÞch sö Kim Liªn - NghÖ An"))
    text = " ".join(book.sections[0].text.split())
    assert "Khu di tích lịch sử Kim Liên - Nghệ An" in text
