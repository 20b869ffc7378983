"""From a user's query to ranked books and hits: match unscored, filter, score the top, snippet."""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, filterfalse, islice

from library.search import query as uq
from library.search.layout import author_key
from library.search.results import (
    BookHit, BookResults, FacetValue, Facets, Hit, HitResults, Location,
)
from library.search.snapshot import BookInfo, Snapshot
from library.search.snippets import Finder
from library.search.suggestions import did_you_mean

TOP_SCORED = 100          # pages scored to rank the books of the first result page
PHRASE_CHECKS = 300       # candidate pages read to prove a quoted phrase; beyond, when shown
SAMPLE = 40               # and these, spread over all candidates, to estimate how many hold it
DIRECT_SCORING = 300      # up to this many candidates, score every one
FIRST_PASS = 60           # beyond, score this many picked by the rarest term's frequency
LOCATIONS = 3
SUGGEST_BELOW = 3         # fewer matching books than this: offer a correction
MAX_PAGE = 1000


@dataclass
class Match:
    """Every document that holds the query, before filters: matching is unscored and cheap."""
    user_query: uq.UserQuery
    plan: uq.Plan
    docnums: list[int]
    finder: Finder
    scattered: bool
    # Quoted phrases of three syllables or more need their pages read: all of them when few,
    # else only those about to be shown (counts then include pages that would fail the check).
    unchecked: bool = False
    verdicts: dict = field(default_factory=dict)
    checks_left: int = PHRASE_CHECKS

    @cached_property
    def docset(self) -> set[int]:
        return set(self.docnums)

    def share_proven(self, snapshot: Snapshot, docnums: list[int]) -> float:
        """The share of docnums holding the phrases, from a sample spread over them all."""
        if not self.unchecked or not docnums:
            return 1.0
        sample = docnums[:: max(1, len(docnums) // SAMPLE)]
        verdicts = [self.verdicts.get(d) for d in sample]
        verdicts = [self.finder.holds_phrases(_text(snapshot, d)) if v is None else v
                    for d, v in zip(sample, verdicts)]
        return sum(verdicts) / len(verdicts)

    def proven(self, snapshot: Snapshot, docnums, need: int | None = None) -> list[int]:
        """The first `need` of docnums (best first) that hold the phrases, budget allowing."""
        if not self.unchecked:
            return list(docnums)[:need]
        kept = []
        for docnum in docnums:
            if need is not None and len(kept) >= need:
                break
            verdict = self.verdicts.get(docnum)
            if verdict is None:
                if self.checks_left <= 0:
                    break
                self.checks_left -= 1
                verdict = self.verdicts[docnum] = self.finder.holds_phrases(_text(snapshot, docnum))
            if verdict:
                kept.append(docnum)
        return kept


def match(snapshot: Snapshot, user_query: uq.UserQuery) -> Match:
    if user_query.accented:
        forms = [list(c.syllables) for c in user_query.required]
    else:  # the spelling most common in the library: "dang vien" ranks "đảng viên" first
        forms = [[next(iter(snapshot.common_forms(s, 1)), None) for s in c.folded]
                 for c in user_query.required]
    plan = uq.plan(user_query, forms)
    docnums = snapshot.docnums(plan.every)
    scattered = False
    if not docnums and any(len(c.syllables) > 1 and not c.quoted for c in user_query.required):
        # no page holds the words side by side: show those holding them apart
        plan = uq.plan(user_query, forms, scattered=True)
        docnums = snapshot.docnums(plan.every)
        scattered = True
    finder = Finder(user_query)
    if not finder.checks or len(docnums) > PHRASE_CHECKS:
        return Match(user_query, plan, docnums, finder, scattered, unchecked=bool(finder.checks))
    docnums = [d for d in docnums if finder.holds_phrases(_text(snapshot, d))]
    return Match(user_query, plan, docnums, finder, scattered)


def _text(snapshot: Snapshot, docnum: int) -> str:
    stored = snapshot.reader.stored_fields(docnum)
    if "text" in stored:
        return stored["text"]
    return " . ".join([stored.get("title") or "", *(stored.get("authors") or [])])


Ranked = tuple[int, int, float]  # docnum, tier (0: exact forms), score


def _without(docnums: list[int], excluded: set[int]) -> list[int]:
    return list(filterfalse(excluded.__contains__, docnums)) if excluded else docnums


def _in_books(snapshot: Snapshot, docnums: list[int], books: set[int]) -> list[int]:
    return list(compress(docnums, map(books.__contains__,
                                      map(snapshot.book_of.__getitem__, docnums))))


def _ranked(snapshot: Snapshot, found: Match, limit: int, allowed: list[int],
            mask: set) -> list[Ranked]:
    """The best `limit` (or more) documents of `allowed` but not `mask`, exact forms first."""
    candidates = _without(allowed, mask)
    exact = _exact_tier(snapshot, found, candidates)
    if exact is None:  # none, or most: the scores sort them out
        return _best(snapshot, found, candidates, limit)
    ranked = _best(snapshot, found, exact, limit)
    if len(ranked) < limit:
        ranked += _best(snapshot, found, _without(candidates, set(exact)), limit - len(ranked))
    return ranked


def _exact_tier(snapshot: Snapshot, found: Match, candidates: list[int]) -> list[int] | None:
    """The candidates holding every exact form, when they are a minority worth finding first."""
    terms = found.plan.exact_terms
    if len(candidates) <= DIRECT_SCORING or not terms:
        return None
    terms = sorted(terms, key=lambda t: snapshot.frequency(*t))
    if snapshot.frequency(*terms[0]) > len(candidates) // 2:
        return None
    exact = set(candidates)
    for term in terms:
        exact.intersection_update(snapshot.postings(*term).ids)
    return sorted(exact)


def _best(snapshot: Snapshot, found: Match, docnums: list[int], limit: int,
          direct: int = DIRECT_SCORING) -> list[Ranked]:
    """Scored and sorted; of more than `direct`, only those the rarest term is most in."""
    if len(docnums) <= direct:
        return _score(snapshot, found, docnums)
    # Scoring costs tens of microseconds a page: a first pass keeps the pages where the rarest
    # term is most frequent, read straight from its posting list.
    rarest = min(found.plan.terms, key=lambda t: snapshot.frequency(*t))
    postings = snapshot.postings(*rarest)
    keep = max(limit, FIRST_PASS)
    if found.unchecked:  # those failing the phrase check make room for the next ones
        first = _most_frequent(postings, set(docnums), len(docnums))
        return _score(snapshot, found, found.proven(snapshot, first, keep))
    return _score(snapshot, found, _most_frequent(postings, set(docnums), keep))


def _most_frequent(postings, wanted: set[int], keep: int) -> list[int]:
    """Up to `keep` wanted documents where the term occurs most; ties in index order."""
    return list(islice(filter(wanted.__contains__, postings.by_frequency), keep))


def _score(snapshot: Snapshot, found: Match, docnums) -> list[Ranked]:
    """Tier and score of given matching documents, best first: the BM25 sums of Whoosh's And.

    Weights come from the terms' whole posting lists (read once, kept by the snapshot): moving
    Whoosh's matchers to scattered documents reads every block header on the way.
    """
    docnums = found.proven(snapshot, docnums)
    if not docnums:
        return []
    plan = found.plan
    every = [_TermScore(snapshot, t) for t in plan.terms]
    exact = [_TermScore(snapshot, t) for t in plan.exact_terms]
    implied = plan.implied
    fields = {t.field for t in every + exact}
    length = snapshot.reader.doc_field_length
    ranked: list[Ranked] = []
    for docnum in docnums:
        lengths = {name: length(docnum, name) for name in fields}
        if exact and all(term.weight(docnum) for term in exact):
            scored = [t for t in every if t.term not in implied] + exact
            ranked.append((docnum, 0, sum(t.score(docnum, lengths) for t in scored)))
        else:
            ranked.append((docnum, 1, sum(t.score(docnum, lengths) for t in every)))
    return sorted(ranked, key=lambda r: (r[1], -r[2]))


class _TermScore:
    """One term's BM25 on any document, by bisecting its posting list."""

    def __init__(self, snapshot: Snapshot, term: tuple[str, str]):
        self.term = term
        self.field = term[0]
        self.postings = snapshot.postings(*term)
        searcher = snapshot.searcher
        # an exact form typed but found nowhere has no statistics to score with
        self.scorer = (searcher.weighting.scorer(searcher, *term)
                       if snapshot.frequency(*term) else None)

    def weight(self, docnum: int) -> float:
        ids = self.postings.ids
        at = bisect_left(ids, docnum)
        return self.postings.weights[at] if at < len(ids) and ids[at] == docnum else 0.0

    def score(self, docnum: int, lengths: dict) -> float:
        weight = self.weight(docnum)
        if not weight:
            return 0.0
        return self.scorer._score(weight, lengths[self.field])


# Books, for the search page

def search_books(snapshot: Snapshot, user_query: uq.UserQuery, *, shelf=None, year=None,
                 author=None, sort="relevance", page=1, per_page=10, snippets=True) -> BookResults:
    found = match(snapshot, user_query)
    page, per_page = max(1, min(int(page), MAX_PAGE)), max(1, min(int(per_page), 100))
    books, book_of = snapshot.books, snapshot.book_of
    matching = snapshot.books_of(found.docnums) & books.keys()
    wanted = _BookFilter(shelf, year, author)
    facets = _facets([books[b] for b in matching], wanted)
    allowed_books = {b for b in matching if wanted.accepts(books[b])}
    allowed = found.docnums
    if len(allowed_books) < len(matching):
        allowed = _in_books(snapshot, allowed, allowed_books)

    title_docs = {books[b].docnum for b in allowed_books} & found.docset
    titles = {r[0]: r for r in _score(snapshot, found, title_docs)}
    needed = page * per_page
    best_pages: dict[int, list[Ranked]] = defaultdict(list)
    for ranked in _ranked(snapshot, found, max(TOP_SCORED, needed * 5), allowed, title_docs):
        best_pages[book_of[ranked[0]]].append(ranked)
    page_docs = _without(allowed, title_docs)
    sections = snapshot.sections(page_docs, found.docset)

    def relevance(book: int):
        title = titles.get(books[book].docnum)
        if title:
            return (0, title[1], -title[2], book)
        if book in best_pages:
            return (1, best_pages[book][0][1], -best_pages[book][0][2], book)
        return (2, 0, -sections[book], book)

    order = sorted(allowed_books, key=relevance)
    if sort == "newest":
        order.sort(key=lambda b: (-(books[b].created.timestamp() if books[b].created else 0),
                                  -(books[b].year or 0)))
    shown = order[(page - 1) * per_page: needed]
    # books ranked by their title, or by count, have no page among the best: find theirs
    missing = {book for book in shown if book not in best_pages}
    unranked: dict[int, list[int]] = defaultdict(list)
    for docnum in _in_books(snapshot, page_docs, missing) if missing else ():
        unranked[book_of[docnum]].append(docnum)
    hits = []
    for book in shown:
        pages = best_pages.get(book) or _best(snapshot, found, unranked[book], LOCATIONS * 3,
                                              direct=LOCATIONS * 10)
        hits.append(_book_hit(snapshot, found, books[book], titles, pages, sections[book],
                              snippets))
    suggestion = did_you_mean(snapshot, user_query) if len(matching) < SUGGEST_BELOW else None
    return BookResults(
        query=user_query.text, terms=user_query.terms, total=len(allowed_books), page=page,
        per_page=per_page, books=hits, facets=facets, unfiltered_total=len(matching),
        suggestion=suggestion, scattered=found.scattered, truncated=user_query.truncated,
    )


def _book_hit(snapshot, found, info: BookInfo, titles, pages, sections, snippets) -> BookHit:
    finder = found.finder
    title = titles.get(info.docnum)
    locations, positions = [], set()
    for docnum, _tier, score in pages:
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

    def accepts(self, info: BookInfo, ignore: str = "") -> bool:
        return ((ignore == "shelf" or self.shelf is None or info.shelf == self.shelf)
                and (ignore == "year" or self.year is None or info.year == self.year)
                and (ignore == "author" or self.author is None
                     or any(author_key(a) == self.author for a in info.authors)))


def _facets(books: list[BookInfo], wanted: _BookFilter) -> Facets:
    shelves = Counter(b.shelf for b in books if b.shelf and wanted.accepts(b, "shelf"))
    years = Counter(b.year for b in books if b.year and wanted.accepts(b, "year"))
    authors = Counter(a for b in books if wanted.accepts(b, "author")
                      for a in dict.fromkeys(b.authors))
    return Facets(
        shelf=[FacetValue(s, n, s == wanted.shelf) for s, n in shelves.most_common()],
        year=[FacetValue(str(y), n, y == wanted.year)
              for y, n in sorted(years.items(), reverse=True)],
        author=[FacetValue(a, n, author_key(a) == wanted.author)
                for a, n in sorted(authors.items(), key=lambda i: (-i[1], i[0]))[:30]],
    )


# Hits, for the JSON API: one per page or chapter, title and author matches first

def search_hits(snapshot: Snapshot, user_query: uq.UserQuery, *, shelf=None, page=1,
                per_page=20, snippets=True) -> HitResults:
    found = match(snapshot, user_query)
    page, per_page = max(1, min(int(page), MAX_PAGE)), max(1, min(int(per_page), 100))
    books, book_of = snapshot.books, snapshot.book_of
    shown_books = {b for b, info in books.items() if not shelf or info.shelf == shelf}
    allowed = _in_books(snapshot, found.docnums, shown_books) if shelf else found.docnums
    title_docs = {books[b].docnum for b in shown_books} & found.docset
    page_docs = _without(allowed, title_docs)
    total = len(title_docs) + snapshot.section_count(page_docs, found.docset,
                                                     shown_books if shelf else None)
    start, end = (page - 1) * per_page, page * per_page
    ranked = _score(snapshot, found, title_docs)
    candidates, limit = len(page_docs), max(end - len(ranked), 0) + 10
    while len(ranked) < end and candidates:
        pages = _ranked(snapshot, found, limit, allowed, title_docs)
        ranked = ranked[: len(title_docs)] + _one_per_section(snapshot, pages)
        if limit >= candidates or (found.unchecked and found.checks_left <= 0):
            break  # all there is, or all the phrase checks allowed
        limit *= 2
    if found.unchecked:
        total = len(title_docs) + round((total - len(title_docs))
                                        * found.share_proven(snapshot, page_docs))
    hits = [_hit(snapshot, found.finder, books[book_of[d]], d, score, d in title_docs, snippets)
            for d, _tier, score in ranked[start:end]]
    suggestion = did_you_mean(snapshot, user_query) if total < SUGGEST_BELOW else None
    return HitResults(query=user_query.text, terms=user_query.terms, total=total, page=page,
                      per_page=per_page, hits=hits, suggestion=suggestion,
                      scattered=found.scattered, truncated=user_query.truncated)


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
        snippet = finder.highlight(" — ".join([info.title, ", ".join(info.authors)]).strip(" —"))
        return Hit(info.book_id, info.title, info.authors, info.shelf, None, None, None,
                   snippet if snippets else "", score)
    stored = snapshot.reader.stored_fields(docnum)
    return Hit(info.book_id, info.title, info.authors, info.shelf, snapshot.position_of[docnum],
               stored.get("page"), stored.get("chapter"),
               finder.snippet(stored["text"]) if snippets else "", score)
