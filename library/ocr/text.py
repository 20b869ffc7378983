"""Recognised lines -> a page's text, as search and the text mode want it.

NFC with one tone placement; a word hyphenated at a line end joined again; the page number
and the running head (the book's title or chapter repeated atop each page) kept apart, so
snippets come from the page's own text. Pure functions: no database, no tesseract.

Only what tesseract is sure enough of is kept. A picture (a comic page, a photograph) read
as text gives junk ("SeÍ", "Lợi", "+9S4nn"), and junk that is indexed is found. Measured with
`bench/ocr_confidence.py` (README, "Recognition"): generated Vietnamese scans at 150-300 dpi
have page means of 95.7-96.7 and no line below 50; the corpus's manga pages (haruko-jpeg)
have page means of 9-44, half their words on lines below 50; its one page of printed English,
74, keeps its sentences (lines of 86-96) and loses the Japanese it misread (lines of 20-40).
Lines, not words, are judged: a good word beside junk can be scored low with it ("_ tiêu",
19.5 both, on a clean scan), and dropping it would break the phrase it stands in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from library.vietnamese import clean_text, fold, one_tone_placement

# A page whose words average below PAGE_MIN holds no text worth keeping; on a kept page, a
# line whose words average below LINE_MIN is dropped (tesseract's confidence, 0..100; above).
PAGE_MIN = 50
LINE_MIN = 50
EDGE = 0.12            # the top or bottom 12% of the page: where heads and numbers sit
MAX_HEAD_WORDS = 12
_PAGE_NUMBER = re.compile(r"^[\W_]*(?:(?:trang|page)\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})[\W_]*$", re.I)
# A letter, a hyphen at the line's end: the word goes on at the next line's start.
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])[-\u00ad\u2010]$")


@dataclass
class PageText:
    text: str                 # the body: what is indexed and shown
    head: str | None          # head_key of a first line that may be a running head
    confidence: float | None  # mean word confidence 0..100 of every word read, kept or not
    words: int                # the words kept: 0 for a page recognised with nothing trustworthy
    dropped: int = 0          # the words left out, on lines not to be trusted


def head_key(line: str) -> str:
    """What two pages' running heads share: folded, digits and punctuation dropped."""
    return " ".join(re.sub(r"[\W\d_]+", " ", fold(line)).split())


def _is_page_number(line: dict, height: int, top: bool) -> bool:
    if not _PAGE_NUMBER.match(line["text"].strip()):
        return False
    box = line["box"]
    return box[1] <= height * EDGE if top else box[3] >= height * (1 - EDGE)


def _join(lines: list[dict]) -> str:
    """Lines into paragraphs: a hyphenated word rejoined, a new paragraph after a blank line."""
    out: list[str] = []
    previous = None
    for line in lines:
        text = line["text"].strip()
        if previous is not None and out:
            same_paragraph = (line["block"], line["par"]) == (previous["block"], previous["par"])
            if _HYPHEN_END.search(out[-1]) and text[:1].isalpha():
                # A lowercase word cut by the typesetter ("in-" + "ternet") is one word again;
                # a name or loanword written with hyphens ("Mác-" + "xít", "Mác-" + "Lênin")
                # keeps its hyphen. Either way it is no longer split over two lines.
                fragment = out[-1].rsplit(None, 1)[-1]
                kept = fragment[:1].isupper() or text[0].isupper()
                out[-1] = (out[-1] if kept else out[-1][:-1]) + text
                previous = line
                continue
            out.append("\n" if same_paragraph else "\n\n")
        out.append(text)
        previous = line
    return "".join(out)


def page_text(lines: list[dict], height: int) -> PageText:
    """The page's text from tesseract's lines (library.ocr.worker), without the lines it was
    not sure of (LINE_MIN): none at all when the page as a whole was a guess (PAGE_MIN)."""
    lines = [l for l in lines if l["text"].strip()]
    read = sum(l["words"] for l in lines)
    confidence = (sum(l["conf"] * l["words"] for l in lines) / read) if read else None
    if confidence is not None and confidence < PAGE_MIN:
        return PageText("", None, confidence, 0, read)
    lines = [line for line in lines if line["conf"] >= LINE_MIN]
    words = sum(l["words"] for l in lines)
    if lines and _is_page_number(lines[-1], height, top=False):
        lines = lines[:-1]
    if lines and _is_page_number(lines[0], height, top=True):
        lines = lines[1:]
    head = None
    if len(lines) > 1:
        first = lines[0]
        if first["box"][3] <= height * EDGE and len(first["text"].split()) <= MAX_HEAD_WORDS \
                and head_key(first["text"]):
            head = head_key(first["text"])
    return PageText(_normal(_join(lines)), head, confidence, words, read - words)


def without_head(text: str, key: str) -> str:
    """The text without its first line when that line is the running head `key`."""
    first, _, rest = text.partition("\n")
    if head_key(first) == key:
        return rest.lstrip("\n")
    return text


def _normal(text: str) -> str:
    return one_tone_placement(clean_text(text)).strip()
