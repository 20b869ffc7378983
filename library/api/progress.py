"""The reader's JSON API: progress (CONTRACT.md), the place a user stopped, bookmarks.

Everything is scoped to the signed-in user; a user id in a body is never read.
"""
from __future__ import annotations

import math

from flask import abort, request, url_for
from flask_login import current_user

from library.extensions import db
from library.api import bp
from library.reader import progress
from library.reader.progress import ProgressError
from library.security import MAX_ID
from library.i18n import gettext as _
from library.translatable import N_


class BadRequest(ProgressError):
    """A body the API cannot read (answered at the edge, library.errors, as 400)."""


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(N_("Cần một đối tượng JSON trong thân yêu cầu."))
    return data


def _int(data: dict, key: str, required: bool = True) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    # bool is an int in Python; true must not mean page 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(_("«{key}» phải là một số nguyên.", key=key))
    if value < 1:
        raise BadRequest(_("«{key}» phải từ 1 trở lên.", key=key))
    if value > MAX_ID:  # would overflow the database driver
        raise BadRequest(_("«{key}» quá lớn.", key=key))
    return value


def _offset(data: dict) -> float:
    value = data.get("offset", 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0.0 <= value <= 1.0:
        raise BadRequest(N_("«offset» phải là một số từ 0 đến 1."))
    return float(value)


@bp.post("/api/progress")
def report_progress():
    """A page (PDF) or chapter (EPUB) the user saw. The hot path of every reader: one
    indexed read, one upsert, one commit."""
    data = _body()
    if ("page" in data) == ("chapter" in data):
        raise BadRequest(N_("Gửi đúng một trong hai: «page» (PDF) hoặc «chapter» (EPUB)."))
    kind = "page" if "page" in data else "chapter"
    book_id = _int(data, "book_id")
    position = _int(data, kind)
    to_end = data.get("to_end", True)
    if not isinstance(to_end, bool):
        raise BadRequest(N_("«to_end» phải là true hoặc false."))
    progress.check_place(book_id, position, kind)
    # A PDF page is seen whole; a chapter reported by another app counts as read to
    # its end, the EPUB reader says `"to_end": false` when it merely opened one.
    progress.record_seen(current_user.id, book_id, position, to_end=to_end or kind == "page")
    db.session.commit()
    return "", 204


def _position_json(book_id: int, row) -> dict:
    if row is None:
        return {"book_id": book_id, "position": None, "offset": 0.0, "updated_at": None}
    return {"book_id": book_id, "position": row.position, "offset": row.offset,
            "updated_at": row.updated_at.isoformat() + "Z"}


@bp.get("/api/books/<int:book_id>/position")
def get_position(book_id: int):
    progress.check_place(book_id, 1)
    return _position_json(book_id, progress.get_position(current_user.id, book_id))


@bp.put("/api/books/<int:book_id>/position")
def put_position(book_id: int):
    data = _body()
    position = _int(data, "position")
    offset = _offset(data)
    progress.check_place(book_id, position)
    progress.save_position(current_user.id, book_id, position, offset)
    db.session.commit()
    return _position_json(book_id, progress.get_position(current_user.id, book_id))


def bookmark_json(bookmark) -> dict:
    return {
        "id": bookmark.id,
        "book_id": bookmark.book_id,
        "position": bookmark.position,
        "offset": bookmark.offset,
        "label": bookmark.label,
        "created_at": bookmark.created_at.isoformat() + "Z",
        "url": url_for("reader.read", book_id=bookmark.book_id, p=bookmark.position),
    }


@bp.get("/api/books/<int:book_id>/bookmarks")
def list_bookmarks(book_id: int):
    progress.check_place(book_id, 1)
    return {"bookmarks": [bookmark_json(b)
                          for b in progress.list_bookmarks(current_user.id, book_id)]}


@bp.post("/api/books/<int:book_id>/bookmarks")
def add_bookmark(book_id: int):
    data = _body()
    position = _int(data, "position")
    offset = _offset(data)
    label = data.get("label", "")
    if not isinstance(label, str):
        raise BadRequest(N_("«label» phải là chuỗi."))
    progress.check_place(book_id, position)
    bookmark = progress.add_bookmark(current_user.id, book_id, position, offset, label)
    db.session.commit()
    return bookmark_json(bookmark), 201


@bp.delete("/api/bookmarks/<int:bookmark_id>")
def delete_bookmark(bookmark_id: int):
    if not progress.delete_bookmark(current_user.id, bookmark_id):
        abort(404, N_("Không tìm thấy dấu trang."))
    db.session.commit()
    return "", 204
