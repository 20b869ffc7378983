"""Highlights and notes: passages a user marked in a book, each with a colour and a note.

Plain functions over the session, no HTTP; every one takes the user's id and filters by it,
so a highlight is only ever its author's. Writers flush; the caller commits once.

A highlight is anchored as W3C Web Annotation's TextQuoteSelector (exact, prefix, suffix)
within its page or chapter. It is looked for again in the book's current text, so it
survives a replaced file or a re-recognised page wherever the words are still there (on
another page, if they moved); whitespace is ignored, since pdf.js and the extractor space
a page's words differently.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from library import exceptions
from library.catalog.models import Book, Section
from library.extensions import db
from library.reader.models import Highlight
from library.reader.progress import ProgressError
from library.translatable import N_
from library.i18n import gettext as _

COLORS = ("yellow", "green", "blue", "pink")
COLOR_NAMES = {"yellow": "vàng", "green": "xanh lá", "blue": "xanh dương", "pink": "hồng"}
MAX_EXACT = 5000
MAX_CONTEXT = 64     # characters of prefix and suffix kept: enough to tell repeats apart
MAX_NOTE = 10000
_SPACE = re.compile(r"\s+")


class HighlightNotFound(ProgressError, exceptions.NotFound):
    pass


class BadHighlight(ProgressError):
    pass


def _clean(text, name: str, required: bool = False) -> str:
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise BadHighlight(_("«{name}» phải là chuỗi.", name=name))
    text = unicodedata.normalize("NFC", text)
    if required and not text.strip():
        raise BadHighlight(_("«{name}» không được để trống.", name=name))
    return text


def _color(color) -> str:
    if color is None:
        return COLORS[0]
    if color not in COLORS:
        raise BadHighlight(N_("«color» phải là một trong: ") + ", ".join(COLORS) + ".")
    return color


def create(user_id: int, book_id: int, position: int, exact, prefix="", suffix="",
           color=None, note="") -> Highlight:
    exact = " ".join(_clean(exact, "exact", required=True).split())
    if len(exact) > MAX_EXACT:
        raise BadHighlight(_("Đoạn tô sáng dài quá {max} ký tự.", max=MAX_EXACT))
    note = _clean(note, "note").strip()
    if len(note) > MAX_NOTE:
        raise BadHighlight(_("Ghi chú dài quá {max} ký tự.", max=MAX_NOTE))
    highlight = Highlight(
        user_id=user_id, book_id=book_id, position=position, exact=exact,
        prefix=_clean(prefix, "prefix")[-MAX_CONTEXT:],
        suffix=_clean(suffix, "suffix")[:MAX_CONTEXT],
        color=_color(color), note=note)
    db.session.add(highlight)
    db.session.flush()
    return highlight


def get(user_id: int, highlight_id: int) -> Highlight:
    highlight = db.session.scalar(select(Highlight).where(
        Highlight.id == highlight_id, Highlight.user_id == user_id))
    if highlight is None:  # someone else's is no different from none at all
        raise HighlightNotFound(N_("Không tìm thấy ghi chú."))
    return highlight


def update(user_id: int, highlight_id: int, changes: dict) -> Highlight:
    highlight = get(user_id, highlight_id)
    if "color" in changes:
        highlight.color = _color(changes["color"])
    if "note" in changes:
        note = _clean(changes["note"], "note").strip()
        if len(note) > MAX_NOTE:
            raise BadHighlight(_("Ghi chú dài quá {max} ký tự.", max=MAX_NOTE))
        highlight.note = note
    db.session.flush()
    return highlight


def delete(user_id: int, highlight_id: int) -> None:
    db.session.delete(get(user_id, highlight_id))
    db.session.flush()


def of_book(user_id: int, book_id: int) -> list[Highlight]:
    return list(db.session.scalars(
        select(Highlight).where(Highlight.user_id == user_id, Highlight.book_id == book_id)
        .order_by(Highlight.position, Highlight.id)))


# Anchoring

def _squeezed(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFC", text or ""))


def _found_in(highlight: Highlight, text: str) -> bool:
    return _squeezed(highlight.exact) in _squeezed(text)


@dataclass
class Located:
    highlight: Highlight
    position: int | None     # where its words are now; None: "không tìm thấy vị trí"
    chapter: str | None = None
    page: int | None = None  # set for a page: a PDF's, or an EPUB's picture page


def locate(book: Book, items: list[Highlight]) -> list[Located]:
    """Each highlight with the page or chapter holding its words now: its own if it still
    does, else the nearest that does; None where the book no longer has them."""
    if not items:
        return []
    sections = db.session.execute(
        select(Section.position, Section.chapter, Section.page, Section.text)
        .where(Section.book_id == book.id)
    ).all()
    by_position = {row.position: row for row in sections}
    squeezed: dict[int, str] = {}

    def text_of(position: int) -> str:
        if position not in squeezed:
            squeezed[position] = _squeezed(by_position[position].text)
        return squeezed[position]

    located = []
    for item in items:
        exact = _squeezed(item.exact)
        place = None
        if item.position in by_position and exact in text_of(item.position):
            place = item.position
        else:
            nearest = sorted(by_position, key=lambda p: (abs(p - item.position), p))
            place = next((p for p in nearest if exact in text_of(p)), None)
        found = by_position[place] if place else None
        located.append(Located(item, place, found.chapter if found else None, found.page if found else None))
    return located


# Export

def as_markdown(book: Book, located: list[Located], labels: dict) -> str:
    lines = [f"# {book.title}", ""]
    if book.authors:
        lines += [", ".join(book.authors), ""]
    for entry in located:
        item = entry.highlight
        lines.append(f"## {_where(book, entry, labels)}")
        lines.append("")
        lines += ["> " + line for line in item.exact.splitlines() or [""]]
        lines.append("")
        if item.note:
            lines += [item.note, ""]
        lines.append(f"*{labels['color']}: {labels['colors'][item.color]}*")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_csv(book: Book, located: list[Located], labels: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["book", "position", "page", "chapter", "found", "color", "text", "note",
                     "prefix", "suffix", "created_at"])
    for entry in located:
        item = entry.highlight
        writer.writerow([book.title, item.position, item.position if book.is_pdf else entry.page or "",
                         entry.chapter or "", "yes" if entry.position else "no", item.color,
                         _safe_cell(item.exact), _safe_cell(item.note), _safe_cell(item.prefix),
                         _safe_cell(item.suffix), item.created_at.isoformat() + "Z"])
    return "\ufeff" + out.getvalue()  # a BOM: spreadsheet programs then read UTF-8


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _where(book: Book, entry: Located, labels: dict) -> str:
    if entry.position is None:
        return f"{labels['page'] if book.is_pdf else labels['chapter']} {entry.highlight.position} " \
               f"({labels['lost']})"
    if book.is_pdf:
        return f"{labels['page']} {entry.position}"
    if entry.chapter:
        return entry.chapter
    if entry.page is not None:  # an EPUB's picture page
        return f"{labels['page']} {entry.page}"
    return f"{labels['chapter']} {entry.position}"
