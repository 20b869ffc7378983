"""What a generation knows of its books: each book's own document, and which documents
are whose (runs of one book's documents, for counting pages per book at C speed)."""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, groupby

from whoosh import query as wq

from library.search.layout import BOOK


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


def read_books(searcher, reader) -> dict[int, BookInfo]:
    """Every book of the index, from its title document's stored fields."""
    books = {}
    for docnum in searcher.docs_for_query(wq.Term("kind", BOOK)):
        stored = reader.stored_fields(docnum)
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


class BookRuns:
    """(first docnum, docnum after the last, book) of each run of one book's documents.

    A book's documents are added together, so a book has one run in each segment where it
    was indexed: a list of matching pages is cut into books with two bisections a run
    instead of a lookup a page (15,000 pages of a common word: 0.1 ms instead of 1-2).
    """

    def __init__(self, book_of):
        self.book_of = book_of
        self.runs, start = [], 0
        for book, group in groupby(book_of):
            end = start + sum(1 for _ in group)
            self.runs.append((start, end, book))
            start = end

    def _cuts(self, docnums: list[int]):
        low = 0
        for start, end, book in self.runs:
            first = bisect_left(docnums, start, low)
            low = bisect_left(docnums, end, first)
            if low > first:
                yield first, low, book

    def counts(self, docnums: list[int]) -> Counter:
        """How many of these documents (ascending) each book has."""
        if len(self.runs) * 8 > len(docnums):  # few documents: a lookup each is cheaper
            return Counter(map(self.book_of.__getitem__, docnums))
        counts = Counter()
        for first, last, book in self._cuts(docnums):
            counts[book] += last - first
        return counts

    def kept(self, docnums: list[int], books: set[int]) -> list[int]:
        """Those of these documents (ascending) that belong to `books`, in their order."""
        if len(self.runs) * 8 > len(docnums):
            return list(compress(docnums, map(books.__contains__,
                                              map(self.book_of.__getitem__, docnums))))
        kept = []
        for first, last, book in self._cuts(docnums):
            if book in books:
                kept.extend(docnums[first:last])
        return kept
