"""A block of postings read from Whoosh's pickle by slicing it gives what unpickling gives:
the same docnums and the same weights, for every weight a page can hold and every way Whoosh
writes a block; and a real index with pages holding a word from once to 300 times reads back
as Whoosh's own matchers read it."""
import pickle
from array import array
from datetime import datetime
from itertools import accumulate

import pytest
from whoosh.system import pack_uint

from library.search import BookDocument, SearchIndex, SectionText, blocks
from library.search.blocks import block_docnums, decode_block, head_length
from library.search.codec import InliningPostingsWriter


def whoosh_block(ids: list[int], weights: list[float]) -> bytes:
    """A block's pickle as Whoosh's W3 codec writes it (ids delta-encoded, weights minified
    to None or one float when they allow, a count's 4 bytes a value)."""
    writer = InliningPostingsWriter.__new__(InliningPostingsWriter)
    writer._byteids = False
    writer._ids, writer._weights = array("I", ids), array("f", weights)
    values = b"".join(pack_uint(int(w)) for w in weights)
    return pickle.dumps((writer._mini_ids(), writer._mini_weights(), values), 2)


def unpickled(raw: bytes, count: int, offset: int):
    """The reference: what the block unpickles to, weights as floats one a posting."""
    ids, weights = pickle.loads(raw)[:2]
    if weights is None or isinstance(weights, float):
        weights = (weights or 1.0,) * count
    return list(accumulate(ids, initial=offset))[1:], [float(w) for w in weights]


EVERY_WEIGHT = [float(n) for n in range(1, 256)] * 5


@pytest.mark.parametrize("ids, weights", [
    (list(range(5, 1024 + 5)), EVERY_WEIGHT[:1024]),          # deltas of a byte
    (list(range(0, 1024 * 300, 300)), EVERY_WEIGHT[3:1027]),  # of two bytes (and a first of 0)
    ([70_000 + 3 * n for n in range(1024)], EVERY_WEIGHT[:1024]),  # a first docnum of 4 bytes
    ([2, 9, 400, 70_000, 70_001, 200_000], [1.0, 33.0, 64.0, 127.0, 128.0, 255.0]),
    (list(range(100)), [1.0] * 100),                          # every weight 1: None
    (list(range(100)), [7.0] * 100),                          # all the same: one float
    (list(range(100)), [2.0] * 99 + [0.5]),                   # a fraction: floats
    (list(range(100)), [2.0] * 99 + [256.0]),                 # beyond a byte: floats
    (list(range(100)), [200.0] * 99 + [1000.0]),
    ([4, 8, 15], [3.0, 1.0, 2.0]),                            # three: Whoosh's TUPLE3
])
def test_a_block_decoded_without_unpickling_is_what_unpickling_gives(ids, weights, monkeypatch):
    raw = whoosh_block(ids, weights)
    unpickling, loads = [], pickle.loads
    monkeypatch.setattr(blocks.pickle, "loads", lambda data: unpickling.append(data) or loads(data))
    docnums, decoded = decode_block(raw, len(ids), 1000)
    monkeypatch.undo()
    expected_docnums, expected_weights = unpickled(raw, len(ids), 1000)
    assert docnums == expected_docnums == [1000 + d for d in ids]
    assert list(map(float, decoded)) == expected_weights == weights
    whole = all(w.is_integer() and w < 256 for w in weights)
    assert isinstance(decoded, bytes) == whole  # a byte each exactly when they fit
    assert (raw in unpickling) == (not whole or len(ids) <= 3)  # sliced, not unpickled
    assert block_docnums(raw, len(ids)) == ids
    for head in (head_length(len(ids)), 2 * len(ids), 40):  # read in two parts, as inflated
        assert decode_block(raw[:head], len(ids), 1000, lambda: raw[head:]) == (docnums, decoded)


def test_a_block_in_another_layout_is_unpickled():
    raw = pickle.dumps(((1, 2, 3, 4, 5), (1.0, 2.0, 3.0, 4.0, 5.0), None), 4)  # not protocol 2
    assert decode_block(raw, 5, 0) == ([1, 3, 6, 10, 15], bytes([1, 2, 3, 4, 5]))


def test_weights_from_once_to_300_times_a_page_read_back_as_whoosh_reads_them(tmp_path):
    counts = [1, 2, 3, 31, 32, 33, 63, 65, 77, 129, 200, 254, 255]
    sections = [SectionText(n, "sen " * counts[n % len(counts)] + f"trang {n}", page=n)
                for n in range(1, 2200)]
    index = SearchIndex(str(tmp_path / "index"))
    index.index_book(BookDocument(1, "Đầm hoa", ["Tác giả"], "chi-bo-dien-tu", 2021,
                                  "application/pdf", datetime(2024, 1, 1), sections))
    with index.store.reading() as snapshot:
        postings = snapshot.postings("exact", "sen")
        assert postings.weights.typecode == "B" and len(postings.ids) == 2199
        assert list(postings.weights) == [counts[n % len(counts)] for n in range(1, 2200)]
    index.index_book(BookDocument(2, "Đầm lầy", ["Tác giả"], "chi-bo-dien-tu", 2021,
                                  "application/pdf", datetime(2024, 1, 1),
                                  [SectionText(1, "sen " * 300, page=1)]))
    with index.store.reading() as snapshot:
        postings = snapshot.postings("exact", "sen")
        assert postings.weights.typecode == "f"  # one page beyond a byte: floats, all of them
        assert sorted(postings.weights)[-2:] == [255.0, 300.0]
    index.close()
