"""Posting lists read whole, and the one cache budget of a worker process that keeps them
(with the last answers) for its threads."""
from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict, deque
from itertools import compress

# What a worker process keeps for its threads, all in one budget: posting lists read whole
# (and what is derived from them) and the last answers. The 200-title library holds 36
# million postings; a meeting's varied searches touch most of its common terms, and reading
# a list again costs far more than keeping it (about 0.2 us a posting).
CACHE_BYTES = 48 << 20
DENSE_SHARE = 4           # a term on more than 1/4 of the documents is kept as a weight per document


def _compact(weights: array) -> array:
    """Term frequencies in one or two bytes each when they are whole numbers (they are:
    the text fields count occurrences), else as they came."""
    if not weights:
        return array("B")
    top = max(weights)
    if top < 65536:
        whole = array("B" if top < 256 else "H", map(int, weights))
        if sum(whole) == sum(weights):  # every weight >= 1: any fraction would show here
            return whole
    return weights


class Postings:
    """A term's documents over the whole index, with its frequency in each.

    A sparse term keeps its docnums and their weights; a term on a good share of the
    documents keeps one weight per document of the index (0: not there), a quarter of the
    memory and a lookup without bisecting.
    """

    __slots__ = ("_ids", "_weights", "dense", "count", "nbytes")

    def __init__(self, ids: array, weights: array, doc_count: int):
        self.count = len(ids)
        weights = _compact(weights)
        if doc_count and self.count * DENSE_SHARE > doc_count:
            self.dense = array(weights.typecode, bytes(weights.itemsize * doc_count))
            deque(map(self.dense.__setitem__, ids, weights), maxlen=0)  # a loop in C
            self._ids = self._weights = None
            self.nbytes = self.dense.itemsize * doc_count
        else:
            self.dense = None
            self._ids, self._weights = ids, weights
            self.nbytes = (ids.itemsize + weights.itemsize) * self.count

    @property
    def ids(self) -> array:
        """Global docnums, ascending ('I')."""
        if self.dense is None:
            return self._ids
        return array("I", compress(range(len(self.dense)), self.dense))

    @property
    def weights(self) -> array:
        """Term frequencies, in the order of ids."""
        if self.dense is None:
            return self._weights
        return array(self.dense.typecode, filter(None, self.dense))

    def docset(self) -> set[int]:
        if self.dense is None:
            return set(self._ids)
        return set(compress(range(len(self.dense)), self.dense))

    def weight(self, docnum: int):
        """The term's frequency in a document; 0 where it is not."""
        if self.dense is not None:
            return self.dense[docnum]
        ids = self._ids
        at = bisect_left(ids, docnum)
        return self._weights[at] if at < len(ids) and ids[at] == docnum else 0

    def by_frequency(self) -> array:
        """The docnums, those holding the term most often first (ties in index order)."""
        if self.dense is not None:
            dense = self.dense
            order = sorted(compress(range(len(dense)), dense), key=dense.__getitem__, reverse=True)
            return array("I", order)
        order = sorted(range(self.count), key=self._weights.__getitem__, reverse=True)
        return array("I", map(self._ids.__getitem__, order))


class PostingsCache:
    """Posting lists read whole (and what is derived from them) and answers, kept for the
    threads of a worker, the most recently used first, within one budget of bytes.

    Keys name the index generation (and its segments), so nothing outlives its index.
    """

    def __init__(self, budget: int = CACHE_BYTES):
        self.budget = budget
        self._items: OrderedDict[tuple, tuple] = OrderedDict()  # key -> (value, bytes)
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0]
            return None

    def put(self, key: tuple, value, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.budget and len(self._items) > 1:
                self._size -= self._items.popitem(last=False)[1][1]

    def forget(self, keep) -> None:
        """Drop what `keep(key)` refuses: an older generation's lists once a new one is read."""
        with self._lock:
            for key in [k for k in self._items if not keep(k)]:
                self._size -= self._items.pop(key)[1]

    @property
    def size(self) -> int:
        return self._size
