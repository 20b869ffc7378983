"""Addresses of catalogue things that pages, the API and OPDS all give out."""
from flask import url_for


def cover_url(book) -> str:
    """The cover's address, changing with the cover itself (a new cover gets a new stored
    name), so a cached old picture is never shown for a day after a librarian replaces it."""
    return url_for("catalog.cover", book_id=book.id, v=(book.cover_name or "").rsplit("/", 1)[-1][:12])


def read_url(book_id: int, position: int | None, query: str) -> str:
    """Where a hit opens: the reader at that page or chapter, the words highlighted."""
    return url_for("reader.read", book_id=book_id, p=position, q=query or None)
