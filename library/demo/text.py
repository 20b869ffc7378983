"""Vietnamese prose written for this project, generated deterministically from a random.Random."""
from __future__ import annotations

import random
import re
import unicodedata

from library.demo.vocabulary import (
    ASIDES, COUNTED, EVALUATIONS, HEADINGS, MANNERS, MAXIMS, MODALS, OBJECTS, OPENERS, PLACES,
    PURPOSES, SUBJECTS, THEME_OBJECTS, THEMES, TIMES, VERBS, VICES,
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pick_object(rng: random.Random, theme: str | None) -> tuple[str, str]:
    """(kind, object phrase): mostly from the theme's pool, sometimes from the common one."""
    pools = THEME_OBJECTS.get(theme) if theme else None
    if pools is None:
        pools = THEME_OBJECTS[rng.choice(THEMES)]
    if rng.random() >= 0.65:
        pools = OBJECTS
    kind = rng.choice(list(pools))
    return kind, rng.choice(pools[kind])


def _object(rng: random.Random, theme: str | None) -> str:
    return _pick_object(rng, theme)[1]


def _verb_object(rng: random.Random, theme: str | None) -> str:
    kind, phrase = _pick_object(rng, theme)
    return f"{rng.choice(VERBS[kind])} {phrase}"


def sentence(rng: random.Random, theme: str | None = None) -> str:
    """One sentence, NFC, ending with punctuation."""
    c = rng.choice
    o = lambda: _object(rng, theme)  # noqa: E731 - short local shorthands
    vo = lambda: _verb_object(rng, theme)  # noqa: E731
    kind = rng.randrange(13)
    if kind == 0:
        s = f"{c(OPENERS)} {c(SUBJECTS)} {c(MODALS)} {vo()} {c(MANNERS)}."
    elif kind == 1:
        s = f"{_cap(c(SUBJECTS))} {c(MODALS)} {vo()}, {c(PURPOSES)}."
    elif kind == 2:
        s = f"Việc {vo()} là {c(EVALUATIONS)}."
    elif kind == 3:
        s = f"Muốn {vo()}, {c(SUBJECTS)} phải {vo()} {c(MANNERS)}."
    elif kind == 4:
        s = f"Không chỉ {vo()}, {c(SUBJECTS)} còn {vo()}, {c(PURPOSES)}."
    elif kind == 5:
        verb, noun = c(COUNTED)
        s = (f"{_cap(c(TIMES))}, {c(SUBJECTS)} đã {verb} {rng.randint(2, 60)} {noun}, "
             f"thu hút {rng.randint(70, 100)}% đảng viên tham gia.")
    elif kind == 6:
        vices = rng.sample(VICES, 3)
        s = (f"{_cap(c(SUBJECTS))} cần kịp thời phát hiện, ngăn chặn những biểu hiện "
             f"{vices[0]}, {vices[1]} và {vices[2]}.")
    elif kind == 7:
        s = f"Theo tinh thần lời dạy của Bác, {c(MAXIMS)}; vì thế {c(SUBJECTS)} {c(MODALS)} {vo()}."
    elif kind == 8:
        s = f"Câu hỏi đặt ra là: {c(SUBJECTS)} cần làm gì để {vo()} {c(MANNERS)}?"
    elif kind == 9:
        s = c(ASIDES)
    elif kind == 10:
        s = (f"Một là, {vo()}; hai là, {vo()}; "
             f"ba là, {vo()} {c(MANNERS)}.")
    elif kind == 11:
        s = f"{_cap(vo())} là {c(EVALUATIONS)} {c(TIMES)}."
    else:
        s = f"Tại {c(PLACES)}, {c(SUBJECTS)} {c(MODALS)} {vo()}, {c(PURPOSES)}."
    return s


def paragraph(rng: random.Random, theme: str | None = None, sentences: int | None = None) -> str:
    n = sentences or rng.randint(3, 6)
    return " ".join(sentence(rng, theme) for _ in range(n))


def paragraphs(rng: random.Random, n: int, theme: str | None = None) -> list[str]:
    return [paragraph(rng, theme) for _ in range(n)]


def heading(rng: random.Random, theme: str | None = None) -> str:
    return rng.choice(HEADINGS.get(theme) or HEADINGS[rng.choice(THEMES)])


def chapter(rng: random.Random, title: str, n_paragraphs: int, theme: str | None = None) -> tuple[str, str]:
    """(title, text); paragraphs separated by a newline."""
    return title, "\n".join(paragraphs(rng, n_paragraphs, theme))


def chapters_for_pages(rng: random.Random, n_pages: int, theme: str | None = None,
                       chars_per_page: int = 2000, chapter_pages: tuple[int, int] = (4, 14),
                       ) -> list[tuple[str, str]]:
    """EPUB chapters whose text adds up to about n_pages printed pages."""
    out, left, number = [], max(1, n_pages), 1
    while left > 0:
        size = min(left, rng.randint(*chapter_pages))
        target = size * chars_per_page
        parts, length = [], 0
        while length < target:
            p = paragraph(rng, theme)
            parts.append(p)
            length += len(p) + 1
        out.append((f"Chương {number}. {heading(rng, theme)}", "\n".join(parts)))
        left -= size
        number += 1
    return out


def book_pages(rng: random.Random, n_pages: int, chars_per_page: tuple[int, int] = (1800, 2200),
               theme: str | None = None) -> list[str]:
    """Pages of running prose, each ending on a full sentence; paragraphs split by newlines."""
    return outlined_pages(rng, n_pages, chars_per_page, theme, chapter_every=None)[0]


def outlined_pages(rng: random.Random, n_pages: int, chars_per_page: tuple[int, int] = (1800, 2200),
                   theme: str | None = None, chapter_every: tuple[int, int] | None = (4, 20),
                   ) -> tuple[list[str], list[tuple[str, int]]]:
    """(pages, outline); a chapter starts a page with its title on the first line.

    Outline pages are 1-based indices into `pages`.
    """
    pages: list[str] = []
    outline: list[tuple[str, int]] = []
    next_chapter = 1
    for number in range(1, n_pages + 1):
        lo, hi = chars_per_page
        target = rng.randint(lo, hi)
        lines: list[str] = []
        length = 0
        if chapter_every and number == next_chapter:
            title = f"Chương {len(outline) + 1}. {heading(rng, theme)}"
            outline.append((title, number))
            lines.append(title)
            length += len(title) + 1
            next_chapter += rng.randint(*chapter_every)
        current: list[str] = []
        misses = 0
        while True:
            s = sentence(rng, theme)
            if length + len(s) + 1 > hi and length > 0:
                misses += 1
                if misses < 6 or (length < lo - 400 and misses < 50):
                    continue  # look for a shorter sentence that still fits
                break
            current.append(s)
            length += len(s) + 1
            if length >= target:
                break
            if len(current) >= 3 and rng.random() < 0.3:
                lines.append(" ".join(current))
                current = []
        if current:
            lines.append(" ".join(current))
        pages.append("\n".join(lines))
    return pages, outline


_NEW_STYLE = re.compile(r"(?<![qQ])([oO])([\u0300\u0301\u0303\u0309\u0323])([aAeE])(?![^\W\d_])")
_NEW_STYLE_UY = re.compile(r"([uU])([\u0300\u0301\u0303\u0309\u0323])([yY])(?![^\W\d_])")


def new_style_tones(text: str) -> str:
    """'chuyển hóa' -> 'chuyển hoá': the other tone placement some publishers use."""
    nfd = unicodedata.normalize("NFD", text)
    nfd = _NEW_STYLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), nfd)
    nfd = _NEW_STYLE_UY.sub(lambda m: m.group(1) + m.group(3) + m.group(2), nfd)
    return unicodedata.normalize("NFC", nfd)
