"""A book's table of contents, a page at a time: its outline, else its chapters, else its pages.

A book of thousands of pages or outline entries must not make a page of megabytes that every
member opening it waits for (and every other request behind them): the book page and the API
show one slice, with links to the others.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from library.catalog.models import Book, Section
from library.extensions import db

PER_PAGE = 200       # entries on the book page
API_PER_PAGE = 1000  # sections or outline entries in one answer of GET /api/books/<id>


@dataclass
class Entry:
    position: int            # the page or chapter it opens
    title: str | None        # None: a bare page number, or a section without a title
    level: int = 1
    page: int | None = None  # an EPUB's picture page: named "Trang N" when it has no title


@dataclass
class ContentsPage:
    """One slice; has the attributes templates/_partials/pagination.html reads."""

    entries: list[Entry]
    kind: str                # "toc" (the book's outline), "chapters" or "pages"
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _clamp(page: int, total: int, per_page: int) -> int:
    return min(max(page or 1, 1), max(1, -(-total // per_page)))


def contents_page(book: Book, page: int = 1, per_page: int = PER_PAGE) -> ContentsPage:
    """The book's outline if it has one, else its EPUB chapters, else its PDF pages."""
    if book.toc:
        total = len(book.toc)
        page = _clamp(page, total, per_page)
        shown = book.toc[(page - 1) * per_page: page * per_page]
        # An EPUB's outline may point at picture pages: said "Trang N" beside, not "Chương N".
        pages = {} if book.is_pdf else dict(db.session.execute(
            select(Section.position, Section.page).where(
                Section.book_id == book.id, Section.page.is_not(None),
                Section.position.in_({e["position"] for e in shown}))).all())
        entries = [Entry(e["position"], e["title"], e.get("level", 1), pages.get(e["position"]))
                   for e in shown]
        return ContentsPage(entries, "toc", page, per_page, total)
    if book.is_pdf:
        total = book.page_count or 0
        page = _clamp(page, total, per_page)
        first = (page - 1) * per_page + 1
        entries = [Entry(n, None) for n in range(first, min(total, first + per_page - 1) + 1)]
        return ContentsPage(entries, "pages", page, per_page, total)
    total = chapter_count(book.id)
    page = _clamp(page, total, per_page)
    rows = db.session.execute(
        select(Section.position, Section.chapter, Section.page).where(Section.book_id == book.id)
        .order_by(Section.position).offset((page - 1) * per_page).limit(per_page)).all()
    return ContentsPage([Entry(r.position, r.chapter, page=r.page) for r in rows], "chapters", page, per_page, total)


def chapter_count(book_id: int) -> int:
    return db.session.scalar(select(func.count(Section.id)).where(Section.book_id == book_id)) or 0


def sections_slice(book_id: int, page: int, per_page: int = API_PER_PAGE) -> tuple[list[dict], int, int]:
    """(sections of one slice, the page it is, how many there are) for the API."""
    total = chapter_count(book_id)
    page = _clamp(page, total, per_page)
    rows = db.session.execute(
        select(Section.position, Section.page, Section.chapter).where(Section.book_id == book_id)
        .order_by(Section.position).offset((page - 1) * per_page).limit(per_page)).all()
    return [{"position": r.position, "page": r.page, "chapter": r.chapter} for r in rows], page, total


def toc_slice(book: Book, page: int, per_page: int = API_PER_PAGE) -> tuple[list[dict], int, int]:
    toc = book.toc or []
    page = _clamp(page, len(toc), per_page)
    return toc[(page - 1) * per_page: page * per_page], page, len(toc)
