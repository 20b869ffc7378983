"""Search inside one book: every page or chapter holding the query, in reading order.

The same matching as the library's search (library.search.ranking.match), narrowed to one
book before the phrase checks; a query typed with diacritics keeps only the pages holding those very forms, so that
what is listed is what the reader marks (library.search.marks). Snippets follow that rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from library.search import query as uq
from library.search.marks import Marker
from library.search.ranking import text_of
from library.search.snippets import Finder
from library.search.snapshot import Snapshot

PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass
class BookHitPage:
    """A page (PDF) or chapter (EPUB) of the book holding the query."""
    position: int
    page: int | None
    chapter: str | None
    snippet: str          # escaped HTML, marks in <mark>


@dataclass
class InBookResults:
    query: str
    book_id: int
    total: int                                    # pages or chapters holding the query
    page: int
    per_page: int
    positions: list[int] = field(default_factory=list)   # all of them, in reading order
    hits: list[BookHitPage] = field(default_factory=list)  # this page of them, with snippets


def search_in_book(index, query: str, book_id: int, *, page: int = 1,
                   per_page: int = PER_PAGE) -> InBookResults:
    """Raises QueryError for what cannot be searched, SearchUnavailable without an index."""
    user_query = uq.parse(query)
    page = max(1, int(page))
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    key = ("in book", user_query.text, user_query.truncated, int(book_id), page, per_page)
    return index._reading(index.results.around(key, lambda snapshot: _search(
        snapshot, user_query, int(book_id), page, per_page)))


def _search(snapshot: Snapshot, user_query: uq.UserQuery, book_id: int, page: int,
            per_page: int) -> InBookResults:
    docnums = _matching(snapshot, user_query, book_id)
    position_of = snapshot.position_of
    pieces: dict[int, list[int]] = {}
    for docnum in docnums:
        pieces.setdefault(position_of[docnum], []).append(docnum)
    positions = sorted(pieces)
    marker = Marker(user_query)
    hits = []
    for position in positions[(page - 1) * per_page: page * per_page]:
        hits.append(_hit(snapshot, marker, position, pieces[position]))
    return InBookResults(query=user_query.text, book_id=book_id, total=len(positions),
                         page=page, per_page=per_page, positions=positions, hits=hits)


def _matching(snapshot: Snapshot, user_query: uq.UserQuery, book_id: int) -> list[int]:
    """The book's documents holding the query, as library.search.ranking.match finds them in
    the library (folded pairs, and the words apart for an unquoted query), with quoted
    phrases checked on this book's pages only."""
    no_forms = [[] for _ in user_query.required]  # exact forms only rank: nothing to rank here
    docnums = _in_book(snapshot, uq.plan(user_query, no_forms).every, book_id)
    if any(len(c.syllables) > 1 and not c.quoted for c in user_query.required):
        # as in the library: the pages holding the words apart are hits too
        apart = _in_book(snapshot, uq.plan(user_query, no_forms, scattered=True).every, book_id)
        docnums = sorted(set(docnums).union(apart))
    if user_query.accented and docnums:
        for syllable in dict.fromkeys(s for c in user_query.required for s in c.syllables):
            holding = snapshot.postings("exact", syllable).docset()
            docnums = [d for d in docnums if d in holding]
    finder = Finder(user_query)
    if finder.checks:  # quoted phrases the index cannot prove: read the pages
        docnums = [d for d in docnums if finder.holds_phrases(text_of(snapshot, d))]
    return docnums


def _in_book(snapshot: Snapshot, query, book_id: int) -> list[int]:
    book_of, position_of = snapshot.book_of, snapshot.position_of
    return [d for d in snapshot.docnums(query) if book_of[d] == book_id and position_of[d] > 0]


def _hit(snapshot: Snapshot, marker: Marker, position: int, docnums: list[int]) -> BookHitPage:
    """The snippet of the first piece of a long chapter that has a mark."""
    stored = None
    for docnum in docnums:
        stored = snapshot.reader.stored_fields(docnum)
        if len(docnums) == 1 or marker.marks_any(stored.get("text") or ""):
            break
    return BookHitPage(position=position, page=stored.get("page"), chapter=stored.get("chapter"),
                       snippet=marker.snippet(stored.get("text") or ""))
