"""One committed generation of the index as a searcher sees it, with what searches look up in it."""
from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain, compress, islice, repeat

from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, bm25
from whoosh.util.numeric import byte_to_length

from library.search.analysis import pair, phrase_needle
from library.search.codec import doc_frequency, term_postings
from library.search.layout import TEXT_FIELDS
from library.search.matching import Matching
from library.search.books import BookInfo, BookRuns, read_books  # noqa: F401  (BookInfo: as before)
from library.search.postings import Postings, PostingsCache
from library.search.vocabulary import accented_forms, edit_distance

FREQUENCIES_KEPT = 50_000  # document frequencies looked up in one generation, then forgotten
SCORERS_KEPT = 5_000       # and terms' BM25 functions (~200 bytes each)
_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]  # as Whoosh decodes a length byte


class Snapshot(Matching):
    """Shared by every thread of a worker while its generation is the latest: one searcher,
    one copy of the columns, one memo. Whoosh reads the segments through memory maps (the
    pages are the kernel's, shared between workers); what is derived here is read-only once
    made, and two threads making the same entry at once only make it twice.
    """

    def __init__(self, searcher, segment_columns: dict, postings: PostingsCache):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = self.reader.generation()
        self.book_of, self.position_of = self._columns(segment_columns)
        self.doc_count = len(self.book_of)  # with deleted documents: docnums run up to it
        self.books = read_books(self.searcher, self.reader)
        self._frequencies: dict[tuple[str, str], int] = {}
        self._scorers: dict[tuple[str, str], Callable[[float, float], float]] = {}
        self._postings = postings
        self._leaves = [(leaf, offset, offset + leaf.doc_count_all())
                        for leaf, offset in self.reader.leaf_readers()]
        self._leaf_readers = [leaf for leaf, _, _ in self._leaves]
        segments = tuple(leaf.segment().segment_id() for leaf, _, _ in self._leaves
                         if getattr(leaf, "segment", lambda: None)() is not None)
        self._postings_key = (self.generation, segments)
        self.memo: dict = {}  # what other modules derive from this generation, kept with it
        self._phrase_columns: dict[int, object] = {}
        # Threads reading this snapshot; a retired one is closed when the last one is done.
        self._readers = 0
        self._retired = False
        self._lock = threading.Lock()

    def lease(self) -> bool:
        with self._lock:
            if self._retired and not self._readers:
                return False  # closed already
            self._readers += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._readers -= 1
            done = self._retired and not self._readers
        if done:
            self.close()

    def retire(self) -> None:
        """A newer generation replaced this one: close it once no thread reads it."""
        with self._lock:
            self._retired = True
            done = not self._readers
        if done:
            self.close()

    def _columns(self, cache: dict) -> tuple[array, array]:
        """The book and position of each document, read once per segment: segments do not change."""
        book_of = array("I")
        position_of = array("I")
        live = set()
        for leaf, _offset in self.reader.leaf_readers():
            segment = leaf.segment() if hasattr(leaf, "segment") else None
            if segment is None:  # an empty index
                continue
            key = segment.segment_id()
            live.add(key)
            if key not in cache:
                cache[key] = tuple(_column(leaf, name) for name in ("book", "position"))
            book_of.extend(cache[key][0])
            position_of.extend(cache[key][1])
        for key in set(cache) - live:
            del cache[key]
        return book_of, position_of

    def close(self):
        self.searcher.close()

    @property
    def section_of(self) -> array:
        """A number for the page or chapter of each document: its pieces share it."""
        if "section_of" not in self.memo:
            self.memo["section_of"] = array("Q", [
                (book << 24) | (position & 0xFFFFFF)
                for book, position in zip(self.book_of, self.position_of)])
        return self.memo["section_of"]

    @property
    def later_pieces(self) -> dict[int, int]:
        """The second and later pieces of long chapters, each with its chapter's first piece."""
        if "later_pieces" not in self.memo:
            first: dict[int, int] = {}
            later = {}
            for docnum, section in enumerate(self.section_of):
                if first.setdefault(section, docnum) != docnum:
                    later[docnum] = first[section]
            self.memo["later_pieces"] = later
        return self.memo["later_pieces"]

    def sections(self, docnums: list[int], docset: set[int],
                 counts: Counter | None = None) -> Counter:
        """How many pages or chapters of each book these documents are.

        docnums: the pages of some books among docset, the documents that matched; counts:
        book_counts(docnums) if the caller has it already (not changed here).
        """
        books = Counter(counts) if counts is not None else self.book_counts(docnums)
        pieces, alone = self._pieces(docset, books)
        if pieces:
            books.subtract(map(self.book_of.__getitem__, pieces))
            books.update(section >> 24 for section in alone)
        return books

    def section_count(self, documents: int, docset: set[int], books: set[int] | None) -> int:
        """How many pages or chapters are these many documents: docset's pages of `books`."""
        pieces, alone = self._pieces(docset, books)
        return documents - len(pieces) + len(alone)

    def _pieces(self, docset: set[int], books) -> tuple[list[int], set[int]]:
        """Later pieces of chapters among docset, and the chapters only those pieces hold."""
        later = self.later_pieces
        if not later:
            return [], set()
        book_of = self.book_of
        pieces = [d for d in later.keys() & docset if books is None or book_of[d] in books]
        return pieces, {self.section_of[d] for d in pieces if later[d] not in docset}

    def books_of(self, docnums: list[int]) -> set[int]:
        """The books of these documents (ascending)."""
        return set(self.book_counts(docnums))

    @property
    def book_runs(self) -> BookRuns:
        if "book_runs" not in self.memo:
            self.memo["book_runs"] = BookRuns(self.book_of)
        return self.memo["book_runs"]

    def book_counts(self, docnums: list[int]) -> Counter:
        """How many of these documents (ascending) each book has."""
        return self.book_runs.counts(docnums)

    def in_books(self, docnums: list[int], books: set[int]) -> list[int]:
        """Those of these documents (ascending) that belong to `books`, in their order."""
        return self.book_runs.kept(docnums, books)

    @property
    def title_docnums(self) -> set[int]:
        return {info.docnum for info in self.books.values()}

    def field_lengths(self, field: str) -> list:
        """Each document's length in a field, as Whoosh's doc_field_length gives it, over the
        whole index: scoring asks one for every page it scores (~4 us each through Whoosh)."""
        key = ("field lengths", field)
        found = self.memo.get(key)
        if found is None:
            found = []
            for leaf, start, end in self._leaves:
                lengths = getattr(getattr(leaf, "_perdoc", None), "length_bytes", None)
                raw = lengths(field) if lengths else False
                if raw is False:  # not this project's codec
                    found.extend(leaf.doc_field_length(d, field) for d in range(end - start))
                elif raw is None:  # the field keeps no lengths
                    found.extend([0] * (end - start))
                else:
                    found.extend(map(_LENGTHS.__getitem__, raw))
            self.memo[key] = found
        return found

    # Vocabulary

    def frequency(self, field: str, term: str) -> int:
        key = (field, term)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) > FREQUENCIES_KEPT:
                self._frequencies = {}
            if field in TEXT_FIELDS:
                found = doc_frequency(self._leaf_readers, field, term.encode("utf-8"))
            else:
                found = self.reader.doc_frequency(field, term)
            self._frequencies[key] = found
        return found

    def scorer(self, field: str, term: str):
        """The term's BM25 as `score(weight, field length)`: Whoosh's own scorer, whose making
        also reads the term's statistics for block quality, unused here (~0.3 ms a term)."""
        key = (field, term)
        found = self._scorers.get(key)
        if found is None:
            searcher = self.searcher
            weighting = searcher.weighting
            if isinstance(weighting, BM25F) and searcher.schema[field].scorable:
                found = partial(_bm25, searcher.idf(field, term),
                                searcher.avg_field_length(field) or 1,
                                weighting._field_B.get(field, weighting.B), weighting.K1)
            else:
                found = weighting.scorer(searcher, field, term)._score
            if len(self._scorers) > SCORERS_KEPT:
                self._scorers = {}
            self._scorers[key] = found
        return found

    def common_forms(self, folded: str, limit: int = 3) -> list[str]:
        """The accented spellings of a folded syllable found in the library, most frequent first."""
        counted = [(self.frequency("exact", f), f) for f in accented_forms(folded)]
        return [f for n, f in sorted(counted, key=lambda c: -c[0]) if n][:limit]

    def corrections(self, folded: str, limit: int = 8) -> list[str]:
        """Folded syllables of the library one or two edits away, most frequent first."""
        if len(folded) > 12 or not folded.isalnum():
            return []
        maxdist = 2 if len(folded) >= 5 else 1
        near: dict[str, int] = {}
        # a typo rarely hits the first letter, and this keeps the scan to one letter's words
        for term in self.reader.expand_prefix("folded", folded[0]):
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            if term != folded and abs(len(term) - len(folded)) <= maxdist:
                distance = edit_distance(term, folded, maxdist)
                if distance <= maxdist:
                    near[term] = distance
        ranked = sorted(near, key=lambda t: (near[t], -self.frequency("folded", t)))
        return ranked[:limit]

    def pair_frequency(self, first: str, second: str) -> int:
        return self.frequency("pairs", pair(first, second))

    # Phrases: proven on the folded text of each candidate, a substring search

    def holding(self, docnums: list[int], phrases: list[list[str]]) -> list[int]:
        """Those of docnums (ascending) where each folded phrase occurs, syllables adjacent."""
        needles = [phrase_needle(p) for p in phrases]
        if not needles or not docnums:
            return list(docnums)
        kept: list[int] = []
        for leaf, start, end in self._leaves:
            first, last = bisect_left(docnums, start), bisect_left(docnums, end)
            if first == last:
                continue
            texts = map(self._phrase_column(leaf, start).__getitem__,
                        map((-start).__add__, docnums[first:last]))
            if len(needles) == 1:
                held = map(bytes.__contains__, texts, repeat(needles[0]))  # a loop in C
            else:
                held = (all(n in t for n in needles) for t in texts)
            kept.extend(compress(docnums[first:last], held))
        return kept

    def _phrase_column(self, leaf, start: int):
        found = self._phrase_columns.get(start)
        if found is None:
            found = self._phrase_columns[start] = leaf.column_reader("phrases", translate=False)
        return found

    # Posting lists, read whole and kept (matching over them: library.search.matching)

    def postings(self, field: str, term: str) -> Postings:
        """A term's postings over the whole index; the most recent ones are kept."""
        key = (self._postings_key, field, term)
        found = self._postings.get(key)
        if found is not None:
            return found
        parts = []
        for leaf, offset, _end in self._leaves:
            try:
                parts.append(term_postings(leaf, field, term, offset))
            except TermNotFound:
                continue
        if len(parts) == 1:
            found = Postings(*parts[0], self.doc_count)
        else:
            whole = all(leaf_weights.typecode == "B" for _, leaf_weights in parts)
            ids, weights = array("I"), array("B" if whole else "f")
            for leaf_ids, leaf_weights in parts:
                ids.extend(leaf_ids)
                weights.extend(leaf_weights if leaf_weights.typecode == weights.typecode
                               else array(weights.typecode, leaf_weights))
            found = Postings(ids, weights, self.doc_count)
        self._postings.put(key, found, found.nbytes)
        return found

    def by_frequency(self, field: str, term: str, first: int | None = None) -> Iterator[int]:
        """A term's docnums, those holding it most often first (ties in index order).

        With `first`, the head of the order holding the first `first` is sorted alone (a few
        hundred pages of a term on thousands); the whole order follows only if more are read.
        Iterators of C loops: a generator would cost a frame resumption per docnum.
        """
        key = (self._postings_key, field, term, "by frequency")
        found = self._postings.get(key)
        if found is None and first is not None:
            head = self._head_by_frequency(key, field, term, first)
            if len(head) == self.postings(field, term).count:
                return iter(head)

            def rest():  # the whole order sorted only if the head is read through
                yield islice(self._by_frequency(key, field, term), len(head), None)
            return chain(head, chain.from_iterable(rest()))
        return iter(found if found is not None else self._by_frequency(key, field, term))

    def _head_by_frequency(self, key: tuple, field: str, term: str, first: int) -> array:
        """The head of a term's order by frequency, kept: ranking asks the same head of a
        common term search after search (~0.5 ms to make for one on 15,000 pages)."""
        key = (*key, first)
        found = self._postings.get(key)
        if found is None:
            found = self.postings(field, term).by_frequency(first)
            self._postings.put(key, found, found.itemsize * len(found))
        return found

    def _by_frequency(self, key: tuple, field: str, term: str) -> array:
        found = self._postings.get(key)
        if found is None:
            found = self.postings(field, term).by_frequency()
            self._postings.put(key, found, found.itemsize * len(found))
        return found

    def has_postings(self, field: str, term: str) -> bool:
        return self._postings.get((self._postings_key, field, term)) is not None


def _bm25(idf: float, average_length: float, b: float, k1: float, weight: float,
          length: float) -> float:
    return bm25(idf, weight, length, average_length, b, k1)


def _column(leaf, name: str) -> array:
    if not leaf.doc_count_all():
        return array("I")
    return array("I", leaf.column_reader(name))
