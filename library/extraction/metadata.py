"""Metadata clean-up shared by the PDF and EPUB readers: authors, year, plain strings."""
import html
import re

from library.vietnamese import clean_text

_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_TAGS = re.compile(r"<[^>]*>")


def plain(value) -> str:
    """clean_text, whitespace collapsed, stripped; '' for None."""
    if not value:
        return ""
    return " ".join(clean_text(str(value)).split())


def plain_html(value) -> str:
    """A description that may be (escaped) HTML, as one plain paragraph."""
    return plain(_TAGS.sub(" ", html.unescape(plain(value))))


def year_of(value) -> int | None:
    """The first plausible year in a date string; calibre's '0101-01-01' means unknown."""
    for match in _YEAR.finditer(value or ""):
        year = int(match.group(1))
        if 1000 <= year <= 2100:
            return year
    return None


def split_authors(value: str) -> list[str]:
    """'A; B' -> [A, B]; 'Hồ Chí Minh, Lê Duẩn' -> two names; 'Smith, John' stays one."""
    value = plain(value)
    if not value:
        return []
    if ";" in value:
        parts = value.split(";")
    else:
        parts = value.split(",")
        # "Last, First" has one-word pieces; a list of full names has several words each.
        if any(len(p.split()) < 2 for p in parts):
            parts = [value]
    names: list[str] = []
    for part in parts:
        name = part.strip(" .")
        if name and name not in names:
            names.append(name)
    return names
