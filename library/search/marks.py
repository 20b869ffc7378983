"""What the readers mark for a query: one rule, the engine's, for every reader and snippet.

- Phrases as phrases: each clause is looked for whole; only where the text has none of it
  are its adjacent pairs marked (what the index matched), and for an unquoted query whose
  words all stand on the text apart (search finds such a page: "khác, thì đó"), each word
  that no pair covers; never for a quoted phrase, never where a word is missing.
- A query typed with diacritics marks those very forms (any case, either tone placement):
  "Hồ Chí Minh" never marks "hồ sơ" nor "chỉ"; one typed without marks any accented form
  ("dang vien" marks "đảng viên" and "đang viện").

Readers get the spans over the text they show, or, for pdf.js's text layer which the
server never sees, the distinct matched strings to find there literally.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from library.search.query import Clause, UserQuery, parse
from library.search.snippets import SNIPPET_CHARS, _compile, _matches, _phrase, _render, _window

Span = tuple[int, int]
MAX_MARKS = 500  # a page or chapter; beyond this, marks only clutter


@dataclass
class _ClauseRule:
    runs: list[re.Pattern]   # the whole clause, then its pairs: the first found wins
    # An unquoted clause without its whole phrase in a text holding every word (search finds
    # such a page): its pairs and its lone words, before the pairs alone.
    apart: re.Pattern | None = None
    words: tuple[re.Pattern, ...] = ()

    def spans(self, text: str, start: int = 0, end: int | None = None) -> list[Span]:
        """Its marks in text[start:end]; the tier is the first that matches in the whole text."""
        pattern = self.tier(text)
        if pattern is None:
            return []
        return [m.span() for _, m in zip(range(MAX_MARKS), _matches(pattern, text, start, end))]

    def tier(self, text: str) -> re.Pattern | None:
        if next(_matches(self.runs[0], text), None):
            return self.runs[0]
        if self.apart is not None and all(next(_matches(w, text), None) for w in self.words):
            return self.apart
        return next((p for p in self.runs[1:] if next(_matches(p, text), None)), None)

    def first(self, text: str) -> Span | None:
        pattern = self.tier(text)
        found = next(_matches(pattern, text), None) if pattern is not None else None
        return found.span() if found else None


def _rule(clause: Clause, exact: bool) -> _ClauseRule:
    syllables = clause.syllables
    runs = [_phrase(syllables, exact)]
    pairs = [_phrase(syllables[i:i + 2], exact) for i in range(len(syllables) - 1)]
    if len(syllables) > 2:
        runs.append("|".join(dict.fromkeys(pairs)))
    rule = _ClauseRule([_compile(r) for r in runs])
    if len(syllables) > 1 and not clause.quoted:
        words = [_phrase([s], exact) for s in dict.fromkeys(syllables)]
        rule.apart = _compile("|".join(dict.fromkeys(pairs + words)))
        rule.words = tuple(_compile(w) for w in words)
    return rule


class Marker:
    """The spans of a text that a query marks; built once per query, used on every text."""

    def __init__(self, user_query: UserQuery):
        self.user_query = user_query
        self.exact = user_query.accented

    @cached_property
    def _rules(self) -> list[_ClauseRule]:
        return [_rule(c, self.exact) for c in self.user_query.required]

    def spans(self, text: str) -> list[Span]:
        """Sorted, non-overlapping (start, end) character offsets into `text`."""
        return self._merged(span for rule in self._rules for span in rule.spans(text))

    def marks_any(self, text: str) -> bool:
        return any(rule.first(text) for rule in self._rules)

    @staticmethod
    def _merged(spans) -> list[Span]:
        found = sorted(spans)
        merged: list[Span] = []
        for start, end in found:
            if merged and start < merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
                continue
            merged.append((start, end))
        return merged[:MAX_MARKS]

    def forms(self, text: str) -> list[str]:
        """The distinct strings marked in `text`, spaces squeezed: for pdf.js's text layer."""
        return list(dict.fromkeys(" ".join(text[a:b].split()) for a, b in self.spans(text)))

    def highlight(self, text: str, keep_lines: bool = True) -> str:
        """The whole text, HTML-escaped, its marks in <mark>."""
        return _render(text, 0, len(text), self.spans(text), squeeze=not keep_lines)

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> str:
        """About `width` characters around the first mark, escaped, marks in <mark>."""
        # Only the first mark and those in its window are looked for: a page of a long
        # list of hits costs a few regex searches, not all its marks.
        firsts = [span for span in map(lambda rule: rule.first(text), self._rules) if span]
        if not firsts:
            return _render(text, 0, min(len(text), width), [])
        first = min(firsts)
        start, end = _window(text, first[0], first[1], width)
        spans = self._merged(span for rule in self._rules for span in rule.spans(text, start, end))
        return _render(text, start, end, [s for s in spans if s[1] <= end])


def marker(query: str) -> Marker | None:
    """The marker of what a user typed; None when nothing in it can be searched."""
    from library.search.errors import QueryError

    try:
        return Marker(parse(query))
    except QueryError:
        return None


def mark_spans(query: str, text: str) -> list[Span]:
    """Where `query` is marked in `text` (empty for an unsearchable query)."""
    found = marker(query)
    return found.spans(text) if found else []
