"""The reader's JSON API: POST /api/progress (CONTRACT.md), positions and bookmarks, each
scoped to the signed-in user, with clear 4xx answers for what cannot be recorded."""
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from library.catalog.models import Book, BookStatus
from library.extensions import db
from library.ingest import import_file
from library.reader import progress
from library.reader.models import Bookmark, SectionSeen
from tests.books import epub_book, pdf_book
from tests.conftest import bearer, make_user


def imported(app, path) -> int:
    with app.app_context():
        result = import_file(path)
        assert result.status == "imported", result.reason
        return result.book_id


@pytest.fixture
def books(app, tmp_path):
    pdf = imported(app, pdf_book(tmp_path / "a.pdf", ["Trang hai.", "Trang ba."]))  # 3 pages
    epub = imported(app, epub_book(tmp_path / "b.epub", [("Một", "Chương một."), ("Hai", "Chương hai.")]))
    return SimpleNamespace(pdf=pdf, epub=epub)


def seen(app, user="member1"):
    with app.app_context():
        rows = db.session.execute(
            select(SectionSeen.book_id, SectionSeen.position, SectionSeen.to_end)
            .where(SectionSeen.user_id == _uid(user))
            .order_by(SectionSeen.book_id, SectionSeen.position)).all()
        return [tuple(r) for r in rows]


def _uid(username):
    from library.auth.accounts import find_user

    return find_user(username).id


def test_progress_records_pdf_pages_and_epub_chapters(app, anonymous, api_headers, books):
    for body in ({"book_id": books.pdf, "page": 3}, {"book_id": books.pdf, "page": 1},
                 {"book_id": books.epub, "chapter": 2}):
        response = anonymous.post("/api/progress", json=body, headers=api_headers)
        assert response.status_code == 204, response.json
    # Reported again: still one row per section.
    anonymous.post("/api/progress", json={"book_id": books.pdf, "page": 3}, headers=api_headers)
    assert seen(app) == [(books.pdf, 1, True), (books.pdf, 3, True), (books.epub, 2, True)]


def test_a_chapter_merely_opened_is_not_read_until_its_end(app, anonymous, api_headers, books):
    post = lambda body: anonymous.post("/api/progress", json=body, headers=api_headers)  # noqa: E731
    assert post({"book_id": books.epub, "chapter": 1, "to_end": False}).status_code == 204
    assert seen(app) == [(books.epub, 1, False)]
    post({"book_id": books.epub, "chapter": 1, "to_end": True})
    post({"book_id": books.epub, "chapter": 1, "to_end": False})  # reopened later
    assert seen(app) == [(books.epub, 1, True)]


@pytest.mark.parametrize("body, status, words", [
    ({"book_id": 999, "page": 1}, 404, "sách"),
    ({"book_id": "12", "page": 1}, 400, "book_id"),
    ({"page": 1}, 400, "book_id"),
    ({"book_id": "PDF", "page": 4}, 400, "trang 4"),
    ({"book_id": "PDF", "page": 0}, 400, "page"),
    ({"book_id": "PDF", "page": True}, 400, "page"),
    ({"book_id": "PDF", "page": "2"}, 400, "page"),
    ({"book_id": "PDF", "chapter": 1}, 400, "page"),
    ({"book_id": "EPUB", "page": 1}, 400, "chapter"),
    ({"book_id": "EPUB", "chapter": 3}, 400, "chương 3"),
    ({"book_id": "EPUB", "chapter": 1, "page": 1}, 400, "một"),
    ({"book_id": "EPUB", "chapter": 1, "to_end": "yes"}, 400, "to_end"),
    ([1, 2], 400, "JSON"),
])
def test_progress_refuses_what_it_cannot_record(app, anonymous, api_headers, books, body, status, words):
    if isinstance(body, dict) and body.get("book_id") in ("PDF", "EPUB"):
        body = {**body, "book_id": books.pdf if body["book_id"] == "PDF" else books.epub}
    response = anonymous.post("/api/progress", json=body, headers=api_headers)
    assert response.status_code == status
    assert words.lower() in response.json["error"].lower()
    assert seen(app) == []


def test_progress_for_a_withdrawn_book_is_404(app, anonymous, api_headers, books):
    with app.app_context():
        db.session.get(Book, books.pdf).status = BookStatus.WITHDRAWN
        db.session.commit()
    response = anonymous.post("/api/progress", json={"book_id": books.pdf, "page": 1}, headers=api_headers)
    assert response.status_code == 404 and "error" in response.json


