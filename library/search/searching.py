"""Books for the search page and hits for the API: filters, facets, grouping, snippets."""
from __future__ import annotations

from collections import Counter, defaultdict

from library.search import query as uq
from library.search.layout import author_key
from library.search import ranking
from library.search.ranking import APART, Pool, Ranked, best, in_books, match, rank, score
from library.search.results import (
    BookHit, BookResults, FacetValue, Facets, Hit, HitResults, Location,
)
from library.search.snapshot import BookInfo, Snapshot
from library.search.snippets import Finder
from library.search.suggestions import did_you_mean

TOP_SCORED = 100          # pages scored to rank the books of the first result page
LOCATIONS = 3
SUGGEST_BELOW = 3         # fewer matching books than this: offer a correction
MAX_PAGE = 1000


# Books, for the search page

def search_books(snapshot: Snapshot, user_query: uq.UserQuery, *, shelf=None, year=None,
                 author=None, sort="relevance", page=1, per_page=10, snippets=True) -> BookResults:
    found = match(snapshot, user_query)
    page, per_page = max(1, min(int(page), MAX_PAGE)), max(1, min(int(per_page), 100))
    books, book_of = snapshot.books, snapshot.book_of
    pages_per_book = snapshot.book_counts(found.docnums)
    matching = set(pages_per_book) & books.keys()
    unresolved, share = set(), 1.0
    if found.unchecked:
        matching, unresolved, share = _books_holding(snapshot, found, matching)
    wanted = _BookFilter(shelf, year, author)
    facets = _facets([books[b] for b in matching], wanted)
    allowed_books = ({b for b in matching if wanted.accepts(books[b])} if wanted.active
                     else set(matching))
    # books not told apart within the budget: counted at the share of those that were
    guessed = round(share * sum(1 for b in unresolved if wanted.accepts(books[b])))
    allowed, pool = found.docnums, Pool(found.docset)
    if len(allowed_books) < len(matching):
        allowed = in_books(snapshot, allowed, allowed_books)
        pool = Pool(set(allowed))

    title_docs = {books[b].docnum for b in allowed_books} & found.docset
    if found.unchecked:
        title_docs = set(found.proven(snapshot, sorted(title_docs)))
    titles = {r[0]: r for r in score(snapshot, found, title_docs)}
    needed = page * per_page
    best_pages: dict[int, list[Ranked]] = defaultdict(list)
    pool = pool.without(title_docs)
    for ranked in rank(snapshot, found, max(TOP_SCORED, needed * 5), pool):
        best_pages[book_of[ranked[0]]].append(ranked)
    # every matching page allowed: its books' pages are counted already
    sections = snapshot.sections(allowed, found.docset,
                                 pages_per_book if allowed is found.docnums else None)
    sections.subtract(map(book_of.__getitem__, title_docs))

    def relevance(book: int):
        # the title first, then the best page; but words apart (in a title or on a page)
        # only after every book holding them side by side
        keys = [(4, 0, -sections[book], book)]
        title = titles.get(books[book].docnum)
        if title:
            keys.append((2 if title[1] >= APART else 0, title[1], -title[2], book))
        if book in best_pages:
            page = best_pages[book][0]
            keys.append((3 if page[1] >= APART else 1, page[1], -page[2], book))
        return min(keys)

    order = sorted(allowed_books, key=relevance)
    if sort == "newest":
        order.sort(key=lambda b: (-(books[b].created.timestamp() if books[b].created else 0),
                                  -(books[b].year or 0)))
    shown = order[(page - 1) * per_page: needed]
    # books ranked by their title, or by count, have no page among the best: find theirs
    missing = {book for book in shown if book not in best_pages}
    unranked: dict[int, set[int]] = defaultdict(set)
    for docnum in in_books(snapshot, allowed, missing) if missing else ():
        unranked[book_of[docnum]].add(docnum)
    if found.unchecked and shown:  # count the shown books' pages that hold the phrases
        proven = snapshot.holding(in_books(snapshot, allowed, set(shown)), found.phrases)
        sections = snapshot.sections(proven, set(proven))
        sections.subtract(map(book_of.__getitem__, title_docs))
    hits = []
    for book in shown:
        pages = best_pages.get(book) or best(snapshot, found, Pool(unranked[book], title_docs),
                                              LOCATIONS * 3, direct=LOCATIONS * 10)
        hits.append(_book_hit(snapshot, found, books[book], titles, pages, sections[book],
                              snippets))
    suggestion = did_you_mean(snapshot, user_query) if len(matching) < SUGGEST_BELOW else None
    return BookResults(
        query=user_query.text, terms=user_query.terms, total=len(allowed_books) + guessed,
        page=page, per_page=per_page, books=hits, facets=facets,
        unfiltered_total=len(matching) + round(share * len(unresolved)),
        suggestion=suggestion, scattered=found.scattered, truncated=user_query.truncated,
        total_is_estimate=bool(unresolved),
    )


