"""Matching and ranking: every page holding the query, unscored, then the best few scored.

Matching is set algebra over whole posting lists; ranking puts the pages with the exact forms
first (the accented spelling typed, or the library's commonest one), then sums BM25 over the
query's terms for at most a few hundred pages, picked by the rarest term's frequency.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import filterfalse, islice, repeat
from operator import eq, itemgetter, mul

from library.search import query as uq
from library.search.snapshot import Snapshot, _bm25 as snapshot_bm25
from library.search.snippets import Finder

EXACT_PHRASES = 60_000    # candidates of a quoted phrase proven one by one (~2 us each)
SAMPLE = 2_000            # beyond: these, spread over all candidates, estimate the count
BOOK_CHECKS = 60_000      # and candidates proven to tell which books hold the phrase
DIRECT_SCORING = 300      # up to this many candidates, score every one
FIRST_PASS = 60           # beyond, score this many picked by the rarest term's frequency
WEIGHED = 1_000           # a pool of at most this many, half that term's pages, weighed


@dataclass
class Match:
    """Every document that holds the query, before filters: matching is unscored and cheap."""
    user_query: uq.UserQuery
    plan: uq.Plan
    docnums: list[int]
    finder: Finder
    scattered: bool
    # Quoted phrases of three syllables or more, folded: their pairs may lie apart, so each
    # candidate's text is searched for them. All candidates are when there are no more than
    # EXACT_PHRASES; beyond, `unchecked`: pages are proven as they are ranked, and counts are
    # estimates from a sample (the answer says so).
    phrases: list[list[str]] = field(default_factory=list)
    unchecked: bool = False
    verdicts: dict = field(default_factory=dict)
    # The pages holding the unquoted words side by side, when others hold them only apart
    # (across a comma or a full stop, or far from each other): those rank first. None when
    # every matching page is of one kind.
    adjacent: set[int] | None = None
    # each term's posting list and BM25, looked up once for the several scorings of a search
    term_scores: dict = field(default_factory=dict)

    @cached_property
    def docset(self) -> set[int]:
        return set(self.docnums)

    def holds(self, snapshot: Snapshot, docnum: int) -> bool:
        verdict = self.verdicts.get(docnum)
        if verdict is None:
            verdict = self.verdicts[docnum] = bool(snapshot.holding([docnum], self.phrases))
        return verdict

    def share_proven(self, snapshot: Snapshot, docnums: list[int]) -> float:
        """The share of docnums holding the phrases, from a sample spread over them all."""
        if not self.unchecked or not docnums:
            return 1.0
        sample = docnums[:: max(1, len(docnums) // SAMPLE)]
        return len(snapshot.holding(sample, self.phrases)) / len(sample)

    def proven(self, snapshot: Snapshot, docnums, need: int | None = None) -> list[int]:
        """The first `need` of docnums (in their order) that hold the phrases."""
        if not self.unchecked:
            return list(docnums)[:need]
        kept = []
        for docnum in docnums:
            if need is not None and len(kept) >= need:
                break
            if self.holds(snapshot, docnum):
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
    scattered, adjacent = False, None
    if any(len(c.syllables) > 1 and not c.quoted for c in user_query.required):
        # Unquoted words typed together may stand apart on the very page wanted ("khác, thì
        # đó": the index pairs no syllables across punctuation): pages holding them anywhere
        # match too, below those holding them side by side, however many of those there are.
        loose = uq.plan(user_query, forms, scattered=True)
        everywhere = snapshot.docnums(loose.every)
        if len(everywhere) > len(docnums):
            adjacent = set(docnums) or None
            plan, docnums, scattered = loose, everywhere, not docnums
    finder = Finder(user_query)
    phrases = [c.folded for c in user_query.required if uq.needs_phrase_check(c)]
    if phrases and len(docnums) > EXACT_PHRASES:
        return Match(user_query, plan, docnums, finder, scattered, phrases, unchecked=True,
                     adjacent=adjacent)
    docnums = snapshot.holding(docnums, phrases)
    return Match(user_query, plan, docnums, finder, scattered, phrases, adjacent=adjacent)


def text_of(snapshot: Snapshot, docnum: int) -> str:
    stored = snapshot.reader.stored_fields(docnum)
    if "text" in stored:
        return stored["text"]
    return " . ".join([stored.get("title") or "", *(stored.get("authors") or [])])


Ranked = tuple[int, int, float]  # docnum, tier (0: exact forms, +2: the words only apart), score
APART = 2  # tiers from this one: the words only apart


@dataclass
class Pool:
    """The documents to rank: those allowed (all that match, or a filter's) but not excluded."""
    allowed: set[int]
    excluded: set[int] = field(default_factory=set)  # title documents, a tier already ranked

    def __len__(self) -> int:
        return self.size

    @cached_property
    def size(self) -> int:  # asked again and again while ranking; the sets do not change
        return len(self.allowed) - len(self.excluded & self.allowed)

    def __contains__(self, docnum: int) -> bool:
        return docnum in self.allowed and docnum not in self.excluded

    def docnums(self) -> list[int]:
        return sorted(self.allowed - self.excluded)

    def keep(self, docnums):
        """Those of docnums in the pool, in their order: C loops, no new set of the pool."""
        return filterfalse(self.excluded.__contains__, filter(self.allowed.__contains__, docnums))

    def without(self, more: set[int]) -> Pool:
        return Pool(self.allowed, self.excluded | more)

    def split(self, part: set[int]) -> tuple[Pool, Pool]:
        """The pool's documents in `part`, and the others: the size of the others by a
        subtraction, not by intersecting their sets (~0.3 ms for 10,000 pages)."""
        inside = Pool(self.allowed & part, self.excluded)
        outside = self.without(part)
        outside.size = len(self) - len(inside)
        return inside, outside


def in_books(snapshot: Snapshot, docnums: list[int], books: set[int]) -> list[int]:
    return snapshot.in_books(docnums, books)


def _by_adjacency(found: Match, pool: Pool) -> list[Pool]:
    """The pool split in two: the pages with the words side by side, then those with them
    apart; the pool whole when the query makes no such difference."""
    if found.adjacent is None:
        return [pool]
    return list(pool.split(found.adjacent))


def rank(snapshot: Snapshot, found: Match, limit: int, pool: Pool) -> list[Ranked]:
    """The best `limit` (or more) documents of the pool: words side by side first, then
    within each, exact forms first."""
    ranked: list[Ranked] = []
    for part in _by_adjacency(found, pool):
        if len(ranked) < limit and len(part):
            ranked += _rank(snapshot, found, limit - len(ranked), part)
    return ranked


def _rank(snapshot: Snapshot, found: Match, limit: int, pool: Pool) -> list[Ranked]:
    # the pool is of one adjacency already: _best, not best, which would split it again
    exact = _exact_tier(snapshot, found, pool)
    if exact is None:  # none, or most: the scores sort them out
        return _best(snapshot, found, pool, limit, DIRECT_SCORING)
    ranked = _best(snapshot, found, Pool(exact), limit, DIRECT_SCORING)
    if len(ranked) < limit:
        ranked += _best(snapshot, found, pool.split(exact)[1], limit - len(ranked),
                        DIRECT_SCORING)
    return ranked


def _exact_tier(snapshot: Snapshot, found: Match, pool: Pool) -> set[int] | None:
    """The pool's documents holding every exact form, when a minority worth finding first."""
    terms = found.plan.exact_terms
    if not terms or len(pool) <= DIRECT_SCORING:
        return None
    terms = sorted(terms, key=lambda t: snapshot.frequency(*t))
    if snapshot.frequency(*terms[0]) > len(pool) // 2:
        return None
    exact = set(pool.keep(snapshot.postings(*terms[0]).ids))
    for term in terms[1:]:
        exact.intersection_update(snapshot.postings(*term).ids)
    return exact


def best(snapshot: Snapshot, found: Match, pool: Pool, limit: int,
         direct: int = DIRECT_SCORING) -> list[Ranked]:
    """Scored and sorted; of more than `direct`, only those the rarest term is most in."""
    parts = _by_adjacency(found, pool)
    if len(parts) > 1:
        ranked: list[Ranked] = []
        for part in parts:
            if len(ranked) < limit and len(part):
                ranked += _best(snapshot, found, part, limit - len(ranked), direct)
        return ranked
    return _best(snapshot, found, pool, limit, direct)


def _best(snapshot: Snapshot, found: Match, pool: Pool, limit: int, direct: int) -> list[Ranked]:
    if len(pool) <= direct:
        return score(snapshot, found, pool.docnums())
    # Scoring costs tens of microseconds a page: a first pass keeps the pages where the rarest
    # term is most frequent, read straight from its posting list.
    rarest = min(found.plan.terms, key=lambda t: snapshot.frequency(*t))
    keep = max(limit, min(FIRST_PASS, direct))  # a caller wanting a few asks fewer scored
    if len(pool) <= WEIGHED and len(pool) * 2 < snapshot.frequency(*rarest):
        # a few pages (one book's) of a common term: weighed one by one (a bisection each),
        # not found along the term's whole order by frequency (sorted for the occasion)
        weight = snapshot.postings(*rarest).weight
        by_frequency = iter(sorted(pool.docnums(), key=weight, reverse=True))  # stable
    else:
        by_frequency = pool.keep(snapshot.by_frequency(*rarest, first=keep * 2))
    if found.unchecked:  # those failing the phrase check make room for the next ones
        return score(snapshot, found, found.proven(snapshot, by_frequency, keep))
    return score(snapshot, found, list(islice(by_frequency, keep)))


def score(snapshot: Snapshot, found: Match, docnums) -> list[Ranked]:
    """Tier and score of given matching documents, best first: the BM25 sums of Whoosh's And.

    Weights come from the terms' whole posting lists (read once, kept by the snapshot): moving
    Whoosh's matchers to scattered documents reads every block header on the way. Each term
    is scored over all the documents at once, in C loops where it can: a Python call or two
    per term and document took ~3 us of the ~15 us a books page spent on each of its ~600.
    """
    docnums = found.proven(snapshot, docnums)
    if not docnums:
        return []
    plan = found.plan
    terms = found.term_scores
    for term in {*plan.terms, *plan.exact_terms} - terms.keys():
        terms[term] = _TermScore(snapshot, term)
    every = [terms[t] for t in plan.terms]
    exact = [terms[t] for t in plan.exact_terms]
    lengths = {name: list(map(snapshot.field_lengths(name).__getitem__, docnums))
               for name in {t.field for t in every + exact}}
    # (weights, scores) of each term over the documents; each document's length norm made
    # once for all the terms of a field
    norms: dict = {}
    scores = {t.term: t.scores(docnums, lengths[t.field], norms) for t in every + exact}
    # summed in the order of the terms, as one sum() a document did: the same floats
    totals = list(map(sum, zip(*(scores[t.term][1] for t in every)))) or [0] * len(docnums)
    tiers = [1] * len(docnums)
    if exact:
        held = list(map(all, zip(*(scores[t.term][0] for t in exact))))
        if any(held):
            scored = [t for t in every if t.term not in plan.implied] + exact
            narrowed = map(sum, zip(*(scores[t.term][1] for t in scored)))
            for i, (is_exact, total) in enumerate(zip(held, narrowed)):
                if is_exact:
                    tiers[i], totals[i] = 0, total
    adjacent = found.adjacent
    if adjacent is not None:
        tiers = [tier if docnum in adjacent else tier + APART
                 for docnum, tier in zip(docnums, tiers)]
    # by tier, then by score, highest first: two stable sorts by C keys, as one by
    # (tier, -score) would order them (a Python key a document took three times as long)
    ranked = sorted(zip(docnums, tiers, totals), key=itemgetter(2), reverse=True)
    ranked.sort(key=itemgetter(1))
    return ranked


class _TermScore:
    """One term's BM25 over given documents, by bisecting its posting list."""

    def __init__(self, snapshot: Snapshot, term: tuple[str, str]):
        self.term = term
        self.field = term[0]
        self.postings = snapshot.postings(*term)
        # an exact form typed but found nowhere has no statistics to score with
        self.scorer = snapshot.scorer(*term) if snapshot.frequency(*term) else None
        # the lists with one posting more, of no document and no weight: where a document
        # would be inserted is then always a posting to compare it with (C loops, no test)
        ids, weights = self.postings.ids, self.postings.weights
        self._ids = ids + array(ids.typecode, [_NO_DOCUMENT])
        self._weights = weights + array(weights.typecode, [0])

    def scores(self, docnums: list[int], lengths: list, norms: dict) -> tuple[list, list[float]]:
        """The term's frequency in each document (0 where it is not: False times its
        neighbour's), and its score there (0.0 where it is not).

        norms: BM25's length norm of each document, by field and parameters, shared by the
        terms of a scoring (half the time of the comprehension below when made for each)."""
        at = list(map(bisect_left, repeat(self.postings.ids), docnums))
        held = map(eq, map(self._ids.__getitem__, at), docnums)
        weights = list(map(mul, map(self._weights.__getitem__, at), held))
        if self.scorer is None:
            return weights, [0.0] * len(docnums)
        bm25 = _bm25_terms(self.scorer)
        if bm25 is None:  # another weighting model than the schema's: its own function
            score = self.scorer
            return weights, [score(w, fl) if w else 0.0 for w, fl in zip(weights, lengths)]
        idf, average, b, k1 = bm25
        # whoosh.scoring.bm25, operation for operation: the same float for the same inputs
        key = (self.field, average, b, k1)
        norm = norms.get(key)
        if norm is None:
            norm = norms[key] = [k1 * ((1 - b) + b * fl / average) for fl in lengths]
        k1_1 = k1 + 1
        return weights, [idf * ((w * k1_1) / (w + n)) if w else 0.0
                         for w, n in zip(weights, norm)]


_NO_DOCUMENT = 2 ** 32 - 1  # above every docnum of an index ('I' postings)


def _bm25_terms(scorer) -> tuple[float, float, float, float] | None:
    """(idf, average field length, B, K1) of a Snapshot.scorer for BM25F, else None."""
    if isinstance(scorer, partial) and scorer.func is snapshot_bm25 and not scorer.keywords:
        return scorer.args
    return None
