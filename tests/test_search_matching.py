"""Pages holding several common words, found from their document maps, are the pages Whoosh
itself finds, whether few of them hold all the words or most do."""
from datetime import datetime

import pytest
from whoosh import query as wq

from library.search import BookDocument, SearchIndex, SectionText


def page_text(n: int) -> str:
    words = ["trang"]
    if n <= 200 or 300 <= n <= 302:
        words.append("sen")   # half the pages, and three of the other half
    if n > 200:
        words.append("hoa")   # the other half
    return " . ".join(words + [f"số {n}"])


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
