"""Vietnamese syllable analysis: accented and folded syllables, and pairs of adjacent syllables.

Whoosh pickles SyllableAnalyzer into the index schema: keep this import path and the class small.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from collections import Counter

from whoosh.analysis import Analyzer, Token
from whoosh.formats import Frequency
from whoosh.system import pack_uint

from library.vietnamese import canonical, fold

# A pair of syllables never spans sentence punctuation ("..., đảng. Viên" holds no "đảng viên").
# Hyphens, slashes, apostrophes and line breaks do not break a run: PDF lines wrap mid-phrase
# and "Mác-Lênin" is searched as "mác lênin".
BREAKS = ".,;:!?()[]{}\"“”«»…|<>=+*•–—"
_BREAK = re.compile("[" + re.escape(BREAKS) + "]+|\\s-+\\s")
_SYLLABLE = re.compile(r"[^\W_]+")
MAX_SYLLABLE = 30  # longer "syllables" are URLs, numbers tables or OCR debris: not worth a term

_folded: dict[str, str] = {}


def fold_syllable(syllable: str) -> str:
    folded = _folded.get(syllable)
    if folded is None:
        if len(_folded) > 200_000:
            _folded.clear()
        # fold() turns an uncomposable mark into a space; a term must stay one word
        folded = _folded[syllable] = fold(syllable).replace(" ", "")
    return folded


def syllable_runs(text: str, longest: int = MAX_SYLLABLE) -> list[list[str]]:
    """Canonical syllables, grouped in runs that no punctuation interrupts; longer words are
    left out (a query keeps them: forty "đ" is a word, which no page holds)."""
    runs = []
    for segment in _BREAK.split(canonical(text)):
        syllables = [s for s in _SYLLABLE.findall(segment) if len(s) <= longest]
        if syllables:
            runs.append(syllables)
    return runs


class Terms(NamedTuple):
    exact: list[str]
    folded: list[str]
    pairs: list[str]
    exact_pairs: list[str]
    runs: list[list[str]]  # folded


# Between the folded runs of phrase_text: never a syllable, so no phrase spans two runs.
RUN_BREAK = " | "


def pair(first: str, second: str) -> str:
    return first + " " + second


_last: tuple[str, Terms] | None = None


def index_terms(text: str) -> Terms:
    """The terms of every text field; the last result is kept since four fields ask in turn."""
    global _last
    last = _last
    if last is not None and last[0] == text:
        return last[1]
    terms = Terms([], [], [], [], [])
    for run in syllable_runs(text):
        folded = [fold_syllable(s) for s in run]
        terms.runs.append(folded)
        terms.exact.extend(run)
        terms.folded.extend(folded)
        terms.pairs.extend(map(pair, folded, folded[1:]))
        terms.exact_pairs.extend(map(pair, run, run[1:]))
    _last = (text, terms)
    return terms


def phrase_text(text: str) -> bytes:
    """" dang vien | chi bo ": the folded runs of a text, for phrase checks by substring."""
    runs = index_terms(text).runs
    return (" " + RUN_BREAK.join(map(" ".join, runs)) + " ").encode("utf-8") if runs else b""


def phrase_needle(folded: list[str]) -> bytes:
    """What phrase_text holds where these folded syllables are adjacent, in this order."""
    return (" " + " ".join(folded) + " ").encode("utf-8")


class SyllableAnalyzer(Analyzer):
    """One of the four term streams of a text: 'exact', 'folded', 'pairs' or 'exact_pairs'."""

    def __init__(self, stream: str = "folded"):
        self.stream = stream

    def __repr__(self):
        return f"SyllableAnalyzer({self.stream!r})"

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(getattr(index_terms(value), self.stream), start_pos):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            yield token


class TermCounts(Frequency):
    """Whoosh's Frequency format (the same postings on disk), counting a text's terms at once.

    Frequency.word_values() asks the analyzer for a Token per occurrence and counts them in a
    Python loop; a SyllableAnalyzer's terms are plain strings, so a Counter does it in C.
    """

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, SyllableAnalyzer):
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        counts = Counter(getattr(index_terms(value), analyzer.stream))
        return [(term, n, n * boost, pack_uint(n)) for term, n in counts.items()]
