"""Highlights and notes, JSON and exports: private to their author (anyone else, whatever
their role, gets 404 as for a highlight that does not exist).

    GET    /api/books/<id>/highlights          the user's highlights of a book, located
    POST   /api/books/<id>/highlights          {position, exact, prefix?, suffix?, color?, note?}
    PATCH  /api/highlights/<id>                {color?, note?}
    DELETE /api/highlights/<id>
    GET    /api/books/<id>/highlights.md | .csv   the same, to keep
"""
from __future__ import annotations

from urllib.parse import quote

from flask import abort, make_response, url_for
from flask_login import current_user

from library.catalog import queries
from library.extensions import db
from library.i18n import gettext as _
from library.api import bp
from library.reader import highlights, progress
from library.api.progress import BadRequest, _body, _int
from library.reader.files import download_names
from library.reader.highlights import COLOR_NAMES, Located
from library.translatable import N_


def _book(book_id: int):
    return queries.visible_book(book_id) or abort(404)


def highlight_json(book, entry: Located) -> dict:
    item = entry.highlight
    return {
        "id": item.id,
        "book_id": item.book_id,
        "position": item.position,
        "found": entry.position is not None,
        "found_position": entry.position,  # where its words are now (another page if they moved)
        "chapter": entry.chapter,
        "page": entry.page,  # a PDF's page, or an EPUB's picture page
        "exact": item.exact,
        "prefix": item.prefix,
        "suffix": item.suffix,
        # the anchor as W3C Web Annotation writes it
        "selector": {"type": "TextQuoteSelector", "exact": item.exact, "prefix": item.prefix,
                     "suffix": item.suffix},
        "color": item.color,
        "note": item.note,
        "created_at": item.created_at.isoformat() + "Z",
        "updated_at": item.updated_at.isoformat() + "Z",
        "url": url_for("reader.read", book_id=item.book_id, p=entry.position or item.position),
    }


@bp.get("/api/books/<int:book_id>/highlights")
def list_highlights(book_id: int):
    book = _book(book_id)
    located = highlights.locate(book, highlights.of_book(current_user.id, book.id))
    return {"highlights": [highlight_json(book, entry) for entry in located],
            "colors": list(highlights.COLORS)}


@bp.post("/api/books/<int:book_id>/highlights")
def add_highlight(book_id: int):
    book = _book(book_id)
    data = _body()
    position = _int(data, "position")
    progress.check_place(book.id, position)
    item = highlights.create(current_user.id, book.id, position, data.get("exact"),
                             data.get("prefix", ""), data.get("suffix", ""), data.get("color"),
                             data.get("note", ""))
    db.session.commit()
    return highlight_json(book, highlights.locate(book, [item])[0]), 201


@bp.patch("/api/highlights/<int:highlight_id>")
def edit_highlight(highlight_id: int):
    data = _body()
    if not {"color", "note"} & data.keys():
        raise BadRequest(N_("Gửi «color» hoặc «note» cần sửa."))
    item = highlights.update(current_user.id, highlight_id, data)
    db.session.commit()
    book = _book(item.book_id)
    return highlight_json(book, highlights.locate(book, [item])[0])


@bp.delete("/api/highlights/<int:highlight_id>")
def delete_highlight(highlight_id: int):
    highlights.delete(current_user.id, highlight_id)
    db.session.commit()
    return "", 204


def _labels() -> dict:
    return {"page": _("Trang"), "chapter": _("Chương"), "lost": _("không tìm thấy vị trí"),
            "color": _("Màu"), "colors": {key: _(name) for key, name in COLOR_NAMES.items()}}


@bp.get("/api/books/<int:book_id>/highlights.<any(md, csv):kind>")
def export_highlights(book_id: int, kind: str):
    book = _book(book_id)
    located = highlights.locate(book, highlights.of_book(current_user.id, book.id))
    if kind == "md":
        body, mimetype = highlights.as_markdown(book, located, _labels()), "text/markdown"
    else:
        body, mimetype = highlights.as_csv(book, located, _labels()), "text/csv"
    ascii_name, utf8_name = download_names(book)
    stem = lambda name: name.rsplit(".", 1)[0] + f" - ghi chu.{kind}"  # noqa: E731
    response = make_response(body)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{stem(ascii_name)}"; '
        f"filename*=UTF-8''{quote(stem(utf8_name), safe='')}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
