"""GET /sach/<id>/tep: exact bytes, type, attachment name, ranges and conditional requests."""
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from library.catalog.manifest import BookMetadata
from library.catalog.models import EPUB, PDF, Book, BookStatus
from library.demo import write_epub, write_pdf
from library.extensions import db
from library.ingest import import_file
from library.reader.files import download_names
from library.storage import get_store


def import_book(app, path, **metadata) -> int:
    with app.app_context():
        result = import_file(path, metadata=BookMetadata(**metadata) if metadata else None)
        assert result.status == "imported", result.reason
        return result.book_id


@pytest.fixture
def pdf_book(app, tmp_path):
    path = tmp_path / "so-tay.pdf"
    write_pdf(path, "Sổ tay đảng viên", ["Đặng Thị Hương"], 2021,
              ["Trang thứ nhất của sổ tay.", "Trang thứ hai của sổ tay."])
    return SimpleNamespace(id=import_book(app, path), data=path.read_bytes())


@pytest.fixture
def epub_book(app, tmp_path):
    path = tmp_path / "lam-theo-bac.epub"
    write_epub(path, "Làm theo Bác", ["Cao Văn Sơn"], 2022,
               [("Chương một", "Đoạn văn đầu tiên.\nĐoạn văn thứ hai.")])
    return SimpleNamespace(id=import_book(app, path), data=path.read_bytes())


def fetch(client, url, **kwargs):
    """GET, read the body, then close the response as a WSGI server would (the file too)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def disposition_names(header: str) -> tuple[str, str]:
    assert header.startswith("attachment;")
    ascii_part = header.split('filename="', 1)[1].split('"', 1)[0]
    utf8_part = header.split("filename*=UTF-8''", 1)[1].split(";", 1)[0]
    return ascii_part, unquote(utf8_part, encoding="utf-8")


@pytest.mark.parametrize("fixture, media_type, name", [
    ("pdf_book", PDF, ("So tay dang vien.pdf", "Sổ tay đảng viên.pdf")),
    ("epub_book", EPUB, ("Lam theo Bac.epub", "Làm theo Bác.epub")),
])
def test_download_sends_the_stored_bytes_as_an_attachment(request, client, fixture, media_type, name):
    book = request.getfixturevalue(fixture)
    response = fetch(client, f"/sach/{book.id}/tep")
    assert response.status_code == 200
    assert response.data == book.data
    assert response.mimetype == media_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert disposition_names(response.headers["Content-Disposition"]) == name


def test_the_stored_name_never_reaches_the_client(app, client, epub_book):
    with app.app_context():
        stored = db.session.get(Book, epub_book.id).stored_name
    header = fetch(client, f"/sach/{epub_book.id}/tep").headers["Content-Disposition"]
    assert stored.split(".")[0] not in header


def test_range_request_gets_206_and_exactly_those_bytes(client, pdf_book):
    response = fetch(client, f"/sach/{pdf_book.id}/tep", headers={"Range": "bytes=100-1099"})
    assert response.status_code == 206
    assert response.data == pdf_book.data[100:1100]
    assert response.headers["Content-Range"] == f"bytes 100-1099/{len(pdf_book.data)}"
    tail = fetch(client, f"/sach/{pdf_book.id}/tep", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == pdf_book.data[-10:]


def test_conditional_request_gets_304(client, epub_book):
    first = fetch(client, f"/sach/{epub_book.id}/tep")
    again = fetch(client, f"/sach/{epub_book.id}/tep", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_withdrawn_unknown_and_missing_books_are_404(app, client, pdf_book, epub_book):
    with app.app_context():
        db.session.get(Book, pdf_book.id).status = BookStatus.WITHDRAWN
        db.session.commit()
        get_store().path(db.session.get(Book, epub_book.id).stored_name).unlink()
    assert fetch(client, f"/sach/{pdf_book.id}/tep").status_code == 404
    assert fetch(client, f"/sach/{epub_book.id}/tep").status_code == 404
    assert fetch(client, "/sach/9999/tep").status_code == 404


def test_bearer_token_downloads_and_anonymous_does_not(app, anonymous, api_headers, epub_book):
    assert fetch(anonymous, f"/sach/{epub_book.id}/tep", headers=api_headers).data == epub_book.data
    refused = fetch(anonymous, f"/sach/{epub_book.id}/tep")
    assert refused.status_code in (302, 401) and refused.data != epub_book.data
    bad = fetch(anonymous, f"/sach/{epub_book.id}/tep", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_a_hostile_title_gives_a_plain_file_name(app, client, tmp_path):
    path = tmp_path / "x.epub"
    write_epub(path, "Tên", ["A"], 2020, [("Một", "Chữ.")])
    title = '../../etc/passwd "quoted"\r\nX-Injected: 1 <script>đ\u202e'
    book_id = import_book(app, path, title=title)
    response = fetch(client, f"/sach/{book_id}/tep")
    assert response.status_code == 200
    assert "X-Injected" not in response.headers
    ascii_name, utf8_name = disposition_names(response.headers["Content-Disposition"])
    for name in (ascii_name, utf8_name):
        assert "/" not in name and "\\" not in name and '"' not in name
        assert not name.startswith(".") and name.endswith(".epub")
    assert ascii_name.isascii() and "d" in ascii_name
    assert "\u202e" not in utf8_name and "đ" in utf8_name


@pytest.mark.parametrize("title, expected", [
    ("Đường Kách mệnh", ("Duong Kach menh.pdf", "Đường Kách mệnh.pdf")),
    ("...", ("sach-7.pdf", "sach-7.pdf")),
    ("Tư tưởng: 1/2 * ?", ("Tu tuong 1 2.pdf", "Tư tưởng 1 2.pdf")),
    ("Chữ Hán 漢字", ("Chu Han.pdf", "Chữ Hán 漢字.pdf")),
])
def test_download_names(title, expected):
    book = SimpleNamespace(id=7, title=title, media_type=PDF)
    assert download_names(book) == expected


def test_a_very_long_title_is_cut():
    ascii_name, utf8_name = download_names(SimpleNamespace(id=1, title="ả" * 1000, media_type=EPUB))
    assert len(utf8_name) <= 130 and utf8_name.endswith(".epub")
    assert ascii_name == "a" * 120 + ".epub"
