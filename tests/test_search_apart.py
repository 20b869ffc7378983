"""Words typed together that stand apart on the page wanted (across a comma or a full stop):
found, ranked below the pages that hold them side by side. A real index on disk."""
from datetime import datetime

import pytest

from library.search import BookDocument, SearchIndex, SectionText

FILLER = ("Nhân dân lao động xây dựng kinh tế, phát triển văn hóa giáo dục. "
          "Hội nghị báo cáo tổng kết kế hoạch năm mới. ") * 8


def book(book_id: int, title: str, pages: dict[int, str], count: int = 4) -> BookDocument:
    sections = [SectionText(n, FILLER + pages.get(n, "") + " " + FILLER, page=n)
                for n in range(1, count + 1)]
    return BookDocument(book_id, title, ["Ban Tuyên giáo"], "chi-bo-dien-tu", 2021,
                        "application/pdf", datetime(2024, 1, book_id), sections)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    search_index = SearchIndex(str(tmp_path_factory.mktemp("index")))
    search_index.index_books([
        book(1, "Truyện ngắn chọn lọc", {2: "Nếu không nghĩ khác, thì đó là điều tốt.",
                                         3: "Lúc ấy, ai cũng im lặng."}),
        book(2, "Ghi chép hằng ngày", {1: "Người khác thì đó đây đều bận rộn.",
                                       4: "Lúc ấy ai về trước thì nấu cơm."}),
        book(3, "Sổ tay tra cứu", {3: "Khác biệt lớn. Rồi thì mọi chuyện đó qua."}),
        book(4, "Nhật ký thời tiết", {1: "Sáng mai trời nắng đẹp.", 3: "Sáng mai, trời lại mưa."}),
    ])
    yield search_index
    search_index.close()


def places(results) -> list[tuple[int, int]]:
    return [(h.book_id, h.position) for h in results.hits]


@pytest.mark.parametrize("query, together, apart", [
    ("khác thì đó", (2, 1), (1, 2)),
    ("khac thi do", (2, 1), (1, 2)),
    ("lúc ấy ai", (2, 4), (1, 3)),
    ("luc ay ai", (2, 4), (1, 3)),
])
def test_words_apart_on_a_page_are_found_below_the_phrase(index, query, together, apart):
    results = index.search_hits(query, per_page=50)
    found = places(results)
    assert together in found and apart in found, found
    assert found.index(together) < found.index(apart)
    assert not results.scattered  # a page does hold them side by side


def test_words_far_apart_rank_below_words_across_punctuation_only_by_score(index):
    found = places(index.search_hits("khác thì đó", per_page=50))
    # all three hold the words; the only one with them side by side comes first
    assert found[0] == (2, 1) and set(found) == {(2, 1), (1, 2), (3, 3)}


def test_books_with_the_words_apart_are_listed_after_those_with_the_phrase(index):
    results = index.search("lúc ấy ai")
    assert [b.book_id for b in results.books] == [2, 1]
    assert results.books[1].locations[0].page == 3
    assert results.total == 2


def test_a_comma_typed_in_the_query_finds_both_pages(index):
    # "Lúc ấy, ai" typed as on the page: two runs, each side by side on both pages
    assert set(places(index.search_hits("Lúc ấy, ai"))) == {(1, 3), (2, 4)}


def test_a_quoted_phrase_still_wants_the_words_side_by_side(index):
    assert places(index.search_hits('"khác thì đó"')) == [(2, 1)]
    assert places(index.search_hits('"lúc ấy ai"')) == [(2, 4)]


def test_when_no_page_holds_them_together_the_answer_says_so(index):
    results = index.search_hits("khác biệt mọi chuyện qua")
    assert results.scattered and places(results) == [(3, 3)]


def test_search_inside_the_book_lists_and_marks_the_page_with_the_words_apart(index):
    from library.search.inbook import search_in_book
    from library.search.marks import mark_spans

    inside = search_in_book(index, "khác thì đó", 1)
    assert inside.positions == [2]  # the library's hit on page 2 is in the reader's list too
    assert "<mark>khác</mark>, <mark>thì đó</mark>" in inside.hits[0].snippet
    text = "Nếu không nghĩ khác, thì đó là điều tốt. Lúc ấy, ai cũng im lặng."
    assert [text[a:b] for a, b in mark_spans("khac thi do", text)] == ["khác", "thì đó"]
    assert [text[a:b] for a, b in mark_spans("lúc ấy ai", text)] == ["Lúc ấy", "ai"]
    # where the words stand side by side, only the phrase is marked, not every lone word
    together = "Người khác thì đó đây. Khác hẳn."
    assert [together[a:b] for a, b in mark_spans("khác thì đó", together)] == ["khác thì đó"]
    assert search_in_book(index, '"khác thì đó"', 1).positions == []
    # a book with the words side by side on one page and apart on another lists both
    assert search_in_book(index, "sáng mai trời", 4).positions == [1, 3]
    assert search_in_book(index, '"sáng mai trời"', 4).positions == [1]


@pytest.fixture(scope="module")
def titled(tmp_path_factory):
    """Titles holding the words: side by side in one, apart (across a comma) in another,
    and a book holding them side by side only on a page."""
    search_index = SearchIndex(str(tmp_path_factory.mktemp("titled")))
    search_index.index_books([
        book(1, "Mùa xuân, hoa nở khắp nơi", {}),
        book(2, "Nhật ký đồng quê", {2: "Mùa xuân hoa nở trắng cả đồi."}),
        book(3, "Mùa xuân hoa nở", {}),
        book(4, "Sổ tay làm vườn", {3: "Cuối mùa xuân, hoa nở muộn."}),
    ])
    yield search_index
    search_index.close()


@pytest.mark.parametrize("query", ["mùa xuân hoa nở", "mua xuan hoa no"])
def test_a_title_with_the_words_apart_ranks_below_every_hit_with_them_side_by_side(titled, query):
    found = places(titled.search_hits(query, per_page=50))
    # the title with them side by side, the page with them side by side, then the title
    # and the page with them apart
    assert found == [(3, None), (2, 2), (1, None), (4, 3)]
    books = titled.search(query)
    assert [b.book_id for b in books.books] == [3, 2, 1, 4]
    assert books.total == 4


def test_paging_reaches_the_title_with_the_words_apart(titled):
    pages = [places(titled.search_hits("mùa xuân hoa nở", per_page=1, page=n)) for n in (1, 2, 3, 4)]
    assert pages == [[(3, None)], [(2, 2)], [(1, None)], [(4, 3)]]
    assert titled.search_hits("mùa xuân hoa nở", per_page=1, page=3).total == 4
