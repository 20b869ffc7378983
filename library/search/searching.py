"""From a user's query to ranked books and hits: match unscored, filter, score the top, snippet."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from whoosh import query as wq

from library.search import query as uq
from library.search.layout import author_key
from library.search.results import (
    BookHit, BookResults, FacetValue, Facets, Hit, HitResults, Location,
)
from library.search.snapshot import BookInfo, Snapshot
from library.search.snippets import Finder
from library.search.suggestions import did_you_mean

TOP_SCORED = 200          # pages scored to rank the books of the first result page
PHRASE_CHECKS = 5000      # candidate pages read to prove a quoted phrase; beyond, trusted
LOCATIONS = 3
SUGGEST_BELOW = 3         # fewer matching books than this: offer a correction
MAX_PAGE = 1000


@dataclass
class Match:
    """Every document that holds the query, before filters: matching is unscored and cheap."""
    user_query: uq.UserQuery
    query: wq.Query
    docnums: list[int]
    finder: Finder
    scattered: bool


def match(snapshot: Snapshot, user_query: uq.UserQuery) -> Match:
    if user_query.accented:
        exact_forms = [s for c in user_query.required for s in c.syllables]
    else:
        exact_forms = [f for c in user_query.required for s in c.folded
                       for f in snapshot.common_forms(s, 1)]
    query = uq.build(user_query, exact_forms)
    docnums = snapshot.docnums(query)
    scattered = False
    if not docnums and any(len(c.syllables) > 1 and not c.quoted for c in user_query.required):
        # no page holds the words side by side: show those holding them apart
        query = uq.build(user_query, exact_forms, scattered=True)
        docnums = snapshot.docnums(query)
        scattered = True
    finder = Finder(user_query)
    if finder.checks and docnums:
        checked, trusted = docnums[:PHRASE_CHECKS], docnums[PHRASE_CHECKS:]
        docnums = [d for d in checked if finder.holds_phrases(_text(snapshot, d))] + trusted
    return Match(user_query, query, docnums, finder, scattered)


def _text(snapshot: Snapshot, docnum: int) -> str:
    stored = snapshot.reader.stored_fields(docnum)
    if "text" in stored:
        return stored["text"]
    return " . ".join([stored.get("title") or "", *(stored.get("authors") or [])])


def _scored(snapshot: Snapshot, found: Match, allowed: list[int], limit: int | None):
    """(docnum, score) of the best documents among `allowed`, a subset of found.docnums."""
    if not allowed:
        return []
    # no filter when nothing is left out: Whoosh then skips blocks that cannot make the top
    everything = len(allowed) == len(found.docnums) and not found.finder.checks
    results = snapshot.searcher.search(found.query, filter=None if everything else set(allowed),
                                       limit=limit)
    return [(hit.docnum, hit.score) for hit in results]


# Books, for the search page

def search_books(snapshot: Snapshot, user_query: uq.UserQuery, *, shelf=None, year=None,
                 author=None, sort="relevance", page=1, per_page=10, snippets=True) -> BookResults:
    found = match(snapshot, user_query)
    page, per_page = max(1, min(int(page), MAX_PAGE)), max(1, min(int(per_page), 100))
    books = snapshot.books
    book_of = snapshot.book_of
    matching = {book_of[d] for d in found.docnums} & books.keys()
    wanted = _BookFilter(shelf, year, author)
    facets = _facets([books[b] for b in matching], wanted)
    allowed_books = {b for b in matching if wanted.accepts(books[b])}
    allowed = [d for d in found.docnums if book_of[d] in allowed_books]

    title_docs = {books[b].docnum for b in allowed_books} & set(allowed)
    title_scores = dict(_scored(snapshot, found, list(title_docs), None)) if title_docs else {}
    needed = page * per_page
    best_pages: dict[int, list[tuple[int, float]]] = defaultdict(list)
    page_docs = [d for d in allowed if d not in title_docs]
    for docnum, score in _scored(snapshot, found, page_docs, max(TOP_SCORED, needed * 5)):
        best_pages[book_of[docnum]].append((docnum, score))
    sections = Counter({b: 0 for b in allowed_books})
    seen = {(book_of[d], snapshot.position_of[d]) for d in page_docs}
    sections.update(book for book, _ in seen)

    def relevance(book: int):
        info = books[book]
        if info.docnum in title_scores:
            return (0, -title_scores[info.docnum], book)
        if book in best_pages:
            return (1, -best_pages[book][0][1], book)
        return (2, -sections[book], book)

    order = sorted(allowed_books, key=relevance)
    if sort == "newest":
        order.sort(key=lambda b: (-(books[b].created.timestamp() if books[b].created else 0),
                                  -(books[b].year or 0)))
    hits = []
    for book in order[(page - 1) * per_page: needed]:
        info = books[book]
        pages = best_pages.get(book) or _scored(
            snapshot, found, [d for d in page_docs if book_of[d] == book], LOCATIONS * 3)
        hits.append(_book_hit(snapshot, found, info, title_scores, pages, sections[book], snippets))
    suggestion = did_you_mean(snapshot, user_query) if len(matching) < SUGGEST_BELOW else None
    return BookResults(
        query=user_query.text, terms=user_query.terms, total=len(allowed_books), page=page,
        per_page=per_page, books=hits, facets=facets, unfiltered_total=len(matching),
        suggestion=suggestion, scattered=found.scattered, truncated=user_query.truncated,
    )


def _book_hit(snapshot, found, info: BookInfo, title_scores, pages, sections, snippets) -> BookHit:
    finder = found.finder
    in_title = info.docnum in title_scores
    locations, positions = [], set()
    for docnum, score in pages:
        position = snapshot.position_of[docnum]
        if position in positions:
            continue  # a long chapter's other piece
        positions.add(position)
        stored = snapshot.reader.stored_fields(docnum)
        locations.append(Location(
            position=position, page=stored.get("page"), chapter=stored.get("chapter"),
            snippet=finder.snippet(stored["text"]) if snippets else "", score=score))
        if len(locations) == LOCATIONS:
            break
    best = title_scores.get(info.docnum) or (locations[0].score if locations else 0.0)
    return BookHit(
        book_id=info.book_id, title=info.title, authors=info.authors, shelf=info.shelf,
        year=info.year, media_type=info.media_type, score=best,
        title_matched=in_title and finder.contains(info.title),
        author_matched=in_title and any(finder.contains(a) for a in info.authors),
        title_html=finder.highlight(info.title) if snippets else "",
        matched_sections=sections, locations=locations,
    )


class _BookFilter:
    def __init__(self, shelf, year, author):
        self.shelf = shelf or None
        self.year = int(year) if str(year or "").strip().isdigit() else None
        self.author = author_key(author) if author else None

    def accepts(self, info: BookInfo, ignore: str = "") -> bool:
        return ((ignore == "shelf" or self.shelf is None or info.shelf == self.shelf)
                and (ignore == "year" or self.year is None or info.year == self.year)
                and (ignore == "author" or self.author is None
                     or any(author_key(a) == self.author for a in info.authors)))


def _facets(books: list[BookInfo], wanted: _BookFilter) -> Facets:
    shelves = Counter(b.shelf for b in books if b.shelf and wanted.accepts(b, "shelf"))
    years = Counter(b.year for b in books if b.year and wanted.accepts(b, "year"))
    authors = Counter(a for b in books if wanted.accepts(b, "author") for a in dict.fromkeys(b.authors))
    return Facets(
        shelf=[FacetValue(s, n, s == wanted.shelf) for s, n in shelves.most_common()],
        year=[FacetValue(str(y), n, y == wanted.year) for y, n in sorted(years.items(), reverse=True)],
        author=[FacetValue(a, n, author_key(a) == wanted.author)
                for a, n in sorted(authors.items(), key=lambda i: (-i[1], i[0]))[:30]],
    )


# Hits, for the JSON API: one per page or chapter, title and author matches first

def search_hits(snapshot: Snapshot, user_query: uq.UserQuery, *, shelf=None, page=1,
                per_page=20, snippets=True) -> HitResults:
    found = match(snapshot, user_query)
    page, per_page = max(1, min(int(page), MAX_PAGE)), max(1, min(int(per_page), 100))
    books, book_of, position_of = snapshot.books, snapshot.book_of, snapshot.position_of
    allowed = [d for d in found.docnums
               if book_of[d] in books and (not shelf or books[book_of[d]].shelf == shelf)]
    title_docs = {books[book_of[d]].docnum for d in allowed} & set(allowed)
    page_docs = [d for d in allowed if d not in title_docs]
    total = len(title_docs) + len({(book_of[d], position_of[d]) for d in page_docs})
    start, end = (page - 1) * per_page, page * per_page
    ranked = _scored(snapshot, found, list(title_docs), None) if title_docs else []
    limit = max(end - len(ranked), 0) + 10
    while len(ranked) < end and page_docs:
        scored = _scored(snapshot, found, page_docs, limit)
        ranked = ranked[: len(title_docs)] + _one_per_section(snapshot, scored)
        if len(scored) < limit:
            break
        limit *= 2
    hits = [_hit(snapshot, found.finder, books[book_of[d]], d, score, d in title_docs, snippets)
            for d, score in ranked[start:end]]
    suggestion = did_you_mean(snapshot, user_query) if total < SUGGEST_BELOW else None
    return HitResults(query=user_query.text, terms=user_query.terms, total=total, page=page,
                      per_page=per_page, hits=hits, suggestion=suggestion,
                      scattered=found.scattered, truncated=user_query.truncated)


def _one_per_section(snapshot: Snapshot, scored):
    seen, kept = set(), []
    for docnum, score in scored:
        key = (snapshot.book_of[docnum], snapshot.position_of[docnum])
        if key not in seen:
            seen.add(key)
            kept.append((docnum, score))
    return kept


def _hit(snapshot, finder: Finder, info: BookInfo, docnum, score, is_title, snippets) -> Hit:
    if is_title:
        snippet = finder.highlight(" — ".join([info.title, ", ".join(info.authors)]).strip(" —"))
        return Hit(info.book_id, info.title, info.authors, info.shelf, None, None, None,
                   snippet if snippets else "", score)
    stored = snapshot.reader.stored_fields(docnum)
    return Hit(info.book_id, info.title, info.authors, info.shelf, snapshot.position_of[docnum],
               stored.get("page"), stored.get("chapter"),
               finder.snippet(stored["text"]) if snippets else "", score)
