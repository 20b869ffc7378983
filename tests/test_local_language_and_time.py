"""What a reader sees of the translations and of the organisation's time: the same page in
Vietnamese and in English, a JSON error in the caller's language, times in LIBRARY_TIMEZONE."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from library import create_app
from library.auth.accounts import find_user
from library.extensions import db
from tests.conftest import bearer, signed_in


def _page(client, path, lang=None) -> str:
    if lang:
        client.set_cookie("lang", lang)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_one_vietnamese_word_two_english_ones(app):
    """"Chi bộ" is "Branch" in a table column and "Branches" as the tab of all branches."""
    admin = signed_in(app, "quantri1", "admin")
    page = _page(admin, "/quan-tri/chi-bo", "en")
    assert "<h1>Branches" in page
    users = _page(admin, "/quan-tri/nguoi-dung", "en")
    assert "<th>Branch</th>" in users
    assert ">Branches</a>" in users  # the tab


def test_counts_say_one_item_and_two_items(app, librarian_client):
    from tests.books import pdf_book
    from library.ingest import import_file

    shelf_page = _page(librarian_client, "/tu-sach/chi-bo-dien-tu", "en")
    assert "0 titles" in shelf_page
    with app.app_context():
        import tempfile
        from pathlib import Path
        folder = Path(tempfile.mkdtemp())
        import_file(pdf_book(folder / "mot.pdf", title="Một"), shelf="chi-bo-dien-tu", index_now=True)
    assert "1 title<" in _page(librarian_client, "/tu-sach/chi-bo-dien-tu")
    assert "1 đầu sách" in _page(librarian_client, "/tu-sach/chi-bo-dien-tu", "vi")


def test_api_errors_follow_accept_language(app, member):
    headers = bearer(app, member)
    english = app.test_client().get("/api/books/999999", headers={**headers, "Accept-Language": "en-GB,en;q=0.9"})
    vietnamese = app.test_client().get("/api/books/999999", headers={**headers, "Accept-Language": "vi"})
    neither = app.test_client().get("/api/books/999999", headers={**headers, "Accept-Language": "fr"})
    assert english.status_code == vietnamese.status_code == 404
    assert english.get_json()["error"] == "The page you are looking for is not here."
    assert vietnamese.get_json()["error"] == "Trang bạn tìm không có ở đây."
    assert neither.get_json()["error"] == "Trang bạn tìm không có ở đây."  # Vietnamese first
    # a page keeps the reader's chosen language whatever the browser says
    client = signed_in(app, "dv2", "member")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="vi"' in page


def test_a_service_refusal_reaches_the_api_in_english(app):
    from tests.conftest import make_user
    make_user(app, "bithu1", "secretary", "cb01")
    headers = bearer(app, "bithu1")
    answer = app.test_client().post("/api/reading-lists", headers={**headers, "Accept-Language": "en"},
                                    json={"title": "", "items": []})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "A list needs a title."


def test_wtforms_own_messages_in_the_readers_language(app):
    admin = signed_in(app, "quantri1", "admin")
    for lang, expected in (("vi", "Lựa chọn không hợp lệ"), ("en", "Not a valid choice")):
        admin.set_cookie("lang", lang)
        form = admin.get("/quan-tri/nguoi-dung/moi").get_data(as_text=True)
        token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        answer = admin.post("/quan-tri/nguoi-dung/moi", data={
            "csrf_token": token, "username": f"moi-{lang}", "role": "superuser"})
        assert answer.status_code == 400
        assert expected in answer.get_data(as_text=True)
    # the form's own labels and messages follow too
    english = _page(admin, "/quan-tri/nguoi-dung/moi", "en")
    assert ">Username</label>" in english and ">Role</label>" in english
    assert "Branch secretary" in english  # a role, in the select


def test_times_are_shown_in_the_librarys_zone(app):
    """A token made at 20:30 UTC on 3 December is 03:30 on 4 December in Hà Nội."""
    client = signed_in(app, "dv3", "member")
    with app.app_context():
        from library.auth.tokens import issue_token
        user = find_user("dv3")
        issue_token(user, "máy đọc")
        user.tokens[0].created_at = datetime(2026, 12, 3, 20, 30)
        db.session.commit()
    vietnamese = _page(client, "/tai-khoan", "vi")
    assert "04/12/2026 03:30" in vietnamese and "UTC" not in vietnamese
    english = _page(client, "/tai-khoan", "en")
    assert "4 Dec 2026 3:30 AM" in english


def test_another_zone_and_a_misspelt_one(tmp_path, monkeypatch):
    monkeypatch.setenv("LIBRARY_TIMEZONE", "Europe/Paris")
    app = create_app({"TESTING": True, "SECRET_KEY": "z" * 40, "INDEX_INLINE": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'l.db'}",
                      "BOOKS_DIR": str(tmp_path / "b"), "INDEX_DIR": str(tmp_path / "i")})
    from library import i18n
    with app.test_request_context("/"):
        assert i18n.format_datetime(datetime(2026, 7, 1, 10, 0)) == "01/07/2026 12:00"
        assert i18n.timezone_name() == "Europe/Paris"
    with app.app_context():
        db.engine.dispose()
    monkeypatch.setenv("LIBRARY_TIMEZONE", "Asia/Hanoi_City")
    with pytest.raises(ValueError, match="LIBRARY_TIMEZONE='Asia/Hanoi_City' is not a time zone"):
        create_app({"TESTING": True, "SECRET_KEY": "z" * 40,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"})


def test_the_report_export_says_which_zone(app):
    from tests.conftest import make_user
    make_user(app, "bithu1", "secretary", "cb01")
    make_user(app, "dv4", "member", "cb01")
    from tests.books import pdf_book
    from library.ingest import import_file
    import tempfile
    from pathlib import Path
    with app.app_context():
        book = import_file(pdf_book(Path(tempfile.mkdtemp()) / "s.pdf"), shelf="chi-bo-dien-tu",
                           index_now=True).book_id
    headers = bearer(app, "bithu1")
    made = app.test_client().post("/api/reading-lists", headers=headers, json={
        "title": "Chuyên đề", "due": "2099-12-31", "items": [{"book_id": book, "pages": [1, 2]}],
        "assign": {"branch": "cb01"}})
    assert made.status_code == 201, made.get_data(as_text=True)
    answer = signed_in(app, "quantri9", "admin").get(
        f"/danh-sach-doc/{made.get_json()['id']}/bao-cao.csv")
    assert answer.status_code == 200, answer.status_code
    header = next(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert "Đọc lần cuối (Asia/Ho_Chi_Minh)" in header
    assert any(cell.endswith("(tr. 1–2)") for cell in header)
    english = signed_in(app, "quantri8", "admin")
    english.set_cookie("lang", "en")
    header = next(csv.reader(io.StringIO(english.get(
        f"/danh-sach-doc/{made.get_json()['id']}/bao-cao.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert "Last read (Asia/Ho_Chi_Minh)" in header
    assert any(cell.endswith("(pp. 1–2)") for cell in header)


def test_opds_speaks_the_reading_apps_language(app, member):
    headers = bearer(app, member)
    english = app.test_client().get("/opds", headers={**headers, "Accept-Language": "en"})
    vietnamese = app.test_client().get("/opds", headers=headers)
    assert "<title>Electronic bookshelf</title>" in english.get_data(as_text=True)
    assert "<title>Tủ sách điện tử</title>" in vietnamese.get_data(as_text=True)
