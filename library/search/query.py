"""What users may type: words, "quoted phrases", a leading minus. Nothing else reaches Whoosh."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq

from library.extraction.tcvn3 import looks_tcvn3, tcvn3_to_unicode
from library.search.analysis import fold_syllable, pair, syllable_runs
from library.search.errors import QueryError
from library.vietnamese import clean_text, has_diacritics
from library.translatable import N_

MAX_QUERY_CHARS = 500
MAX_SYLLABLES = 30
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "″": '"'})
# A quoted phrase, excluded with a minus in front; an unbalanced quote is dropped.
_PHRASE = re.compile(r'(-?)"([^"]*)"')
_EXCLUDED_WORD = re.compile(r"(?:(?<=\s)|^)-(?=[^\W_])([^\s\"]+)")


@dataclass
class Clause:
    """A run of syllables that must occur, adjacent and in order when it is a phrase."""
    syllables: list[str]          # canonical: lowercase NFC, one tone placement
    quoted: bool = False

    @property
    def folded(self) -> list[str]:
        return [fold_syllable(s) for s in self.syllables]

    @property
    def text(self) -> str:
        return " ".join(self.syllables)

    def __str__(self):
        return f'"{self.text}"' if self.quoted else self.text


@dataclass
class UserQuery:
    required: list[Clause]
    excluded: list[Clause] = field(default_factory=list)
    accented: bool = False        # typed with diacritics: the exact forms typed rank first
    truncated: bool = False

    @property
    def text(self) -> str:
        return " ".join([str(c) for c in self.required] + [f"-{c}" for c in self.excluded])

    @property
    def terms(self) -> list[str]:
        """What the reader highlights: the required phrases and words, canonical."""
        return list(dict.fromkeys(c.text for c in self.required))


def parse(raw: str | None) -> UserQuery:
    """Understand what a user typed, or raise QueryError saying why nothing can be searched."""
    raw = raw or ""
    truncated = len(raw) > MAX_QUERY_CHARS
    text = clean_text(raw[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].translate(_QUOTES)
    if not text.strip():
        raise QueryError(N_("Hãy nhập từ cần tìm."))
    if looks_tcvn3(text, min_words=2):
        # pasted from an old TCVN3 (ABC) document: "di tÝch lÞch sö" is "di tích lịch sử"
        text = tcvn3_to_unicode(text)
    if text.count('"') % 2:
        text = text[::-1].replace('"', " ", 1)[::-1]
    required: list[Clause] = []
    excluded: list[Clause] = []
    budget = MAX_SYLLABLES
    at = 0
    for match in [*_PHRASE.finditer(text), None]:
        plain = text[at: match.start() if match else len(text)]
        for word in _EXCLUDED_WORD.findall(plain):
            budget = _add(excluded, _runs(word), False, budget)
        budget = _add(required, _runs(_EXCLUDED_WORD.sub(" . ", plain)), False, budget)
        if match:
            minus, phrase = match.groups()
            budget = _add(excluded if minus else required, _runs(phrase), True, budget)
            at = match.end()
    if not required:
        if excluded:
            raise QueryError(N_("Hãy nhập ít nhất một từ cần tìm, không chỉ những từ cần loại trừ."))
        raise QueryError(N_("Từ cần tìm không có chữ hay số nào."))
    return UserQuery(
        required=required,
        excluded=excluded,
        accented=any(has_diacritics(s) for c in required for s in c.syllables),
        truncated=truncated or budget <= 0,
    )


def _runs(text: str) -> list[list[str]]:
    # every word typed counts, however long: the index has none that long, so no page matches
    return syllable_runs(text, longest=MAX_QUERY_CHARS)


def _add(target: list[Clause], runs: list[list[str]], quoted: bool, budget: int) -> int:
    for run in runs:
        run = run[: max(budget, 0)]
        if run:
            target.append(Clause(run, quoted))
            budget -= len(run)
    return budget


# Building Whoosh queries, in code: never a QueryParser on what users typed.

def match_query(clause: Clause, exact: bool) -> wq.Query:
    """Pages holding the clause: its folded syllable, or all its adjacent folded pairs."""
    folded = clause.folded
    if len(folded) == 1:
        query = wq.Term("folded", folded[0])
    else:
        query = wq.And([wq.Term("pairs", p) for p in dict.fromkeys(map(pair, folded, folded[1:]))])
    if clause.quoted and exact:
        # a quoted phrase typed with diacritics wants those very forms
        query = wq.And([query] + [wq.Term("exact", s) for s in dict.fromkeys(clause.syllables)])
    return query


def scattered_query(clause: Clause) -> wq.Query:
    """The fallback for an unquoted run: every syllable somewhere on the page."""
    return wq.And([wq.Term("folded", s) for s in dict.fromkeys(clause.folded)])


def needs_phrase_check(clause: Clause) -> bool:
    """Whether the index terms cannot prove a quoted phrase: its pairs may lie apart.

    Two syllables are one pair, proven by the index; with diacritics, a page holding the pair
    in another accented form and the typed form elsewhere passes too: rare enough to accept.
    """
    return clause.quoted and len(clause.syllables) > 2


Term = tuple[str, str]  # (field, text)


@dataclass
class Plan:
    """How to match one user query, and how to rank: pages with the exact forms come first."""
    every: wq.Query    # every matching page: folded terms, exclusions applied
    terms: list[Term] = field(default_factory=list)        # what every page holds: scored
    exact_terms: list[Term] = field(default_factory=list)  # what exact pages hold as well
    implied: list[Term] = field(default_factory=list)      # what exact pages need not score


def plan(user_query: UserQuery, exact_forms: list[list[str | None]],
         scattered: bool = False) -> Plan:
    """Queries for the required clauses; exact_forms gives each syllable's preferred spelling."""
    every, forms, implied = [], [], []
    for clause, clause_forms in zip(user_query.required, exact_forms):
        every.append(scattered_query(clause) if scattered and not clause.quoted
                     else match_query(clause, user_query.accented))
        known = [("exact", f) for f in dict.fromkeys(clause_forms) if f]
        forms += known
        if len(clause.syllables) == 1 and known:
            # the exact syllable implies its folded form: score it once
            implied.append(("folded", clause.folded[0]))
    required = _and(every)
    return Plan(every=_minus(required, _excluded(user_query)),
                terms=list(dict.fromkeys(required.iter_all_terms())),
                exact_terms=list(dict.fromkeys(forms)), implied=implied)


def _excluded(user_query: UserQuery) -> wq.Query | None:
    return _or([match_query(c, has_diacritics(c.text)) for c in user_query.excluded])


def _and(queries: list) -> wq.Query:
    queries = list(dict.fromkeys(queries))
    return queries[0] if len(queries) == 1 else wq.And(queries)


def _or(queries: list) -> wq.Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _minus(query: wq.Query, excluded: wq.Query | None) -> wq.Query:
    return query if excluded is None else wq.AndNot(query, excluded)
