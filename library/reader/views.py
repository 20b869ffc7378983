"""Reader pages. The text mode shows one page or chapter as plain HTML: light enough
for slow phones and screen readers, and the target of every search hit."""
from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import func, select

from library.catalog import queries
from library.catalog.models import Section
from library.extensions import db
from library.reader import bp
from library.search import highlight_html


@bp.get("/doc/<int:book_id>")
def read(book_id: int):
    book = queries.visible_book(book_id) or abort(404)
    last = db.session.scalar(select(func.max(Section.position)).where(Section.book_id == book.id))
    if last is None:
        abort(404)
    position = request.args.get("p", 1, type=int)
    if not 1 <= position <= last:
        return redirect(url_for("reader.read", book_id=book.id, p=min(max(position, 1), last)))
    section = db.session.scalar(
        select(Section).where(Section.book_id == book.id, Section.position == position)
    ) or abort(404)
    query = request.args.get("q", "")[:500]
    return render_template(
        "reader/text.html",
        book=book,
        section=section,
        last=last,
        query=query,
        text_html=highlight_html(section.text, query) if query else section.text,
    )
