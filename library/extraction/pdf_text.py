"""A PDF page's text as a reader would type it: repairs for what extractors are known to misread.

Three patterns come from real files (the corpus, ../shared/corpus):
- glyphs glued on by characters that are not text: a control or private-use character stands
  where the writer drew a space or a mark ("ϲΒϴΒ\\x03habibi"), so the next word is never found;
- fake bold: each glyph drawn twice, a hair apart ("MMuunniicciippaalliittéé"), or a whole line
  drawn twice ("Saint-SauveurSaint-Sauveur"), so every word of it is lost;
- a label turned on its side, one character per line ("S / a / i / n / t").

Each repair wants the whole pattern, never a piece of it: a word is undoubled only when every
one of its characters is doubled and its run of such words holds three doubled letters or more,
so "Long", "Hello" or "Nguyễn Văn Lợi" are never touched. Where a page shows a pattern, a second
extractor (pypdf) reads it too, and the text whose words look more like words is kept.
"""
from __future__ import annotations

import re
import unicodedata

from library.vietnamese import clean_text

# Control characters (tab and line ends aside) and the private-use area: no text, but often
# where a space or a mark was drawn. pdfium's \x02 (a line-end hyphen) is taken out before.
_GLUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")
_GLUED = re.compile(r"[^\W\d_][\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]"
                    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff][^\W\d_]")
_SPACES = re.compile(r"(\s+)")
_LETTERS = re.compile(r"[^\W\d_]+")
MIN_DOUBLED_LETTERS = 3     # a run of doubled words holds this many doubled letters at least
MIN_VERTICAL_LINES = 4      # a label on its side: this many short lines in a row at least
SHORT_LINE = 6              # the pieces of such a label are this short or shorter
SINGLE_SHARE = 0.6          # and this share of them a single letter


def repair(raw: str) -> tuple[str, bool]:
    """The page's text, NFC and cleaned, with the known patterns repaired; and whether any was
    there (the page deserves a second opinion)."""
    glued = _GLUED.search(raw) is not None
    text = clean_text(_GLUE.sub(" ", raw.replace("\x02", "")))
    lines = text.split("\n")
    undoubled = [_undouble(_unrepeat(line)) for line in lines]
    joined = _join_vertical(undoubled)
    return "\n".join(joined).strip(), glued or undoubled != lines or joined != undoubled


def _doubled(token: str) -> bool:
    return len(token) >= 2 and len(token) % 2 == 0 and token[0::2] == token[1::2]


def _undouble(line: str) -> str:
    """Words whose every character is drawn twice, in runs holding enough doubled letters."""
    parts = _SPACES.split(line)  # words at even places, the spaces between at odd ones
    words = parts[0::2]
    out, run = list(parts), []
    for index, word in enumerate(words + [""]):
        if word and _doubled(word):
            run.append(index)
            continue
        halves = "".join(words[i][0::2] for i in run)
        letters = [ch for ch in halves if ch.isalpha()]
        if len(letters) >= MIN_DOUBLED_LETTERS and len(set(letters)) >= 2:
            for i in run:
                out[2 * i] = words[i][0::2]
            for i in run[:-1]:  # "MMuunn  ddee": the space between was drawn twice too
                out[2 * i + 1] = " " if out[2 * i + 1] == "  " else out[2 * i + 1]
        run = []
    return "".join(out)


def _unrepeat(line: str) -> str:
    """A line that is one text twice over, as pypdf reads a line drawn twice."""
    stripped = line.strip()
    half = len(stripped) // 2
    if (len(stripped) % 2 == 0 and stripped[:half] == stripped[half:]
            and sum(ch.isalpha() for ch in stripped[:half]) >= 4 and " " in stripped[:half].strip()):
        return stripped[:half]
    return line


def _join_vertical(lines: list[str]) -> list[str]:
    """Runs of one-letter lines (a label on its side) joined back into one line."""
    out, at = [], 0
    while at < len(lines):
        end = at
        while end < len(lines) and _piece(lines[end]):
            end += 1
        start = at
        # the run starts and ends on a line of one or two characters
        while start < end and len(lines[start].strip()) > 2:
            start += 1
        last = end
        while last > start and len(lines[last - 1].strip()) > 2:
            last -= 1
        run = [line.strip() for line in lines[start:last]]
        singles = sum(1 for piece in run if len(piece) == 1 and piece.isalpha())
        if len(run) >= MIN_VERTICAL_LINES and singles >= SINGLE_SHARE * len(run):
            out += lines[at:start] + ["".join(run)] + lines[last:end]
        else:
            out += lines[at:end]
        at = end
        if at < len(lines) and not _piece(lines[at]):
            out.append(lines[at])
            at += 1
    return out


def _piece(line: str) -> bool:
    piece = line.strip()
    return 0 < len(piece) <= SHORT_LINE and " " not in piece


# The second opinion

def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "?"


def word_quality(text: str) -> tuple[int, float]:
    """How many of the text's words are letters of one script, and their share: glued junk
    ("ϲΒϴΒhabibi", "يبيبَح˴") mixes scripts or modifier signs into its words."""
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    if not words:
        return 0, 0.0
    good = 0
    for word in words:
        letters = _LETTERS.findall(word)
        scripts = {_script(ch) for run in letters for ch in run if unicodedata.category(ch) != "Lm"}
        modifiers = any(unicodedata.category(ch) in ("Lm", "Sk") for ch in word)
        if len(scripts) == 1 and not modifiers:
            good += 1
    return good, good / len(words)


def better(first: str, second: str) -> str:
    """The second extractor's text when its words look clearly more like words, it lost none
    of any weight and split none (a word cut in two makes two clean-looking pieces); else the
    first's (pdfium keeps the layout better)."""
    first_good, first_share = word_quality(first)
    second_good, second_share = word_quality(second)
    split = len(second.split()) > 1.2 * len(first.split()) + 2
    if second_share >= first_share + 0.05 and second_good >= 0.9 * first_good and not split:
        return second
    return first
