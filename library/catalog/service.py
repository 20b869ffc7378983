"""The catalogue's write service, called by the console and the API alike: what a librarian
does to books already in the library: edit, withdraw, reinstate, delete, move (a new file,
or a replacement of a book's file, becomes an ingest job in library.catalog.uploads). Every
change is written to the audit log in the commit that makes it, and the book is re-indexed
after it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from library import audit, indexing
from library.catalog import limits
from library.catalog.manifest import split_authors
from library.catalog.models import Book, BookStatus, IndexStatus, Shelf
from library.catalog.covers import normalize_cover
from library.extensions import db
from library.security import MAX_ID
from library.storage import get_store
from library.vietnamese import clean_text

TEXT_FIELDS = ("title", "publisher", "description")


@dataclass
class _Values:
    title: str | None
    authors: list[str] | None
    publisher: str | None
    description: str | None


@dataclass
class BookFilters:
    """The console's book list: every book, withdrawn and failed-to-index ones included."""

    q: str = ""
    shelf: Shelf | None = None
    status: str = ""        # "", ready, withdrawn
    index_status: str = ""  # "", pending, indexed, failed
    kind: str = ""          # "", pdf, epub

    def query(self):
        query = select(Book)
        if text := self.q.strip():
            # autoescape: a typed % or _ is that character, not a wildcard.
            conditions = [Book.title.icontains(text, autoescape=True),
                          Book.original_filename.icontains(text, autoescape=True)]
            if text.isdigit() and int(text) <= MAX_ID:  # past 64 bits the driver refuses it
                conditions.append(Book.id == int(text))
            query = query.where(or_(*conditions))
        if self.shelf is not None:
            query = query.where(Book.shelf_id == self.shelf.id)
        if self.status in (BookStatus.READY, BookStatus.WITHDRAWN):
            query = query.where(Book.status == self.status)
        if self.index_status in (IndexStatus.PENDING, IndexStatus.INDEXED, IndexStatus.FAILED):
            query = query.where(Book.index_status == self.index_status)
        if self.kind in ("pdf", "epub"):
            query = query.where(Book.media_type.like(f"%{self.kind}%"))
        return query.order_by(Book.created_at.desc(), Book.id.desc())


def edit_book(book: Book, *, title: str, authors: str, year: int | None, publisher: str,
              description: str, shelf: Shelf, cover: bytes | None = None) -> dict:
    """Apply a metadata form; returns {field: [before, after]} of what changed (empty: nothing).
    A cover is checked and re-encoded first (CoverError), so a bad image changes nothing."""
    new_cover = normalize_cover(cover) if cover is not None else None
    wanted = {
        "title": clean_text(title).strip(),
        "authors": split_authors(authors or ""),
        "year": year,
        "publisher": clean_text(publisher or "").strip() or None,
        "description": clean_text(description or "").strip() or None,
    }
    limits.check(_Values(**{k: wanted[k] for k in ("title", "authors", "publisher", "description")}))
    changes = {name: [getattr(book, name), value] for name, value in wanted.items()
               if getattr(book, name) != value}
    for name, (_, value) in changes.items():
        setattr(book, name, value)
    if shelf.id != book.shelf_id:
        changes["shelf"] = [book.shelf.slug, shelf.slug]
        book.shelf = shelf
    store, old_cover, saved = get_store(), None, None
    if new_cover is not None:
        saved = store.save_bytes(new_cover, "jpg", "covers")
        old_cover, book.cover_name = book.cover_name, saved.name
        changes["cover"] = [bool(old_cover), True]
    if not changes:
        return changes
    with store.commit_or_discard(db.session, saved):
        audit.record("book.edit", "book", book.id, book.title, changes=changes)
    store.delete(old_cover)
    indexing.enqueue(book.id)
    return changes


def withdraw(book: Book) -> bool:
    """Hidden from members, the catalogue and search; kept, with its file, for the record."""
    return _set_status(book, BookStatus.WITHDRAWN, "book.withdraw")


def reinstate(book: Book) -> bool:
    return _set_status(book, BookStatus.READY, "book.reinstate")


def _set_status(book: Book, status: str, action: str) -> bool:
    if book.status == status:
        return False
    audit.record(action, "book", book.id, book.title, status=[book.status, status])
    book.status = status
    db.session.commit()
    indexing.enqueue(book.id)  # a withdrawn book is dropped from the index, a reinstated one added
    return True


def delete_book(book: Book) -> None:
    """The file, the cover, the reader's tail and text layer, the rows (sections, positions... by cascade) and
    the index entries."""
    book_id, files = book.id, [book.stored_name, book.cover_name, book.reader_tail_name, book.ocr_layer_name]
    audit.record("book.delete", "book", book.id, book.title, file=book.original_filename,
                 sha256=book.sha256, shelf=book.shelf.slug, authors=list(book.authors or []))
    db.session.execute(delete(Book).where(Book.id == book_id))
    db.session.commit()
    store = get_store()
    for name in files:
        store.delete(name)
    indexing.enqueue_removal(book_id)


def move_books(book_ids: list[int], shelf: Shelf) -> list[Book]:
    """Put several books on one shelf; returns those that actually moved."""
    moved = []
    for book in db.session.scalars(select(Book).where(Book.id.in_(book_ids)).order_by(Book.id)):
        if book.shelf_id != shelf.id:
            audit.record("book.move", "book", book.id, book.title,
                         shelf=[book.shelf.slug, shelf.slug])
            book.shelf = shelf
            moved.append(book)
    db.session.commit()
    for book in moved:
        indexing.enqueue(book.id)
    return moved
