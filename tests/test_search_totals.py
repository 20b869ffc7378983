"""Totals of quoted phrases: exact counts, pages that reach every hit, the API and the books page
agreeing, and an estimate said to be one where exact counting would cost too much."""
import random

import pytest

from library.search import BookDocument, SearchIndex, SectionText
from library.search import ranking
from tests.conftest import bearer, make_user

WORDS = ("chi bộ họp bàn kế hoạch năm mới các đồng chí phát biểu ý kiến xây dựng nghị quyết "
         "thực hiện nhiệm vụ công tác tuyên truyền học tập sinh hoạt định kỳ").split()
PHRASE = "đạo của khi"


def filler(rng: random.Random, words: int = 120) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def library(rng: random.Random) -> tuple[list[BookDocument], set[tuple[int, int]]]:
    """Three books whose 400 pages hold both pairs of the phrase ("đạo của", "của khi") but
    apart, and 17 pages that hold the phrase itself: what once answered `total: 0`."""
    books, holding = [], set()
    for book_id in (1, 2, 3):
        sections = []
        for n in range(1, 141):
            apart = f"{filler(rng)} đạo của {filler(rng, 8)} nói của khi {filler(rng)}"
            if (book_id, n) in PLANTED:
                apart += f" Bàn về {PHRASE} ấy, {filler(rng, 20)}."
                holding.add((book_id, n))
            sections.append(SectionText(n, apart, page=n))
        books.append(BookDocument(book_id, f"Sổ tay số {book_id}", ["Ban Tổ chức"], "chi-bo-dien-tu",
                                  2020, "application/pdf", None, sections))
    return books, holding


PLANTED = {(1, n) for n in (3, 17, 40, 41, 99, 140)} | {(2, n) for n in (1, 2, 50, 77, 78, 120)} \
    | {(3, n) for n in (9, 33, 64, 65, 131)}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    books, holding = library(random.Random(8))
    search_index = SearchIndex(str(tmp_path_factory.mktemp("totals")))
    search_index.index_books(books)
    yield search_index, holding
    search_index.close()


def every_hit(search_index, query, per_page):
    """Page after page while the total says there are more: what an API client does."""
    found, page = [], 1
    while True:
        results = search_index.search_hits(query, page=page, per_page=per_page)
        found += [(h.book_id, h.position) for h in results.hits]
        if page * per_page >= results.total:
            return found, results
        page += 1


@pytest.mark.parametrize("per_page", [1, 5, 20])
def test_a_phrase_of_common_words_counts_exactly_the_pages_holding_it(planted, per_page):
    search_index, holding = planted
    found, last = every_hit(search_index, f'"{PHRASE}"', per_page)
    assert last.total == len(holding) == 17 and not last.total_is_estimate
    assert len(found) == len(set(found)) and set(found) == holding


def test_the_books_page_counts_the_books_of_those_pages(planted):
    search_index, holding = planted
    books = search_index.search(f'"{PHRASE}"')
    assert books.total == len({book for book, _ in holding}) == 3 and not books.total_is_estimate
    assert {b.book_id: b.matched_sections for b in books.books} == {1: 6, 2: 6, 3: 5}
    assert all((b.book_id, loc.position) in holding for b in books.books for loc in b.locations)


def test_too_many_candidates_give_an_estimate_that_says_so(planted, monkeypatch):
    search_index, holding = planted
    monkeypatch.setattr(ranking, "EXACT_PHRASES", 100)  # 420 candidates: too many now
    monkeypatch.setattr(ranking, "SAMPLE", 60)
    search_index.results.size = 0
    try:
        first = search_index.search_hits(f'"{PHRASE}"', per_page=5)
        assert first.total_is_estimate and first.total >= 5 and len(first.hits) == 5
        found, last = every_hit(search_index, f'"{PHRASE}"', 5)
        assert set(found) == holding  # every hit reachable, the last page counted exactly
        books = search_index.search(f'"{PHRASE}"')
        assert books.total == 3 and {b.book_id for b in books.books} == {1, 2, 3}
    finally:
        search_index.results.size = 512


def test_the_api_and_the_search_page_show_the_counts(app, anonymous, monkeypatch):
    books, holding = library(random.Random(8))
    with app.app_context():
        from library.search import get_index
        get_index().index_books(books)
    make_user(app, "totals-reader")
    headers = bearer(app, "totals-reader")
    body = anonymous.get("/api/search", query_string={"q": f'"{PHRASE}"', "per_page": 10},
                         headers=headers).get_json()
    assert body["total"] == 17 and "total_is_estimate" not in body and len(body["hits"]) == 10
    page_two = anonymous.get("/api/search", query_string={"q": f'"{PHRASE}"', "per_page": 10,
                                                          "page": 2}, headers=headers).get_json()
    assert {(h["book_id"], h["page"]) for h in body["hits"] + page_two["hits"]} == holding
    html = anonymous.get("/tim-kiem", query_string={"q": f'"{PHRASE}"'}, headers=headers)
    assert "3 cuốn sách" in html.get_data(as_text=True)

    monkeypatch.setattr(ranking, "EXACT_PHRASES", 100)
    monkeypatch.setattr(ranking, "BOOK_CHECKS", 10)  # too few to tell all three books apart
    with app.app_context():
        get_index().results.size = 0
    body = anonymous.get("/api/search", query_string={"q": f'"{PHRASE}"', "per_page": 5},
                         headers=headers).get_json()
    assert body["total_is_estimate"] is True and body["total"] >= len(body["hits"]) > 0
    html = anonymous.get("/tim-kiem", query_string={"q": f'"{PHRASE}"'}, headers=headers)
    assert "khoảng " in html.get_data(as_text=True)
