"""Pages holding several common words, found from their document maps, are the pages Whoosh
itself finds, whether few of them hold all the words or most do; and the scores ranking gives
them are Whoosh's BM25, term by term, to the last bit."""
from datetime import datetime

import pytest
from whoosh import query as wq

from library.search import BookDocument, SearchIndex, SectionText
from library.search import query as uq
from library.search.ranking import match, score


def page_text(n: int) -> str:
    words = ["trang"]
    if n <= 200 or 300 <= n <= 302:
        words.append("sen")   # half the pages, and three of the other half
    if n > 200:
        words.append("hoa")   # the other half
    return " . ".join(words + [f"số {n}"]) + " lá" * (n % 9)  # pages of different lengths


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    index = SearchIndex(str(tmp_path_factory.mktemp("matching") / "index"))
    index.index_book(BookDocument(
        1, "Đầm sen", ["Tác giả"], "chi-bo-dien-tu", 2021, "application/pdf",
        datetime(2024, 1, 1), [SectionText(n, page_text(n), page=n) for n in range(1, 401)]))
    yield index
    index.close()


@pytest.mark.parametrize("words, pages", [
    (["sen", "hoa"], [300, 301, 302]),                      # few: found by leaps
    (["sen", "trang"], list(range(1, 201)) + [300, 301, 302]),  # most of the library
])
def test_common_words_together_are_the_pages_whoosh_finds(index, words, pages):
    query = wq.And([wq.Term("exact", w) for w in words])
    with index.store.reading() as snapshot:
        assert all(snapshot.frequency("exact", w) * 4 >= snapshot.doc_count for w in words)
        found = snapshot.docnums(query)
        assert found == sorted(snapshot.searcher.docs_for_query(query))
        assert [snapshot.reader.stored_fields(d)["page"] for d in found] == pages


@pytest.mark.parametrize("text", ["sen", "sen hoa", "trang lá"])
def test_scores_are_whoosh_bm25_summed_over_the_terms(index, text):
    with index.store.reading() as snapshot:
        found = match(snapshot, uq.parse(text))
        plan = found.plan

        def bm25(term, docnum):
            weight = snapshot.postings(*term).weight(docnum)
            length = snapshot.reader.doc_field_length(docnum, term[0])
            return snapshot.scorer(*term)(weight, length) if weight else 0.0

        expected = {}
        for docnum in found.docnums:
            if plan.exact_terms and all(snapshot.postings(*t).weight(docnum)
                                        for t in plan.exact_terms):
                terms = [t for t in plan.terms if t not in plan.implied] + plan.exact_terms
                tier = 0
            else:
                terms, tier = plan.terms, 1
            if found.adjacent is not None and docnum not in found.adjacent:
                tier += 2
            expected[docnum] = (tier, sum(bm25(t, docnum) for t in terms))
        ranked = score(snapshot, found, found.docnums)
        assert len(ranked) == len(found.docnums) > 2
        assert {d: (tier, total) for d, tier, total in ranked} == expected
        assert len({total for _, _, total in ranked}) > 1  # the lengths tell pages apart
        # best first, tier by tier; pages scoring alike in the order given
        assert [d for d, _, _ in ranked] == sorted(
            found.docnums, key=lambda d: (expected[d][0], -expected[d][1]))
        if len(ranked) > 9:  # nine lengths of page: there are such ties
            assert len({total for _, _, total in ranked}) < len(ranked)
