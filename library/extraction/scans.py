"""Which PDF pages need recognition: no usable text of their own, judged page by page.

A page goes to OCR when its text layer is missing or empty, or when what it has is junk
laid over a picture of the whole page (a few stray characters, an old recogniser's or an
invisible font's garbage). A page with real text keeps it, so a mixed book is recognised
only where it is a scan.
"""
from __future__ import annotations

import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MIN_LETTERS = 12            # fewer letters (digits aside) on a page: nothing to search there
MIN_PLAUSIBLE_WORDS = 0.6   # share of words that look like words; below it the text is junk
FULL_PAGE = 0.5             # a picture covering half the page or more makes it a scan
_WORD = re.compile(r"^[^\W\d_]{1,12}$")
_EDGE_PUNCT = "\"'“”‘’()[]{}.,;:!?…«»–-—/*%"


def plausible_share(text: str) -> float:
    """The share of a text's words that look like words of a language: letters only, short,
    with a vowel. Vietnamese syllables are short; junk is long runs, symbols and noise."""
    words = [w.strip(_EDGE_PUNCT) for w in text.split()]
    words = [w for w in words if w and not w.isdigit()]
    if not words:
        return 0.0
    good = sum(1 for w in words if _WORD.match(w) and any(c in "aeiouyAEIOUY" for c in _base(w)))
    return good / len(words)


def _base(word: str) -> str:
    import unicodedata
    return unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))


def letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def has_text(text: str) -> bool:
    """A page kept out of recognition (or recognised) holds text when it has one letter:
    "Hello" alone is a text layer to search, and the book is searchable through it."""
    return any(ch.isalpha() for ch in text)


def image_coverage(page) -> float:
    """The largest share of the page's area one picture covers (0 when it has none)."""
    width, height = page.get_size()
    area = max(width * height, 1.0)
    best = 0.0
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            covered = max(0.0, min(right, width) - max(left, 0.0)) * max(0.0, min(top, height) - max(bottom, 0.0))
            best = max(best, covered / area)
    except pdfium.PdfiumError:
        return 0.0
    return best


def needs_recognition(text: str, page=None) -> bool:
    """True for a page to recognise. `page` (a pypdfium2 page) is looked at only when the
    text is missing or doubtful, so born-digital books pay nothing for the check."""
    count = letters(text)
    if count == 0:
        return page is None or _has_content(page)  # a blank page has nothing to read
    if count >= MIN_LETTERS and plausible_share(text) >= MIN_PLAUSIBLE_WORDS:
        return False
    # Little or doubtful text: a scan when a picture fills the page, else a short page
    # (a part title, "Mục lục") that is right as it is.
    return page is not None and image_coverage(page) >= FULL_PAGE


def _has_content(page) -> bool:
    try:
        return next(iter(page.get_objects(max_depth=1)), None) is not None
    except pdfium.PdfiumError:
        return True
