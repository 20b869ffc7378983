"""The item picker's search: books by title, with or without diacritics, and what parts
of each can be chosen (a PDF's page count, an EPUB's chapters)."""
from __future__ import annotations

from sqlalchemy import select

from library.catalog.labels import section_label
from library.catalog.models import PDF, Book, BookStatus, Section
from library.extensions import db
from library.vietnamese import fold

LIMIT = 20


def find_books(query: str, book_id: int | None = None) -> list[dict]:
    """Titles (or authors) containing every folded word of `query`; a few hundred titles
    in all, so a folded match in Python is enough and needs no index."""
    words = fold(query or "").split()
    rows = db.session.execute(
        select(Book.id, Book.title, Book.authors, Book.media_type, Book.page_count)
        .where(Book.status == BookStatus.READY).order_by(Book.title)).all()
    found = []
    for row in rows:
        if book_id is not None:
            if row.id != book_id:
                continue
        elif not words:
            continue
        else:
            haystack = fold(row.title + " " + " ".join(row.authors or []))
            if not all(word in haystack for word in words):
                continue
        found.append(row)
        if len(found) >= LIMIT:
            break
    chapters: dict[int, list] = {}
    epub_ids = [row.id for row in found if row.media_type != PDF]
    if epub_ids:
        for bid, position, title, page in db.session.execute(
                select(Section.book_id, Section.position, Section.chapter, Section.page)
                .where(Section.book_id.in_(epub_ids)).order_by(Section.book_id, Section.position)):
            chapters.setdefault(bid, []).append(
                {"position": position, "title": section_label(position, title, page)})
    return [{
        "id": row.id,
        "title": row.title,
        "authors": list(row.authors or []),
        "kind": "pdf" if row.media_type == PDF else "epub",
        "pages": row.page_count if row.media_type == PDF else None,
        "chapters": chapters.get(row.id) if row.media_type != PDF else None,
    } for row in found]


def describe_books(ids) -> dict[int, dict]:
    """book id -> the same description as `find_books` gives, for the rows of a list form."""
    ids = set(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Book.id, Book.title, Book.media_type, Book.page_count).where(Book.id.in_(ids))).all()
    chapters: dict[int, list] = {}
    for bid, position, title, page in db.session.execute(
            select(Section.book_id, Section.position, Section.chapter, Section.page)
            .where(Section.book_id.in_([r.id for r in rows if r.media_type != PDF]))
            .order_by(Section.book_id, Section.position)):
        chapters.setdefault(bid, []).append({"position": position, "title": section_label(position, title, page)})
    return {row.id: {"id": row.id, "title": row.title,
                     "kind": "pdf" if row.media_type == PDF else "epub",
                     "pages": row.page_count if row.media_type == PDF else None,
                     "chapters": chapters.get(row.id, [])} for row in rows}
