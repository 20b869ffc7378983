"""Finding the query in a page's text: phrase checks, and escaped snippets with <mark>ed words."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import cached_property
from html import escape

from library.search.analysis import BREAKS
from library.search.folding import (
    FOLDED_LETTERS, FOLDED_LOWER, VARIANTS as _VARIANTS, fold_text,
)
from library.search.query import UserQuery, needs_phrase_check
from library.vietnamese import fold

SNIPPET_CHARS = 200
_MAX_MARKS = 40


# The page folded letter for letter (library.search.folding): folded patterns are then plain
# ASCII. A character class of Vietnamese vowels costs Python's regex compiler ~0.2 ms (a table
# over all of Unicode's first 65,536 characters): a 4-syllable query's patterns took ~10 ms.
_FOLDED_SEPARATOR = r"[^\w.]+"
_FOLDED = threading.local()  # this thread's last text folded (_Folded): searched many times


def _separator() -> str:
    """Between two syllables of a phrase: spaces, line breaks, hyphens, but no sentence
    punctuation. The breaks beyond Latin-1 are excluded by look-aheads of at most two runs
    of code points each, which compile without a table over Unicode (see above)."""
    latin1 = "".join(c for c in BREAKS if ord(c) < 256)
    wide = sorted(c for c in BREAKS if ord(c) >= 256)
    looks = "".join("(?![" + "".join(wide[i:i + 2]) + "])" for i in range(0, len(wide), 2))
    return "(?:" + looks + r"[^\w" + re.escape(latin1) + "])+"


_SEPARATOR = _separator()


# Stored text keeps the writer's tone placement: an exact "hòa" must also find "hoà"
# (the rule of library.vietnamese.canonical, backwards: oa, oe and uy but not quy).
_TONE = "[\u0300\u0301\u0303\u0309\u0323]"
_NEW_STYLE = re.compile(f"(?<!q)(o(?={_TONE}[ae]$)|u(?={_TONE}y$))({_TONE})(.)$")


def _spellings(syllable: str) -> list[str]:
    moved = _NEW_STYLE.sub(r"\1\3\2", unicodedata.normalize("NFD", syllable))
    return list(dict.fromkeys([syllable, unicodedata.normalize("NFC", moved)]))


def _syllable(syllable: str, exact: bool) -> str:
    if exact:
        return "(?:" + "|".join(map(re.escape, _spellings(syllable))) + ")"
    return "".join(f"[{_VARIANTS[c]}]" if c in _VARIANTS else re.escape(c) for c in fold(syllable))


def _folded_phrase(syllables: list[str]) -> str:
    """As _phrase(syllables, False), for a text folded by fold_text."""
    return _FOLDED_SEPARATOR.join(re.escape(fold(s)) for s in syllables) + r"(?![^\W_])"


class _Folded:
    """A text folded (fold_text) from its start, only as far as searched: a snippet needs
    its first match and the window around it, not the rest of a long chapter.

    The folded part ends at the text's end or just before a sentence break: no folded pattern
    takes a "." (neither its syllables nor its separator), and the word-end look-ahead fails
    on none, so a match found in the folded part is the match the whole folded text holds,
    and where the part has none, no match starts in it.
    """

    # characters folded at first; each further step folds as many again. With folding at
    # ~3 ns a character (fold_text's charmap), a call costs as much as folding a thousand:
    # the snippets of the bench's books pages (~2,000 characters) took ~8% less from 4,000
    # than from 1,000. Longer texts (a chapter) are folded as far as needed
    FIRST = 4000

    def __init__(self, text: str):
        self.text, self.folded = text, ""

    def search(self, pattern: re.Pattern, start: int, end: int):
        end = min(end, len(self.text))
        while True:
            done = len(self.folded)
            if done >= end:
                return pattern.search(self.folded, start, end)
            found = pattern.search(self.folded, start, done) if start < done else None
            if found is not None:
                return found
            start = max(start, done)
            self._fold_beyond(max(done * 2, self.FIRST, start + 1))

    def match(self, pattern: re.Pattern, at: int, end: int):
        """The pattern at `at`, a place within the part folded (a match found there)."""
        return pattern.match(self.folded, at, min(end, len(self.folded)))

    def _fold_beyond(self, wanted: int) -> None:
        text = self.text
        cut = _BREAK_CHAR.search(text, wanted) if wanted < len(text) else None
        cut = cut.start() if cut is not None else len(text)
        self.folded += fold_text(text[len(self.folded):cut])


_BREAK_CHAR = re.compile("[" + re.escape(BREAKS) + "]")  # what folds to ".", and only that


def _folded(text: str) -> _Folded:
    if getattr(_FOLDED, "text", None) is not text:
        _FOLDED.text, _FOLDED.folded = text, _Folded(text)
    return _FOLDED.folded


class _OnFolded:
    """A pattern of folded syllables searched in the text folded (spans are the same).

    A pattern of ASCII syllables (a Vietnamese query's, folded) is matched case-sensitively
    in the text folded as far as searched in lower case (fold_text); another, ignoring case
    in the whole text folded as before, its letters beyond ASCII kept (FOLDED_LETTERS).
    """

    def __init__(self, pattern: str):
        self.lowered = pattern.isascii()
        self.pattern = re.compile(pattern) if self.lowered else _compile(pattern)

    def search(self, text: str, start: int = 0, end: int | None = None):
        end = len(text) if end is None else end
        if self.lowered:
            return _folded(text).search(self.pattern, start, end)
        return self.pattern.search(text.translate(FOLDED_LETTERS), start, end)


# Letters whose lower case str.lower() and the regex engine's ignoring of case may tell
# apart ("ı", "ſ", "İ", the Kelvin sign...): a syllable holding one is compared by a regex.
_ODD_CASES = frozenset(
    c for c in map(chr, [*FOLDED_LOWER, *range(0x80)])
    if len(c.lower()) != 1 or c.upper().lower() != c.lower() or c.lower().upper() != c.upper())


class _Spelled:
    """Whether a syllable of the text, found by its folded form, is one the user typed:
    as the regex `(?:hòa|hoà)` ignoring case says, compiled only for the odd letters."""

    def __init__(self, syllable: str):
        self.spellings = _spellings(syllable)
        self.lowered = {s.lower() for s in self.spellings}
        self.plain = _ODD_CASES.isdisjoint("".join(self.spellings))

    def accepts(self, text: str) -> bool:
        if text in self.spellings:
            return True
        if self.plain and _ODD_CASES.isdisjoint(text):
            return text.lower() in self.lowered
        return _compile(_syllable(self.spellings[0], True)).fullmatch(text) is not None


class _Runs:
    """Runs of syllables, longest first, some exact (as typed), as one alternation.

    An accented pattern compiled ignoring case costs ~0.35 ms (its separator's character
    class): instead each run is found in the text folded (_OnFolded) and an exact run's
    syllables are then compared with the spellings typed. Where an exact run fails at a
    place, the runs after it are tried there, as the regex engine tries an alternation, so
    the matches are those of the exact pattern (_phrase). Only for runs whose syllables fold
    to ASCII letters of their own length (usable): else _phrase is compiled as before.
    """

    def __init__(self, runs: list[tuple[list[str], bool]], spelled: dict[str, _Spelled]):
        self.runs = list(dict.fromkeys((tuple(s), exact) for s, exact in runs))
        self.spelled = [[spelled[s] for s in run] if exact else None for run, exact in self.runs]
        self.tails: dict[int, tuple[re.Pattern, list[int]]] = {}
        pattern, self.groups = self._alternation(0)
        self.folded = _OnFolded(pattern.pattern)

    @staticmethod
    def usable(runs, spelled: dict[str, _Spelled]) -> bool:
        return all(fold(s).isascii() and len(fold(s)) == len(t) for run, exact in runs
                   for s in run for t in (spelled[s].spellings if exact else [s]))

    def _alternation(self, first: int) -> tuple[re.Pattern, list[int]]:
        """The runs from `first` on, each a group of its syllables' groups; each one's group."""
        parts, groups, at = [], [], 1
        for run, _exact in self.runs[first:]:
            parts.append("(" + _FOLDED_SEPARATOR.join(f"({re.escape(fold(s))})" for s in run)
                         + r")(?![^\W_])")
            groups.append(at)
            at += len(run) + 1
        return re.compile("|".join(parts)), groups

    def search(self, text: str, start: int = 0, end: int | None = None):
        end = len(text) if end is None else end
        while True:
            found = self.folded.search(text, start, end)
            if found is None or self._accepts(text, found, self.groups, 0):
                return found
            # the runs after the one that failed, at the same place
            at, found = found.start(), self._later(text, found, end)
            if found is not None:
                return found
            start = at + 1

    def _later(self, text: str, found, end: int):
        groups, first = self.groups, 0
        while True:
            ran = next(i for i, g in enumerate(groups) if found.start(g) >= 0) + first
            first = ran + 1
            if first == len(self.runs):
                return None
            if first not in self.tails:
                self.tails[first] = self._alternation(first)
            pattern, groups = self.tails[first]
            found = _folded(text).match(pattern, found.start(), end)
            if found is None or self._accepts(text, found, groups, first):
                return found

    def _accepts(self, text: str, found, groups: list[int], first: int) -> bool:
        i = next(i for i, g in enumerate(groups) if found.start(g) >= 0)
        spelled = self.spelled[first + i]
        return spelled is None or all(
            s.accepts(text[found.start(g):found.end(g)])
            for g, s in enumerate(spelled, start=groups[i] + 1))


def _exact(runs: list[tuple[list[str], bool]], spelled: dict[str, _Spelled]):
    """A pattern for the runs (syllables, exact), as _phrase's alternation would match;
    `spelled`: the search's syllables spelled so far (each spelled once, ~4 us)."""
    for run, exact in runs:
        for syllable in run if exact else ():
            if syllable not in spelled:
                spelled[syllable] = _Spelled(syllable)
    if _Runs.usable(runs, spelled):
        return _Runs(runs, spelled)
    return _compile("|".join(dict.fromkeys(_phrase(*run) for run in runs)))


def _phrase(syllables: list[str], exact: bool) -> str:
    # No look-behind for the start of a word: it would make the regex engine try every
    # position of the text; _matches() checks the character before a match instead.
    return _SEPARATOR.join(_syllable(s, exact) for s in syllables) + r"(?![^\W_])"


def _matches(pattern: re.Pattern, text: str, start: int = 0, end: int | None = None):
    """The pattern's matches that start a word, from `start` to `end`."""
    end = len(text) if end is None else end
    while True:
        found = pattern.search(text, start, end)
        if found is None:
            return
        at = found.start()
        if at == 0 or not text[at - 1].isalnum():
            yield found
            start = max(found.end(), at + 1)
        else:
            start = at + 1


def _first(pattern: re.Pattern, text: str):
    return next(_matches(pattern, text), None)


def _compile(pattern: str) -> re.Pattern:
    # texts are NFC (clean_text): ignoring case is all it takes to match them as they are
    return re.compile(pattern, re.IGNORECASE)


class Finder:
    """Where a user's query occurs in a text: built once per search, used on each page shown."""

    def __init__(self, user_query: UserQuery):
        self.exact = user_query.accented
        self.clauses = user_query.required
        # Checked on every candidate page: quoted phrases that index terms cannot prove.
        self.spelled: dict[str, _Spelled] = {}
        self.checks = [_exact([(c.syllables, self.exact)], self.spelled)
                       for c in self.clauses if needs_phrase_check(c)]

    # Compiled on first use: a search without snippets needs none of them.

    @cached_property
    def preferred(self) -> list[re.Pattern]:
        """Snippets centre on the exact form first (what the user typed), then any folded form."""
        return [_exact([(c.syllables, True)], self.spelled) for c in self.clauses
                if self.exact and len(c.syllables) > 1]

    @cached_property
    def phrases(self) -> re.Pattern:
        """Each clause whole, else its adjacent pairs: what matched, unless the page had none."""
        runs = [(c.syllables, self.exact and c.quoted) for c in self.clauses]
        runs += [(c.syllables[i:i + 2], self.exact and c.quoted)
                 for c in self.clauses if len(c.syllables) > 2 for i in range(len(c.syllables) - 1)]
        runs.sort(key=lambda run: -len(run[0]))  # the longest wins where several start
        if not any(exact for _, exact in runs):
            return _OnFolded("|".join(dict.fromkeys(_folded_phrase(run) for run, _ in runs)))
        return _exact(runs, self.spelled)

    @cached_property
    def words(self) -> _OnFolded:
        words = sorted({s for c in self.clauses for s in c.syllables}, key=len, reverse=True)
        return _OnFolded("|".join(_folded_phrase([w]) for w in words))

    def holds_phrases(self, text: str) -> bool:
        if not self.checks:
            return True
        return all(_first(check, text) for check in self.checks)

    def contains(self, text: str) -> bool:
        return _first(self.phrases, text) is not None

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> str:
        """About `width` characters around the best match, HTML-escaped, matches in <mark>."""
        best = next(filter(None, (_first(p, text) for p in self.preferred)), None)
        best = best or _first(self.phrases, text)
        marks = self.phrases
        if best is None:
            best, marks = _first(self.words, text), self.words
        if best is None:
            return _render(text, 0, min(len(text), width), [])
        start, end = _window(text, best.start(), best.end(), width)
        spans = [m.span() for _, m in zip(range(_MAX_MARKS), _matches(marks, text, start, end))]
        return _render(text, start, end, spans)

    def highlight(self, text: str, keep_lines: bool = False) -> str:
        """The whole of a text escaped, with its matches marked; `keep_lines` keeps its line
        breaks and spacing (a page in the reader) instead of one line (a title, a snippet)."""
        spans = [m.span() for m in _matches(self.phrases, text)]
        spans = spans or [m.span() for m in _matches(self.words, text)]
        return _render(text, 0, len(text), spans, squeeze=not keep_lines)


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


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]],
            squeeze: bool = True) -> str:
    pieces, at = [], start
    for a, b in spans:
        if a < at:
            continue
        pieces.append(escape(text[at:a]))
        pieces.append("<mark>" + escape(text[a:b]) + "</mark>")
        at = b
    pieces.append(escape(text[at:end]))
    body = "".join(pieces)
    # one line: str.split() cuts at the runs of what a regex's \s matches (str.isspace), in
    # C, ~2 us where re.sub(r"\s+", " ") made a replacement a run (~28 us a snippet)
    body = " ".join(body.split()) if squeeze else body
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
