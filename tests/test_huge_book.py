"""A huge book must not slow everyone: pages per book are bounded (configurable, refused
beyond with the reason), and the book page and the API give long contents a slice at a time."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest

from library import config as library_config
from library.catalog.models import Book
from library.extensions import db
from library.ingest import import_file
from tests.books import epub_book
from tests.pdf_files import write_objects
from tests.test_upload import book_count, librarian_api, stored_files  # noqa: F401


def shared_stream_pdf(path: Path, pages: int, text: str = "Trang sách") -> Path:
    """Many pages drawing one shared content stream: a few bytes a page, as in the attack
    (16 MB for 100,000 pages); the page tree is flat."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        None,  # the page tree, once the kids are known
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    first_page = len(objects) + 1
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    objects[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R " \
           b"/Resources << /Font << /F1 4 0 R >> >> >>"
    return write_objects(path, objects + [page] * pages)


def test_a_100000_page_pdf_is_refused_at_once_with_the_reason(app, anonymous, librarian_api, tmp_path):  # noqa: F811
    huge = shared_stream_pdf(tmp_path / "sach-khong-lo.pdf", 100_000)
    assert huge.stat().st_size < 16_000_000
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # Encoded in memory: werkzeug's test client would spool this body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(huge.read_bytes()), huge.name)})
    started = time.monotonic()
    response = anonymous.post("/api/books", data=body, headers=librarian_api,
                              content_type=f"multipart/form-data; boundary={boundary}")
    elapsed = time.monotonic() - started
    assert response.status_code == 422, response.json
    assert "Sách có 100.000 trang, vượt giới hạn 5.000 trang mỗi sách" in response.json["error"]
    assert book_count(app) == 0 and not [f for f in stored_files(app) if not f.startswith("staging")]
    print(f"refused in {elapsed:.1f} s")  # the attack's request took 37 s to be accepted


def test_the_limit_is_configurable_and_applies_to_epub_chapters(app, tmp_path, monkeypatch):
    app.config["MAX_BOOK_PAGES"] = 3
    with app.app_context():
        pdf = import_file(shared_stream_pdf(tmp_path / "bon-trang.pdf", 4))
        assert pdf.status == "failed" and "Sách có 4 trang, vượt giới hạn 3 trang" in pdf.reason
        assert import_file(shared_stream_pdf(tmp_path / "ba-trang.pdf", 3)).status == "imported"
        epub = import_file(epub_book(tmp_path / "bon-chuong.epub",
                                     [(f"Chương {n}", "Nội dung.") for n in range(1, 5)]))
        assert epub.status == "failed" and "Sách có 4 chương, vượt giới hạn 3 chương" in epub.reason
    monkeypatch.setenv("LIBRARY_MAX_BOOK_PAGES", "1200")
    assert library_config.from_environment(tmp_path)["MAX_BOOK_PAGES"] == 1200
    monkeypatch.setenv("LIBRARY_MAX_BOOK_PAGES", "nhiều")  # a bad value keeps the default
    assert "MAX_BOOK_PAGES" not in library_config.from_environment(tmp_path)


@pytest.fixture
def long_book(app, tmp_path):
    """A 2,300-page PDF (under the limit), not indexed: only its pages matter here."""
    with app.app_context():
        result = import_file(shared_stream_pdf(tmp_path / "dai.pdf", 2_300), index_now=False)
        assert result.status == "imported", result.reason
        return result.book_id


def test_the_book_page_of_a_long_pdf_shows_its_pages_a_slice_at_a_time(client, long_book):
    first = client.get(f"/sach/{long_book}")
    assert first.status_code == 200
    links = re.findall(rf'href="/doc/{long_book}\?p=(\d+)"', first.text)
    assert links[:2] == ["1", "2"] and "200" in links and "201" not in links
    assert len(first.data) < 80_000  # the attack's page was 3.5 MB
    assert "1 / 12" in first.text and f'href="/sach/{long_book}?page=2"' in first.text
    last = client.get(f"/sach/{long_book}?page=12")
    pages = re.findall(rf'href="/doc/{long_book}\?p=(\d+)"', last.text)
    assert "2201" in pages and "2300" in pages and "2200" not in pages
    assert client.get(f"/sach/{long_book}?page=999").status_code == 200  # clamped to the last


def test_a_long_outline_is_paged_on_the_book_page_and_in_the_api(app, client, api_headers, long_book):
    with app.app_context():
        book = db.session.get(Book, long_book)
        book.toc = [{"title": f"Mục {n}", "level": 1, "position": n} for n in range(1, 2_501)]
        db.session.commit()
    page = client.get(f"/sach/{long_book}?page=13").text
    assert "Mục 2401" in page and "Mục 2500" in page and "Mục 2400<" not in page
    api = client.get(f"/api/books/{long_book}", headers=api_headers).get_json()
    assert (len(api["sections"]), api["sections_total"], api["sections_page"]) == (1000, 2300, 1)
    assert (len(api["toc"]), api["toc_total"], api["per_page"]) == (1000, 2500, 1000)
    rest = client.get(f"/api/books/{long_book}?sections_page=3&toc_page=3", headers=api_headers).get_json()
    assert [s["position"] for s in rest["sections"]][:1] == [2001] and len(rest["sections"]) == 300
    assert rest["toc"][-1]["title"] == "Mục 2500" and rest["toc_page"] == 3


def test_a_book_of_ordinary_length_keeps_its_whole_lists(app, client, api_headers, tmp_path):
    with app.app_context():
        book_id = import_file(shared_stream_pdf(tmp_path / "ngan.pdf", 40), index_now=False).book_id
    api = client.get(f"/api/books/{book_id}", headers=api_headers).get_json()
    assert len(api["sections"]) == api["sections_total"] == 40
    page = client.get(f"/sach/{book_id}").text
    assert 'class="pagination"' not in page and f'href="/doc/{book_id}?p=40"' in page