def _books_holding(snapshot: Snapshot, found, candidates: set[int]):
    """Of the candidate books of a phrase with too many candidate pages to prove them all,
    those with a page that holds it, book by book until one does, within BOOK_CHECKS pages.

    Returns the books proven, those left unresolved, and the share of resolved books that
    held the phrase (what the unresolved ones are counted at).
    """
    pages: dict[int, list[int]] = defaultdict(list)
    book_of = snapshot.book_of
    for docnum in found.docnums:
        pages[book_of[docnum]].append(docnum)
    budget = ranking.BOOK_CHECKS
    proven, unresolved, resolved = set(), set(), 0
    for book in sorted(candidates, key=lambda b: len(pages[b])):  # the cheap ones first
        docs = pages[book]
        if budget <= 0:
            unresolved.add(book)
            continue
        checked = docs[:budget]
        budget -= len(checked)
        held = any(map(found.holds, [snapshot] * len(checked), checked))
        if held:
            proven.add(book)
        if held or len(checked) == len(docs):
            resolved += 1
        else:
            unresolved.add(book)
    return proven, unresolved, len(proven) / resolved if resolved else 1.0


def _book_hit(snapshot, found, info: BookInfo, titles, pages, sections, snippets) -> BookHit:
    finder = found.finder
    title = titles.get(info.docnum)
    locations, positions = [], set()
    for docnum, _tier, page_score in pages:
        position = snapshot.position_of[docnum]
        if position in positions:
            continue  # a long chapter's other piece
        positions.add(position)
        stored = snapshot.reader.stored_fields(docnum)
        locations.append(Location(
            position=position, page=stored.get("page"), chapter=stored.get("chapter"),
            snippet=finder.snippet(stored["text"]) if snippets else "", score=page_score))
        if len(locations) == LOCATIONS:
            break
    best = title[2] if title else (locations[0].score if locations else 0.0)
    return BookHit(
        book_id=info.book_id, title=info.title, authors=info.authors, shelf=info.shelf,
        year=info.year, media_type=info.media_type, score=best,
        title_matched=bool(title) and finder.contains(info.title),
        author_matched=bool(title) and any(finder.contains(a) for a in info.authors),
        title_html=finder.highlight(info.title) if snippets else "",
        matched_sections=sections, locations=locations,
    )


class _BookFilter:
    def __init__(self, shelf, year, author):
        self.shelf = shelf or None
        self.year = int(year) if str(year or "").strip().isdigit() else None
        self.author = author_key(author) if author else None
        self.active = not (self.shelf is None and self.year is None and self.author is None)

    def accepts(self, info: BookInfo, ignore: str = "") -> bool:
        return ((ignore == "shelf" or self.shelf is None or info.shelf == self.shelf)
                and (ignore == "year" or self.year is None or info.year == self.year)
                and (ignore == "author" or self.author is None
                     or any(author_key(a) == self.author for a in info.authors)))


def _facets(books: list[BookInfo], wanted: _BookFilter) -> Facets:
    def counted(facet: str) -> list[BookInfo]:
        # no filter: every book counts in every facet, untested (~0.1 ms a search)
        return books if not wanted.active else [b for b in books if wanted.accepts(b, facet)]

    shelves = Counter(b.shelf for b in counted("shelf") if b.shelf)
    years = Counter(b.year for b in counted("year") if b.year)
    authors = Counter(a for b in counted("author") for a in dict.fromkeys(b.authors))
    return Facets(
        shelf=[FacetValue(s, n, s == wanted.shelf) for s, n in shelves.most_common()],
        year=[FacetValue(str(y), n, y == wanted.year)
              for y, n in sorted(years.items(), reverse=True)],
        author=[FacetValue(a, n, wanted.author is not None and author_key(a) == wanted.author)
                for a, n in sorted(authors.items(), key=lambda i: (-i[1], i[0]))[:30]],
    )


