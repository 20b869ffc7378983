"""Reader pages. `/doc/<id>?p=N&q=...` (every search hit, shelf and reading list links
there) opens the PDF reader or the EPUB reader at page or chapter N; without `p` the
book opens where the user stopped. The text mode shows one page or chapter as plain
HTML: light enough for slow phones and screen readers, and the fallback of both."""
from markupsafe import Markup
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from library.catalog import queries
from library.catalog.models import Book, Section
from library.extensions import db
from library.ocr.pages import page_state
from library.reader import bp, progress
from library.reader.files import reader_version
from library.reader.resources import resource_token
from library.reader.vendor import pdfjs_version
from library.search.marks import marker

MAX_QUERY = 500


def _open(book_id: int, endpoint: str):
    """(book, section, last, query, restored) for a reader page, or a redirect when the
    page asked for is outside the book."""
    book = queries.visible_book(book_id) or abort(404)
    last = db.session.scalar(select(func.max(Section.position)).where(Section.book_id == book.id))
    if last is None:
        abort(404)
    query = request.args.get("q", "")[:MAX_QUERY]
    asked = request.args.get("p", type=int)
    restored = None
    if asked is None:
        restored = progress.get_position(current_user.id, book.id)
        position = min(restored.position, last) if restored else 1
    elif not 1 <= asked <= last:
        return redirect(url_for(endpoint, book_id=book.id, p=min(max(asked, 1), last), q=query or None))
    else:
        position = asked
    section = db.session.scalar(
        select(Section).where(Section.book_id == book.id, Section.position == position)
    ) or abort(404)
    return book, section, last, query, restored


def _common(book: Book, section: Section, last: int, query: str, restored) -> dict:
    return dict(
        book=book, section=section, last=last, query=query,
        restored=restored if restored is not None and restored.position == section.position else None,
        bookmarks=progress.list_bookmarks(current_user.id, book.id),
        text_html=_marked(section.text, query),
    )


def _marked(text: str, query: str):
    found = marker(query) if query else None
    return Markup(found.highlight(text)) if found else text


@bp.get("/doc/<int:book_id>")
def read(book_id: int):
    opened = _open(book_id, "reader.read")
    if not isinstance(opened, tuple):
        return opened
    book, section, last, query, restored = opened
    context = _common(book, section, last, query, restored)
    if book.is_pdf:
        # The original with its reader tail, if any; the version lets the browser keep it.
        file_url = url_for("reader.reader_file", book_id=book.id, v=reader_version(book))
        return render_template("reader/pdf.html", pdfjs=pdfjs_version(), file_url=file_url, **context)
    return render_template(
        "reader/epub.html",
        chapters=queries.chapter_titles(book.id),
        frame_url=url_for("reader.chapter", book_id=book.id, position=section.position,
                          q=query or None, t=resource_token(book.id)),
        **context,
    )


@bp.get("/doc/<int:book_id>/van-ban")
def text(book_id: int):
    opened = _open(book_id, "reader.text")
    if not isinstance(opened, tuple):
        return opened
    context = _common(*opened)
    section = context["section"]
    # A page without text says why: still waiting for recognition, or read and found empty.
    state = None if section.text.strip() else page_state(section.book_id, section.position)
    return render_template("reader/text.html", recognition=state, **context)
