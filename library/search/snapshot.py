"""One committed generation of the index as a searcher sees it, with what searches look up in it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from whoosh import query as wq

from library.search.analysis import pair
from library.search.layout import BOOK
from library.search.vocabulary import accented_forms, edit_distance


@dataclass
class BookInfo:
    book_id: int
    title: str
    authors: list[str]
    shelf: str
    year: int | None
    created: datetime | None
    media_type: str
    docnum: int           # its title document


class Snapshot:
    def __init__(self, searcher, segment_columns: dict):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = self.reader.generation()
        self.book_of, self.position_of = self._columns(segment_columns)
        self.books = self._books()
        self._frequencies: dict[tuple[str, str], int] = {}
        self.memo: dict = {}  # what other modules derive from this generation, kept with it

    def _columns(self, cache: dict) -> tuple[list[int], list[int]]:
        """The book and position of every document number, read once per segment (they never change)."""
        book_of: list[int] = []
        position_of: list[int] = []
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

    def _books(self) -> dict[int, BookInfo]:
        books = {}
        for docnum in self.searcher.docs_for_query(wq.Term("kind", BOOK)):
            stored = self.reader.stored_fields(docnum)
            created = stored.get("created")
            year = stored.get("year")
            books[stored["book"]] = BookInfo(
                book_id=stored["book"], title=stored.get("title") or "",
                authors=list(stored.get("authors") or []), shelf=stored.get("shelf") or "",
                year=int(year) if year else None,
                created=datetime.fromtimestamp(created) if created is not None else None,
                media_type=stored.get("media_type") or "", docnum=docnum,
            )
        return books

    def close(self):
        self.searcher.close()

    @property
    def chunked(self) -> bool:
        """Whether some page or chapter spans several documents (a long EPUB chapter)."""
        if "chunked" not in self.memo:
            pairs = set(zip(self.book_of, self.position_of))
            self.memo["chunked"] = len(pairs) < len(self.book_of)
        return self.memo["chunked"]

    def sections(self, docnums) -> int:
        """How many pages or chapters these documents are."""
        if not self.chunked:
            return len(docnums)
        book_of, position_of = self.book_of, self.position_of
        return len({(book_of[d], position_of[d]) for d in docnums})

    # Vocabulary

    def frequency(self, field: str, term: str) -> int:
        key = (field, term)
        found = self._frequencies.get(key)
        if found is None:
            found = self._frequencies[key] = self.reader.doc_frequency(field, term)
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

    # Matching

    def docnums(self, query: wq.Query) -> list[int]:
        return list(self.searcher.docs_for_query(query))


def _column(leaf, name: str) -> list[int]:
    if not leaf.doc_count_all():
        return []
    return list(leaf.column_reader(name))
