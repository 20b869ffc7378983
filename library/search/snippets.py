"""Finding the query in a page's text: phrase checks, and escaped snippets with <mark>ed words."""
from __future__ import annotations

import re
from html import escape

from library.search.analysis import BREAKS
from library.search.query import UserQuery, needs_phrase_check
from library.vietnamese import canonical, fold

SNIPPET_CHARS = 200
_MAX_MARKS = 40


def _letter_variants() -> dict[str, str]:
    """Every lowercase Latin letter that folds to a given ASCII letter, 'd' -> 'dđ'."""
    variants: dict[str, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        base = fold(char)
        if char == char.lower() and len(base) == 1 and base.isascii() and base.isalpha():
            variants[base] = variants.get(base, base) + char
    return variants


_VARIANTS = _letter_variants()
# Between two syllables of a phrase: spaces, line breaks, hyphens, but no sentence punctuation.
_SEPARATOR = r"[^\w" + re.escape(BREAKS) + r"]+"


def _syllable(syllable: str, exact: bool) -> str:
    if exact:
        return re.escape(syllable)
    return "".join(f"[{_VARIANTS[c]}]" if c in _VARIANTS else re.escape(c) for c in fold(syllable))


def _phrase(syllables: list[str], exact: bool) -> str:
    return r"(?<![^\W_])" + _SEPARATOR.join(_syllable(s, exact) for s in syllables) + r"(?![^\W_])"


def matchable(text: str) -> str:
    """The text as patterns see it: lowercase NFC, one tone placement, offsets unchanged."""
    form = canonical(text)
    return form if len(form) == len(text) else fold(text)


class Finder:
    """Where a user's query occurs in a text: built once per search, used on each page shown."""

    def __init__(self, user_query: UserQuery):
        exact = user_query.accented
        clauses = user_query.required
        # Checked on every candidate page: quoted phrases that index terms cannot prove.
        self.checks = [re.compile(_phrase(c.syllables, exact))
                       for c in clauses if needs_phrase_check(c, exact)]
        # Snippets centre on the exact form first (what the user typed), then any folded form.
        self.preferred = [re.compile(_phrase(c.syllables, True)) for c in clauses
                          if exact and len(c.syllables) > 1]
        self.phrases = re.compile("|".join(_phrase(c.syllables, exact and c.quoted)
                                           for c in sorted(clauses, key=lambda c: -len(c.syllables))))
        words = sorted({s for c in clauses for s in c.syllables}, key=len, reverse=True)
        self.words = re.compile("|".join(_phrase([w], False) for w in words))

    def holds_phrases(self, text: str) -> bool:
        if not self.checks:
            return True
        form = matchable(text)
        return all(check.search(form) for check in self.checks)

    def contains(self, text: str) -> bool:
        return bool(self.phrases.search(matchable(text)))

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> str:
        """About `width` characters around the best match, HTML-escaped, matches in <mark>."""
        form = matchable(text)
        best = next(filter(None, (p.search(form) for p in self.preferred)), None)
        best = best or self.phrases.search(form)
        marks = self.phrases
        if best is None:
            best, marks = self.words.search(form), self.words
        if best is None:
            return _render(text, 0, min(len(text), width), [])
        start, end = _window(text, best.start(), best.end(), width)
        spans = [m.span() for _, m in zip(range(_MAX_MARKS), marks.finditer(form, start, end))]
        return _render(text, start, end, spans)

    def highlight(self, text: str) -> str:
        """The whole of a short text (a title, an author) escaped, with its matches marked."""
        form = matchable(text)
        spans = [m.span() for m in self.phrases.finditer(form)]
        return _render(text, 0, len(text), spans or [m.span() for m in self.words.finditer(form)])


def _window(text: str, first: int, last: int, width: int) -> tuple[int, int]:
    room = max(width - (last - first), 0)
    start = max(first - room // 3, 0)
    end = min(max(last + room - (first - start), last), len(text))
    if start > 0:  # do not open or close on half a word
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", last, end)
        end = space if space >= 0 else end
    return start, end


_SPACES = re.compile(r"\s+")


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    pieces, at = [], start
    for a, b in spans:
        if a < at:
            continue
        pieces.append(escape(text[at:a]))
        pieces.append("<mark>" + escape(text[a:b]) + "</mark>")
        at = b
    pieces.append(escape(text[at:end]))
    body = _SPACES.sub(" ", "".join(pieces)).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
