"""An EPUB chapter as its own small document for the reader's sandboxed frame, and the
book's pictures and stylesheets it refers to.

The frame has no origin of its own (sandbox without allow-same-origin), so the
browser may not send the session cookie with what it loads. Those URLs carry a
signed, short-lived token for one book instead, made when the reader page is shown.
"""
from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from library.auth.models import User
from library.auth.permissions import public
from library.catalog import queries
from library.catalog.models import Section
from library.extensions import db
from library.extraction.types import ExtractionError
from library.reader import bp
from library.reader.epub import ChapterUnreadable, Links, load_chapter, read_resource
from library.reader.sanitize import highlight
from library.storage import get_store

TOKEN_HOURS = 12  # a reader page left open for a working day still shows its pictures
# anchors.js finds highlights again in the chapter; epub-frame.js talks to the reader page
FRAME_SCRIPTS = ("reader/anchors.js", "reader/epub-frame.js")
FRAME_STYLE = "reader/epub-frame.css"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="reader.epub-resource")


def resource_token(book_id: int) -> str:
    # The user and the session's version are signed in too: when the user signs out (or
    # the password changes, or the account is deactivated) the version moves on and every
    # chapter address made for the old session stops working.
    return _serializer().dumps([book_id, current_user.id, current_user.session_version])


def _token_valid(token: str | None, book_id: int) -> bool:
    if not token:
        return False
    try:
        signed = _serializer().loads(token, max_age=TOKEN_HOURS * 3600)
    except BadSignature:
        return False
    if not isinstance(signed, list) or len(signed) != 3 or signed[0] != book_id:
        return False
    user = db.session.get(User, signed[1]) if isinstance(signed[1], int) else None
    return user is not None and user.active and user.session_version == signed[2]


def _allowed(book_id: int, token: str | None) -> bool:
    return bool(current_user.is_authenticated) or _token_valid(token, book_id)


def chapter_policy(book_id: int, token: str) -> str:
    """The chapter's own policy: no script but the reader's frame script, pictures and
    styles only from this book, and a sandbox even when opened outside the frame."""
    # Host without a scheme: the page's own scheme applies, so the policy holds over
    # HTTPS behind a proxy that forwards the Host header but not the scheme.
    origin = request.host
    files = origin + url_for("reader.book_resource", book_id=book_id, token=token, name="x")[:-1]
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(f"{origin}{url_for('static', filename=name)}" for name in FRAME_SCRIPTS),
        f"style-src {origin}{url_for('static', filename=FRAME_STYLE)} {files}",
        f"img-src {files}",
        f"font-src {files}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "sandbox allow-scripts",
    ])


@bp.get("/doc/<int:book_id>/chuong/<int:position>")
@public  # checked below: a signed-in user, or the token of the reader page
def chapter(book_id: int, position: int):
    token = request.args.get("t", "")
    if not _allowed(book_id, token):
        abort(404)
    book = queries.visible_book(book_id) or abort(404)
    if book.is_pdf:
        abort(404)
    if not _token_valid(token, book_id):
        token = resource_token(book_id)  # reached here signed in: a token for this session
    hrefs = dict(db.session.execute(
        select(Section.position, Section.href).where(Section.book_id == book.id)).all())
    if not hrefs.get(position):
        abort(404)
    links = Links(
        chapter_href=hrefs[position],
        positions={href: pos for pos, href in hrefs.items() if href},
        resource_url=lambda name: url_for("reader.book_resource", book_id=book.id, token=token, name=name),
        chapter_url=lambda pos, fragment: url_for("reader.read", book_id=book.id, p=pos)
        + (f"#{fragment}" if fragment else ""),
    )
    try:
        found = load_chapter(get_store().path(book.stored_name), links)
    except (ChapterUnreadable, ExtractionError, FileNotFoundError, ValueError, KeyError):
        abort(404)
    query = request.args.get("q", "")[:500]
    body = highlight(found.html, query) if query else found.html
    response = make_response(render_template(
        "reader/chapter.html", book=book, body=body, lang=found.lang or book.language or "vi", dir=found.dir,
        page_size=found.page_size,
        stylesheets=[links.resource_url(name) for name in found.stylesheets],
        frame_scripts=FRAME_SCRIPTS, frame_style=FRAME_STYLE,
    ))
    response.headers["Content-Security-Policy"] = chapter_policy(book.id, token)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/doc/<int:book_id>/tep-sach/<token>/<path:name>")
@public  # the signed token stands for the session cookie the sandbox may not send
def book_resource(book_id: int, token: str, name: str):
    if not _allowed(book_id, token):
        abort(404)
    book = queries.visible_book(book_id) or abort(404)
    if book.is_pdf:
        abort(404)
    try:
        data, kind = read_resource(get_store().path(book.stored_name), name)
    except (KeyError, ExtractionError, FileNotFoundError, ValueError):
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = kind
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, a picture or stylesheet is inert: nothing may run or load.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
