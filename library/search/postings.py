"""Posting lists read whole, and the one cache budget of a worker process that keeps them
(with the last answers) for its threads."""
from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import Counter, OrderedDict
from itertools import compress

# What a worker process keeps for its threads, all in one budget: posting lists read whole
# (and what is derived from them) and the last answers. The 200-title library holds 36
# million postings; a meeting's varied searches touch most of its common terms, and reading
# a list again costs far more than keeping it (about 0.2 us a posting).
CACHE_BYTES = 48 << 20


def _compact(weights: array) -> array:
    """Weights in a byte each when they are whole numbers below 256 (~1 ms for 15,000)."""
    if not weights or weights.typecode == "B" or max(weights) >= 256:
        return weights
    values = weights.tolist()
    whole = array("B", bytes(map(int, values)))
    if sum(whole) != sum(values):  # every weight >= 1: a fraction would show here
        return weights
    return whole


class Postings:
    """A term's documents over the whole index, with its frequency in each.

    Docnums ('I', ascending) and weights, a byte each when they are whole numbers below 256
    (they are: the text fields count occurrences), 5 bytes a posting. One weight per document
    of the index for common terms took less memory but a Python call per posting to make and
    to read back (6-8 ms for a term on 15,000 pages, more than decoding it).
    """

    __slots__ = ("ids", "weights", "count", "nbytes")

    def __init__(self, ids: array, weights: array, doc_count: int = 0):
        self.ids, self.weights = ids, _compact(weights)
        self.count = len(ids)
        self.nbytes = (ids.itemsize + weights.itemsize) * self.count

    def docset(self) -> set[int]:
        return set(self.ids)

    def weight(self, docnum: int):
        """The term's frequency in a document; 0 where it is not."""
        ids = self.ids
        at = bisect_left(ids, docnum)
        return self.weights[at] if at < len(ids) and ids[at] == docnum else 0

    def by_frequency(self, first: int | None = None) -> array:
        """The docnums, those holding the term most often first (ties in index order).

        With `first`, only the head of that order: every docnum holding the term at least as
        often as the first-th does. Sorting a few hundred instead of thousands, in C loops.
        """
        weights, indexes = self.weights.tolist(), range(self.count)  # a list: no float made a lookup
        if first is not None and first < self.count and self.weights.typecode == "B":
            indexes = self._at_least(first)
        elif first is not None and first < self.count:
            counts = Counter(weights)
            for floor in sorted(counts, reverse=True):
                first -= counts[floor]
                if first <= 0:
                    indexes = compress(indexes, map(floor.__le__, weights))
                    break
        order = sorted(indexes, key=weights.__getitem__, reverse=True)
        return array("I", map(self.ids.__getitem__, order))

    def _at_least(self, first: int) -> list[int]:
        """Indexes of the postings holding the term at least as often as the first-th most
        frequent: byte weights counted and flagged by C loops over their bytes (~0.3 ms for
        15,000 postings where a Counter and a comparison a posting took ~2 ms)."""
        raw = self.weights.tobytes()
        for floor in range(max(raw), 0, -1):
            first -= raw.count(floor)
            if first <= 0:
                break
        return list(compress(range(self.count), raw.translate(_AT_LEAST[floor])))


_AT_LEAST = [bytes(int(value >= floor) for value in range(256)) for floor in range(256)]


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
