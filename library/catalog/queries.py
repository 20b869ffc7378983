"""Read-side queries over the catalogue, shared by the pages and the JSON API."""
from dataclasses import dataclass

from sqlalchemy import func, select

from library.catalog.models import Book, BookStatus, Section, Shelf
from library.extensions import db


@dataclass
class ShelfSummary:
    shelf: Shelf
    count: int


def shelves_with_counts() -> list[ShelfSummary]:
    counts = dict(
        db.session.execute(
            select(Book.shelf_id, func.count(Book.id))
            .where(Book.status == BookStatus.READY).group_by(Book.shelf_id)
        ).all()
    )
    shelves = db.session.scalars(select(Shelf).order_by(Shelf.position))
    return [ShelfSummary(shelf, counts.get(shelf.id, 0)) for shelf in shelves]


def shelf_by_slug(slug: str) -> Shelf | None:
    return db.session.scalar(select(Shelf).where(Shelf.slug == slug))


def visible_books(shelf: Shelf | None = None):
    """Books members may see, newest first; a select to paginate."""
    query = select(Book).where(Book.status == BookStatus.READY)
    if shelf is not None:
        query = query.where(Book.shelf_id == shelf.id)
    return query.order_by(Book.created_at.desc(), Book.id.desc())


def recent_books(limit: int = 8) -> list[Book]:
    return list(db.session.scalars(visible_books().limit(limit)))


def visible_book(book_id: int) -> Book | None:
    book = db.session.get(Book, book_id)
    return book if book is not None and book.status == BookStatus.READY else None


def section_pages(places: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(book id, position) -> page, for those of `places` that are pages (EPUB picture pages)."""
    if not places:
        return {}
    wanted = set(places)
    rows = db.session.execute(select(Section.book_id, Section.position, Section.page).where(
        Section.book_id.in_({book_id for book_id, _ in wanted}), Section.page.is_not(None),
        Section.position.in_({position for _, position in wanted}))).all()
    return {(r.book_id, r.position): r.page for r in rows if (r.book_id, r.position) in wanted}


def chapter_titles(book_id: int) -> list:
    """(position, chapter, page) of a book's sections, without loading their text."""
    return db.session.execute(
        select(Section.position, Section.chapter, Section.page)
        .where(Section.book_id == book_id).order_by(Section.position)
    ).all()


def books_by_ids(ids) -> dict[int, Book]:
    ids = list(ids)
    if not ids:
        return {}
    return {b.id: b for b in db.session.scalars(select(Book).where(Book.id.in_(ids)))}