# Hits, for the JSON API: one per page or chapter, title and author matches first

def search_hits(snapshot: Snapshot, user_query: uq.UserQuery, *, shelf=None, page=1,
                per_page=20, snippets=True) -> HitResults:
    found = match(snapshot, user_query)
    page, per_page = max(1, min(int(page), MAX_PAGE)), max(1, min(int(per_page), 100))
    books, book_of = snapshot.books, snapshot.book_of
    shown_books = {b for b, info in books.items() if not shelf or info.shelf == shelf}
    allowed = set(in_books(snapshot, found.docnums, shown_books)) if shelf else found.docset
    title_docs = {books[b].docnum for b in shown_books} & found.docset
    if found.unchecked:
        title_docs = set(found.proven(snapshot, sorted(title_docs)))
    pool = Pool(allowed, title_docs)
    total = len(title_docs) + snapshot.section_count(len(pool), found.docset,
                                                     shown_books if shelf else None)
    start, end = (page - 1) * per_page, page * per_page
    titles = score(snapshot, found, title_docs)
    candidates, limit = len(pool), max(end - len(titles), 0) + 10
    exhausted = not candidates
    pages: list[Ranked] = []
    ranked = _with_titles(titles, pages, exhausted)
    while len(ranked) <= end and candidates:  # one more than shown: is there a next page?
        pages = _one_per_section(snapshot, rank(snapshot, found, limit, pool))
        exhausted = limit >= candidates  # every candidate ranked (and proven)
        ranked = _with_titles(titles, pages, exhausted)
        if exhausted:
            break
        limit *= 2
    estimate = False
    if found.unchecked and exhausted:
        total = len(ranked)
    elif found.unchecked:
        guessed = round((total - len(title_docs)) * found.share_proven(snapshot, pool.docnums()))
        # never fewer than the hits in hand: the next page is there when one more was found
        total = len(title_docs) + max(guessed, len(pages))
        estimate = True
    hits = [_hit(snapshot, found.finder, books[book_of[d]], d, score, d in title_docs, snippets)
            for d, _tier, score in ranked[start:end]]
    suggestion = did_you_mean(snapshot, user_query) if total < SUGGEST_BELOW else None
    return HitResults(query=user_query.text, terms=user_query.terms, total=total, page=page,
                      per_page=per_page, hits=hits, suggestion=suggestion,
                      scattered=found.scattered, truncated=user_query.truncated,
                      total_is_estimate=estimate)


def _with_titles(titles: list[Ranked], pages: list[Ranked], exhausted: bool) -> list[Ranked]:
    """Title hits first, but those with the words only apart after every page holding them
    side by side: where the first such page is ranked, or at the end once all are."""
    apart = [t for t in titles if t[1] >= APART]
    if not apart:
        return titles + pages
    cut = next((i for i, p in enumerate(pages) if p[1] >= APART), None)
    if cut is None:
        cut = len(pages) if exhausted else None
    together = titles[: len(titles) - len(apart)]  # titles are sorted: the apart ones last
    if cut is None:  # not reached yet
        return together + pages
    return together + pages[:cut] + apart + pages[cut:]


def _one_per_section(snapshot: Snapshot, ranked: list[Ranked]) -> list[Ranked]:
    seen, kept = set(), []
    for item in ranked:
        key = (snapshot.book_of[item[0]], snapshot.position_of[item[0]])
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _hit(snapshot, finder: Finder, info: BookInfo, docnum, score, is_title, snippets) -> Hit:
    if is_title:
        # highlighting compiles the query's patterns (a few ms): only when snippets are asked
        snippet = (finder.highlight(" — ".join([info.title, ", ".join(info.authors)]).strip(" —"))
                   if snippets else "")
        return Hit(info.book_id, info.title, info.authors, info.shelf, None, None, None,
                   snippet, score)
    stored = snapshot.reader.stored_fields(docnum)
    return Hit(info.book_id, info.title, info.authors, info.shelf, snapshot.position_of[docnum],
               stored.get("page"), stored.get("chapter"),
               finder.snippet(stored["text"]) if snippets else "", score)
