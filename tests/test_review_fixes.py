"""Defects found in review: each test failed before its fix."""
from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from library.catalog.models import Book, BookStatus
from library.extensions import db
from library.reader.models import Bookmark
from library.reading_lists.models import ReadingList
from tests.conftest import bearer, make_user
from tests.test_reading_list_data import add_book
from tests.test_reading_list_pages import PageClient, form  # noqa: F401  (fixture helpers)
from tests.conftest import sign_in

HUGE = 10 ** 20  # over SQLite's 64-bit integers


@pytest.fixture
def admin_headers(app):
    make_user(app, "quantri", "admin")
    return bearer(app, "quantri")


@pytest.mark.parametrize("url", [
    f"/sach/{HUGE}", f"/sach/{HUGE}/anh-bia", f"/sach/{HUGE}/tep", f"/doc/{HUGE}",
    f"/doc/{HUGE}/van-ban", f"/doc/{HUGE}/tep-doc", f"/doc/1/chuong/{HUGE}",
    f"/api/books/{HUGE}", f"/api/books/{HUGE}/position", f"/api/books/{HUGE}/bookmarks",
    f"/api/reading-lists/{HUGE}", f"/api/reading-lists/{HUGE}/report",
    f"/thu-vien/sach/{HUGE}", f"/thu-vien/tac-vu/{HUGE}", f"/danh-sach-doc/{HUGE}",
])
def test_huge_id_in_the_address_is_not_found(app, admin_headers, url):
    response = app.test_client().get(url, headers=admin_headers)
    assert response.status_code == 404


@pytest.mark.parametrize("body", [
    {"book_id": HUGE, "page": 1},
    {"book_id": 1, "page": HUGE},
])
def test_huge_numbers_in_progress_are_refused(app, api_headers, body):
    response = app.test_client().post("/api/progress", json=body, headers=api_headers)
    assert response.status_code in (400, 404)
    assert "error" in response.get_json()


@pytest.mark.parametrize("book_id", [HUGE, str(HUGE)])
def test_huge_book_id_in_a_reading_list_is_refused(app, admin_headers, book_id):
    response = app.test_client().post("/api/reading-lists", headers=admin_headers, json={
        "title": "Chuyên đề", "items": [{"book_id": book_id}]})
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize("url", [
    "/api/books?page=99999999999999999999",
    "/opds/new?page=99999999999999999999",
    "/thu-vien/sach?page=99999999999999999999",
])
def test_huge_page_number_is_not_a_server_error(app, admin_headers, url):
    make_user(app, "thuthu", "librarian")
    headers = admin_headers if not url.startswith("/thu-vien") else bearer(app, "thuthu")
    response = app.test_client().get(url, headers=headers)
    assert response.status_code == 200


def test_copying_a_list_whose_book_was_withdrawn_is_not_a_server_error(app):
    app.test_client_class = PageClient
    make_user(app, "thuvien", "librarian", None)
    make_user(app, "bithu.a", "secretary", "CB-A")
    book_id = add_book(app, "Nghị quyết", "pdf", 5)
    lib = sign_in(app.test_client(), app, "thuvien")
    response = lib.post("/danh-sach-doc/moi", data=form(book_id, last_1="5", assign="none"))
    assert response.status_code == 302
    with app.app_context():
        list_id = db.session.scalar(select(ReadingList.id))
        db.session.get(Book, book_id).status = BookStatus.WITHDRAWN
        db.session.commit()
    secretary = sign_in(app.test_client(), app, "bithu.a")
    response = secretary.post(f"/danh-sach-doc/{list_id}/sao-chep")
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(select(ReadingList.id).where(ReadingList.id != list_id)) is None


def test_reading_list_title_and_bookmark_label_are_stored_nfc(app, admin_headers):
    book_id = add_book(app, "Sổ tay đảng viên", "pdf", 3)
    nfd = unicodedata.normalize("NFD", "Học tập Nghị quyết")
    client = app.test_client()
    response = client.post("/api/reading-lists", headers=admin_headers, json={
        "title": nfd, "description": nfd, "items": [{"book_id": book_id, "note": nfd}]})
    assert response.status_code == 201
    response = client.post(f"/api/books/{book_id}/bookmarks", headers=admin_headers,
                           json={"position": 1, "label": nfd})
    assert response.status_code == 201
    nfc = unicodedata.normalize("NFC", nfd)
    with app.app_context():
        reading_list = db.session.scalar(select(ReadingList))
        assert reading_list.title == nfc
        assert reading_list.description == nfc
        assert reading_list.items[0].note == nfc
        assert db.session.scalar(select(Bookmark.label)) == nfc


@pytest.mark.parametrize("book_field", ["²", "99999999999999999999"])
def test_odd_numbers_in_the_list_form_are_a_form_error(app, book_field):
    app.test_client_class = PageClient
    make_user(app, "thuvien", "librarian", None)
    book_id = add_book(app, "Nghị quyết", "pdf", 5)
    lib = sign_in(app.test_client(), app, "thuvien")
    response = lib.post("/danh-sach-doc/moi", data=form(book_id, book_1=book_field, assign="none"))
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/quan-tri/nguoi-dung", "/quan-tri/nhat-ky", "/quan-tri/chi-bo"])
def test_huge_page_number_in_admin_lists_is_not_a_server_error(admin_client, url):
    assert admin_client.get(f"{url}?page=99999999999999999999").status_code == 200