def test_progress_needs_a_user_and_from_a_page_a_csrf_token(app, anonymous, client, books):
    assert anonymous.post("/api/progress", json={"book_id": books.pdf, "page": 1}).status_code == 401
    refused = client.post("/api/progress", json={"book_id": books.pdf, "page": 1})
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)
    ok = client.post("/api/progress", json={"book_id": books.pdf, "page": 2}, headers={"X-CSRFToken": token})
    assert ok.status_code == 204
    assert seen(app) == [(books.pdf, 2, True)]


def test_position_is_saved_restored_and_kept_per_user(app, anonymous, api_headers, books):
    url = f"/api/books/{books.epub}/position"
    empty = anonymous.get(url, headers=api_headers).json
    assert empty["position"] is None
    saved = anonymous.put(url, json={"position": 2, "offset": 0.4, "user_id": 999}, headers=api_headers)
    assert saved.status_code == 200 and (saved.json["position"], saved.json["offset"]) == (2, 0.4)
    anonymous.put(url, json={"position": 1, "offset": 0.25}, headers=api_headers)
    again = anonymous.get(url, headers=api_headers).json
    assert (again["position"], again["offset"]) == (1, 0.25)
    make_user(app, "member2")
    other = bearer(app, "member2")
    assert anonymous.get(url, headers=other).json["position"] is None


@pytest.mark.parametrize("body", [{"position": 9}, {"position": 1, "offset": 1.5},
                                  {"position": 1, "offset": "0.5"}, {"offset": 0.5}])
def test_position_out_of_range_is_400(anonymous, api_headers, books, body):
    response = anonymous.put(f"/api/books/{books.pdf}/position", json=body, headers=api_headers)
    assert response.status_code == 400 and response.json["error"]


def test_bookmarks_add_list_delete_for_their_owner_only(app, anonymous, api_headers, books):
    url = f"/api/books/{books.pdf}/bookmarks"
    first = anonymous.post(url, json={"position": 3, "label": "  Nghị   quyết  "}, headers=api_headers)
    assert first.status_code == 201 and first.json["label"] == "Nghị quyết"
    assert first.json["url"] == f"/doc/{books.pdf}?p=3"
    anonymous.post(url, json={"position": 2, "user_id": 12345}, headers=api_headers)
    listed = anonymous.get(url, headers=api_headers).json["bookmarks"]
    assert [b["position"] for b in listed] == [2, 3]

    make_user(app, "member2")
    other = bearer(app, "member2")
    assert anonymous.get(url, headers=other).json["bookmarks"] == []
    # Someone else's bookmark id looks exactly like a missing one.
    stranger = anonymous.delete(f"/api/bookmarks/{first.json['id']}", headers=other)
    assert stranger.status_code == 404 and stranger.json["error"]
    assert anonymous.delete("/api/bookmarks/99999", headers=api_headers).status_code == 404

    assert anonymous.delete(f"/api/bookmarks/{first.json['id']}", headers=api_headers).status_code == 204
    assert [b["position"] for b in anonymous.get(url, headers=api_headers).json["bookmarks"]] == [2]
    with app.app_context():
        assert db.session.scalar(select(Bookmark.user_id).where(Bookmark.position == 2)) == _uid("member1")


def test_bookmark_on_a_missing_page_or_book(anonymous, api_headers, books):
    assert anonymous.post(f"/api/books/{books.pdf}/bookmarks", json={"position": 4},
                          headers=api_headers).status_code == 400
    assert anonymous.post("/api/books/999/bookmarks", json={"position": 1},
                          headers=api_headers).status_code == 404
    assert anonymous.get("/api/books/999/bookmarks", headers=api_headers).status_code == 404


def test_recent_positions_newest_first_without_withdrawn_books(app, member, books):
    with app.app_context():
        uid = _uid(member)
        progress.save_position(uid, books.pdf, 2)
        progress.save_position(uid, books.epub, 1, 0.5)
        db.session.commit()
        assert [b.id for _, b in progress.recent_positions(uid)] == [books.epub, books.pdf]
        progress.save_position(uid, books.pdf, 3)
        db.session.commit()
        assert [(b.id, p.position) for p, b in progress.recent_positions(uid)] == [
            (books.pdf, 3), (books.epub, 1)]
        db.session.get(Book, books.pdf).status = BookStatus.WITHDRAWN
        db.session.commit()
        assert [b.id for _, b in progress.recent_positions(uid)] == [books.epub]
