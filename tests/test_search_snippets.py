"""Snippets fold a page only as far as they search it: the same window and the same <mark>s as
folding the whole page, wherever the match lies and whatever letters the page holds."""
import pytest

from library.search import snippets
from library.search.query import parse
from library.search.snippets import Finder

FILLER = "Chi bộ họp định kỳ, bàn việc học tập. " * 40  # ~1,500 characters before the match

PAGES = [
    FILLER + "Các ĐẢNG VIÊN và đảng-viên; Đang, viên của Đảng bộ.",
    FILLER + "Phát triển Đảng\nviên mới — “đảng viên” trẻ… ĐẢNG VIÊN",
    FILLER + "Đảng, viên: hai chữ bị dấu phẩy tách ra, không là một cụm",
    FILLER + "đa\u0301ng viên (dấu rời) và đảng viên tiếp sau",
    FILLER + "한국어 문장 đảng viên 한국어 và ﬁnal ﬂow ĐẢNG VIÊN cuối",
    FILLER * 2 + "Mùa xuân, mùa\nxuân — mùa…xuân “mùa” xuân",
    FILLER + "Về ĐÀ NẴNG, đà nẵng và Da Nang. Đà. Nẵng",
    "đảng viên ngay đầu trang " + FILLER,
    FILLER + "không có từ nào cần tìm ở đây cả",
    FILLER.replace(".", " ") + " kết thúc bằng đảng viên",
]
QUERIES = ["dang vien", "đảng viên", "mua xuan", "da nang", "Đà Nẵng", "dang", "vien dang",
           "hoc tap dang vien", "chi bo"]


def snippets_folding(monkeypatch, first: int) -> list[str]:
    monkeypatch.setattr(snippets._Folded, "FIRST", first)
    shown = []
    for query in QUERIES:
        finder = Finder(parse(query))
        for page in PAGES:
            shown.append(finder.snippet(page))
            shown.append(finder.highlight(page))
            shown.append(str(finder.contains(page)))
    return shown


@pytest.mark.parametrize("first", [1, 7, 400])
def test_folding_as_far_as_searched_shows_what_folding_the_whole_page_shows(monkeypatch, first):
    whole = snippets_folding(monkeypatch, 10 ** 9)
    assert snippets_folding(monkeypatch, first) == whole


def test_a_match_far_into_the_page_is_found_and_marked():
    html = Finder(parse("dang vien")).snippet(PAGES[1])
    assert html.startswith("… ") and "<mark>Đảng\nviên</mark>" not in html
    assert "<mark>Đảng viên</mark> mới — “<mark>đảng viên</mark>” trẻ… <mark>ĐẢNG VIÊN</mark>" in (
        html.replace("&quot;", '"'))


def test_words_apart_across_punctuation_are_marked_one_by_one():
    html = Finder(parse("dang vien")).snippet(PAGES[2])
    assert "<mark>Đảng</mark>, <mark>viên</mark>" in html


def test_pages_with_other_scripts_and_ligatures_keep_their_offsets():
    html = Finder(parse("dang vien")).snippet(PAGES[4])
    assert "한국어 문장 <mark>đảng viên</mark> 한국어 và ﬁnal ﬂow <mark>ĐẢNG VIÊN</mark>" in html
