"""Recognised lines -> a page's text, as search and the text mode want it.

NFC with one tone placement; a word hyphenated at a line end joined again; the page number
and the running head (the book's title or chapter repeated atop each page) kept apart, so
snippets come from the page's own text. Pure functions: no database, no tesseract.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from library.vietnamese import clean_text, fold, one_tone_placement

EDGE = 0.12            # the top or bottom 12% of the page: where heads and numbers sit
MAX_HEAD_WORDS = 12
_PAGE_NUMBER = re.compile(r"^[\W_]*(?:(?:trang|page)\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})[\W_]*$", re.I)
# A letter, a hyphen at the line's end: the word goes on at the next line's start.
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])[-\u00ad\u2010]$")


@dataclass
class PageText:
    text: str                 # the body: what is indexed and shown
    head: str | None          # head_key of a first line that may be a running head
    confidence: float | None  # mean word confidence 0..100, words weighted alike
    words: int


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
    """The page's text from tesseract's lines (library.ocr.worker)."""
    lines = [l for l in lines if l["text"].strip()]
    words = sum(l["words"] for l in lines)
    confidence = (sum(l["conf"] * l["words"] for l in lines) / words) if words else None
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
    return PageText(_normal(_join(lines)), head, confidence, words)


def without_head(text: str, key: str) -> str:
    """The text without its first line when that line is the running head `key`."""
    first, _, rest = text.partition("\n")
    if head_key(first) == key:
        return rest.lstrip("\n")
    return text


def _normal(text: str) -> str:
    return one_tone_placement(clean_text(text)).strip()
