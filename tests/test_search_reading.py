"""How a search reads the index and the pages fast without changing what it finds: posting
lists decoded block by block (with deletions and weights beyond a byte), and snippets that
find folded words in the page folded letter for letter. A real index on disk."""
import pickle
import zlib
from datetime import datetime

import pytest
from whoosh.system import pack_int

from library.search import BookDocument, SearchIndex, SectionText
from library.search import codec
from library.search.query import parse
from library.search.snippets import Finder


def book(book_id: int, pages: int) -> BookDocument:
    sections = [SectionText(n, "của dân, vì dân " * (n % 3 + 1) + f"trang {n}", page=n)
                for n in range(1, pages + 1)]
    return BookDocument(book_id, f"Sách {book_id}", ["Ban Tuyên giáo"], "chi-bo-dien-tu", 2021,
                        "application/pdf", datetime(2024, 1, 1), sections)


def whoosh_postings(snapshot, field, term):
    """Whoosh's own matchers, a posting at a time: the reference."""
    ids, weights = [], []
    for leaf, offset, _end in snapshot._leaves:
        if (field, term) not in leaf:
            continue
        matcher = leaf.postings(field, term)
        while matcher.is_active():
            ids.append(matcher.id() + offset)
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


def test_posting_lists_read_whole_are_whoosh_s_across_segments_and_deletions(tmp_path):
    index = SearchIndex(str(tmp_path / "index"))
    for book_id in (1, 2, 3):  # three commits: three segments of 1,500 pages (blocks of 1,024)
        index.index_book(book(book_id, 1500))
    index.remove_book(2)  # a segment whose documents are all deleted, not merged away
    with index.store.reading() as snapshot:
        assert len(snapshot._leaves) > 1
        for field, term in [("folded", "cua"), ("exact", "của"), ("pairs", "vi dan"),
                            ("folded", "1499")]:
            postings = snapshot.postings(field, term)
            ids, weights = whoosh_postings(snapshot, field, term)
            assert list(postings.ids) == ids and ids
            assert list(map(float, postings.weights)) == weights
            assert postings.weights.typecode == "B"  # occurrences: a byte each
        assert index.search_hits("của dân").total == 3000
    index.close()


def _block(ids, weights, last=False) -> bytes:
    deltas = tuple([ids[0]] + [b - a for a, b in zip(ids, ids[1:])])
    data = zlib.compress(pickle.dumps((deltas, weights, None), 2))
    body = pickle.dumps((len(ids), ids[-1], 1.0, 3, 0, 0), 2) + data
    return pack_int(-len(body) if last else len(body)) + body


class _File:
    def __init__(self, raw: bytes):
        self.raw = raw

    def get(self, position, length):
        return self.raw[position: position + length]


def test_weights_beyond_a_byte_or_fractional_are_kept_as_floats():
    raw = (_block([1, 5, 9], (2.0, 3.0, 1.0)) + _block([12, 20], (0.5, 300.0))
           + _block([30], None, last=True))
    ids, weights = codec._read_blocks(_File(raw), 0, 100)
    assert list(ids) == [101, 105, 109, 112, 120, 130]
    assert weights.typecode == "f" and list(weights) == [2, 3, 1, 0.5, 300, 1]
    raw = _block([1, 5, 9], (2.0, 3.0, 1.0)) + _block([30], 4.0, last=True)
    ids, weights = codec._read_blocks(_File(raw), 0, 0)
    assert weights.typecode == "B" and list(weights) == [2, 3, 1, 4]


@pytest.mark.parametrize("query, text, marked", [
    ("dang vien", "Các ĐẢNG VIÊN và đảng-viên; Đang, viên", ["ĐẢNG VIÊN", "đảng-viên"]),
    ("hoa", "Hòa bình, HOÀ giải, hoá", ["Hòa", "HOÀ", "hoá"]),
    ("mùa xuân", "Mùa xuân, mùa\nxuân — mùa…xuân “mùa” xuân", ["Mùa xuân", "mùa xuân"]),
    ("Đà Nẵng", "Về ĐÀ NẴNG, đà nẵng và Da Nang", ["ĐÀ NẴNG", "đà nẵng", "Da Nang"]),
])
def test_snippets_mark_every_spelling_and_case_but_not_across_punctuation(query, text, marked):
    html = Finder(parse(query)).highlight(text)
    assert [part.split("</mark>")[0] for part in html.split("<mark>")[1:]] == marked


def test_a_few_pages_checked_against_a_common_term_block_by_block(tmp_path):
    index = SearchIndex(str(tmp_path / "index"))
    for book_id in (1, 2, 3):
        index.index_book(book(book_id, 1500))
    index.remove_book(2)
    with index.store.reading() as snapshot:
        live = list(snapshot.postings("folded", "trang").ids)  # every page
        pages = set(live[::700]) | {live[-1]}
        for field, term in [("folded", "cua"), ("pairs", "vi dan"), ("folded", "1499")]:
            holding = set(snapshot.postings(field, term).ids)
            assert snapshot._containing(pages, field, term) == pages & holding
    index.close()


def test_document_counts_probed_in_the_term_tables_are_whoosh_s(tmp_path):
    index = SearchIndex(str(tmp_path / "index"))
    for book_id in (1, 2, 3):
        index.index_book(book(book_id, 300))
    index.remove_book(2)  # counts include deleted documents until a merge, as Whoosh's do
    with index.store.reading() as snapshot:
        reader = snapshot.reader
        terms = {(field, text.decode("utf-8") if isinstance(text, bytes) else text)
                 for field in ("exact", "folded", "pairs") for leaf, _, _ in snapshot._leaves
                 for text in leaf.lexicon(field)}
        missing = {("exact", "cuả"), ("folded", "khong co"), ("pairs", "dan vi"), ("exact", "")}
        for field, text in sorted(terms | missing):
            assert snapshot.frequency(field, text) == reader.doc_frequency(field, text)
        assert snapshot.frequency("exact", "của") == 3 * 300  # the removed book's pages too
        assert snapshot.common_forms("cua") == ["của"]
    index.close()
