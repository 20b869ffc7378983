"""How much a book's details may hold: one set of limits for every way in.

A librarian's values (the API, the console's forms, a metadata sheet, `books import
--manifest`) beyond a limit are refused with the reason; values read from a file (a PDF's
Info dictionary, an EPUB's OPF) are cut to the limit with a warning, since the book itself
is fine. Titles and authors are shown on every home page, shelf and search result: a
200,000-character title or 30,000 authors would make every member's page that much heavier.
"""
from __future__ import annotations

from library.i18n import gettext as _
from library.translatable import N_

MAX_TITLE = 500           # characters (the column's size)
MAX_AUTHORS = 30          # names
MAX_AUTHOR = 200          # characters per name
MAX_PUBLISHER = 300       # characters
MAX_DESCRIPTION = 20_000  # characters


class MetadataError(ValueError):
    """A value beyond its limit; the message says which and how far, in Vietnamese."""


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # 200.000, as Vietnamese writes it


def problems(title: str | None = None, authors: list[str] | None = None,
             publisher: str | None = None, description: str | None = None) -> list[str]:
    found = []
    if title and len(title) > MAX_TITLE:
        found.append(_("Tên sách dài {length} ký tự, tối đa {max}", length=_n(len(title)), max=_n(MAX_TITLE)))
    if authors and len(authors) > MAX_AUTHORS:
        found.append(_("Có {count} tác giả, tối đa {max}", count=_n(len(authors)), max=MAX_AUTHORS))
    if authors and any(len(name) > MAX_AUTHOR for name in authors):
        found.append(_("Tên một tác giả dài quá {max} ký tự", max=MAX_AUTHOR))
    if publisher and len(publisher) > MAX_PUBLISHER:
        found.append(_("Tên nhà xuất bản dài quá {max} ký tự", max=MAX_PUBLISHER))
    if description and len(description) > MAX_DESCRIPTION:
        found.append(_("Phần giới thiệu dài quá {max} ký tự", max=_n(MAX_DESCRIPTION)))
    return found


def check(metadata) -> None:
    """Raise MetadataError when a librarian's value (a BookMetadata, or anything with the
    same attributes) goes beyond its limit; None fields are not checked."""
    if metadata is None:
        return
    found = problems(getattr(metadata, "title", None), getattr(metadata, "authors", None),
                     getattr(metadata, "publisher", None), getattr(metadata, "description", None))
    if found:
        raise MetadataError("; ".join(found))


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def clamp(title: str | None, authors: list[str] | None, publisher: str | None,
          description: str | None, warnings: list[str]) -> tuple:
    """A file's own values cut to the limits; a warning says what was cut."""
    if problems(title, authors, publisher, description):
        warnings.append(N_("Thông tin trong tệp quá dài, đã được cắt bớt (tên sách, tác giả, "
                           "nhà xuất bản hoặc giới thiệu)"))
    authors = [_cut(name, MAX_AUTHOR) for name in (authors or [])[:MAX_AUTHORS]]
    return (_cut(title, MAX_TITLE), authors, _cut(publisher, MAX_PUBLISHER),
            _cut(description, MAX_DESCRIPTION))
