"""Test data for the reading list tests: books as catalogue rows (a 100-page PDF is needed
for the 89%/90% edge, and typesetting one per test would dominate the run), pages seen."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from library.catalog.models import EPUB, PDF, Book, Section, Shelf
from library.extensions import db
from library.reader.models import SectionSeen
from library.auth.models import User


def add_book(app, title: str, kind: str = "pdf", sections: int = 10) -> int:
    """A ready book with `sections` pages (PDF) or chapters (EPUB) of text."""
    with app.app_context():
        shelf = db.session.scalar(select(Shelf).order_by(Shelf.position))
        book = Book(shelf_id=shelf.id, title=title, authors=["Ban Tuyên giáo"],
                    media_type=PDF if kind == "pdf" else EPUB,
                    sha256=hashlib.sha256(title.encode()).hexdigest(), size=1000,
                    original_filename=f"{title}.{kind}", stored_name=f"{title}.{kind}",
                    page_count=sections if kind == "pdf" else None)
        for position in range(1, sections + 1):
            book.sections.append(Section(
                position=position, page=position if kind == "pdf" else None,
                chapter=None if kind == "pdf" else f"Chương {position}",
                text=f"Nội dung {position} của {title}"))
        db.session.add(book)
        db.session.commit()
        return book.id


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def see(app, username: str, book_id: int, positions, to_end: bool = True,
        when: datetime | None = None) -> None:
    """Record, as the reader would, that `username` was shown these pages or chapters."""
    uid = user_id(app, username)
    with app.app_context():
        for position in positions:
            row = SectionSeen(user_id=uid, book_id=book_id, position=position, to_end=to_end)
            if when is not None:
                row.first_seen_at = row.last_seen_at = when
            db.session.add(row)
        db.session.commit()
