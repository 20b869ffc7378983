"""The reader pages through the test client: the right reader for the format, pdf.js served
by the app (or text mode with a note when it is missing), ranges for pdf.js, the text
mode, a position restored, bookmarks shown, "Tiếp tục đọc" on the home page."""
import re
from types import SimpleNamespace

import pytest

from library.extensions import db
from library.ingest import import_file
from library.reader import progress
from library.reader.vendor import DEFAULT_DIR, pdfjs_version
from tests.books import epub_book, pdf_book


def imported(app, path) -> int:
    with app.app_context():
        result = import_file(path)
        assert result.status == "imported", result.reason
        return result.book_id


@pytest.fixture
def books(app, tmp_path):
    pages = [f"Trang {n} nói về đảng viên và chi bộ." for n in range(2, 7)]  # 6 pages with the title page
    pdf_path = pdf_book(tmp_path / "a.pdf", pages, title="Sổ tay đảng viên")
    return SimpleNamespace(
        pdf=imported(app, pdf_path), pdf_bytes=pdf_path.read_bytes(),
        epub=imported(app, epub_book(tmp_path / "b.epub", [("Mở đầu", "Một."), ("Tiếp", "Hai."), ("Kết", "Ba.")],
                                     title="Làm theo Bác")),
    )


@pytest.fixture
def no_pdfjs(app, tmp_path):
    app.config["PDFJS_DIR"] = str(tmp_path / "khong-co")


def user_id(app, username="member1"):
    with app.app_context():
        from library.auth.accounts import find_user

        return find_user(username).id


needs_pdfjs = pytest.mark.skipif(not (DEFAULT_DIR / "build").is_dir(),
                                 reason="pdf.js is not installed (bin/setup runs npm ci)")


@needs_pdfjs
def test_a_pdf_opens_in_the_pdf_reader_at_the_page_asked(app, client, books):
    page = client.get(f"/doc/{books.pdf}?p=4&q=dang+vien").text
    with app.test_request_context():
        version = pdfjs_version()
    assert f'data-pdfjs-url="/doc/pdfjs/{version}/build/pdf.min.mjs"' in page
    assert f'data-file-url="/doc/{books.pdf}/tep-doc?v=' in page  # the reader's view of the file
    assert 'data-position="4"' in page and 'data-query="dang vien"' in page
    assert '<script type="module" src="/static/reader/pdf-reader.js">' in page
    # The page's text is there too: for screen readers, and if pdf.js cannot start.
    assert "Trang 4 / 6" in page and "<mark>đảng viên</mark>" in page
    assert f"/doc/{books.pdf}/van-ban?p=4&amp;q=dang+vien" in page  # text mode, same place
    assert f'href="/sach/{books.pdf}/tep" download' in page
    assert "chưa được cài đặt" not in page


def test_without_pdfjs_the_pdf_reader_is_the_text_with_a_note(client, books, no_pdfjs):
    page = client.get(f"/doc/{books.pdf}?p=3&q=chi+bo").text
    assert "Trình đọc PDF chưa được cài đặt" in page
    note = re.search(r"<p[^>]*data-fallback-note[^>]*>", page).group(0)
    assert "hidden" not in note
    assert "pdf-reader.js" not in page and "data-pdfjs-url" not in page
    assert "Trang 3 / 6" in page and "<mark>chi bộ</mark>" in page


@needs_pdfjs
def test_pdfjs_files_are_served_by_the_app(app, anonymous):
    with app.test_request_context():
        version = pdfjs_version()
    base = f"/doc/pdfjs/{version}"
    with anonymous.get(f"{base}/build/pdf.min.mjs") as module:
        assert module.status_code == 200 and module.headers["Content-Type"].startswith("text/javascript")
        assert "immutable" in module.headers["Cache-Control"]
    with anonymous.get(f"{base}/build/pdf.worker.min.mjs") as worker:
        assert worker.status_code == 200
        assert "'wasm-unsafe-eval'" in worker.headers["Content-Security-Policy"]
    with anonymous.get(f"{base}/cmaps/UniGB-UCS2-H.bcmap") as cmap:
        assert cmap.status_code == 200
    for path in ("build/pdf.mjs.map", "package.json", "web/pdf_viewer.mjs", "build/../package.json",
                 "cmaps/../../package.json", "build/pdf.sandbox.min.mjs"):
        with anonymous.get(f"{base}/{path}") as refused:
            assert refused.status_code == 404, path
    with anonymous.get("/doc/pdfjs/0.0.1/build/pdf.min.mjs") as old:
        assert old.status_code == 404


def test_the_file_answers_ranges_as_pdfjs_needs(client, books):
    with client.get(f"/sach/{books.pdf}/tep") as whole:
        whole.get_data()
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert int(whole.headers["Content-Length"]) == len(books.pdf_bytes)
    with client.get(f"/sach/{books.pdf}/tep", headers={"Range": "bytes=1024-2047"}) as part:
        data = part.get_data()
    assert part.status_code == 206 and data == books.pdf_bytes[1024:2048]
    assert part.headers["Content-Range"] == f"bytes 1024-2047/{len(books.pdf_bytes)}"


def test_an_epub_opens_in_the_epub_reader(client, books):
    page = client.get(f"/doc/{books.epub}?p=2&q=hai").text
    assert "<h2 class=\"reader-chapter\" dir=\"auto\">Tiếp</h2>" in page and "Chương 2 / 3" in page
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert 'sandbox="allow-scripts"' in frame
    assert f'src="/doc/{books.epub}/chuong/2?q=hai&amp;t=' in frame
    assert f'/doc/{books.epub}?p=1"' in page and f'/doc/{books.epub}?p=3"' in page  # toc


def test_text_mode_pages_through_the_book(client, books):
    page = client.get(f"/doc/{books.epub}/van-ban?p=2").text
    assert "Hai." in page
    assert f'href="/doc/{books.epub}/van-ban?p=1"' in page and f'href="/doc/{books.epub}/van-ban?p=3"' in page
    out_of_range = client.get(f"/doc/{books.pdf}/van-ban?p=40&q=x")
    assert out_of_range.status_code == 302
    assert out_of_range.headers["Location"] == f"/doc/{books.pdf}/van-ban?p=6&q=x"


def test_the_book_opens_where_the_user_stopped(app, client, books):
    assert 'data-position="1"' in client.get(f"/doc/{books.pdf}").text
    with app.app_context():
        progress.save_position(user_id(app), books.pdf, 5)
        progress.save_position(user_id(app), books.epub, 3, 0.6)
        db.session.commit()
    page = client.get(f"/doc/{books.pdf}").text
    assert 'data-position="5"' in page and "Tiếp tục từ chỗ bạn đọc lần trước" in page
    epub = client.get(f"/doc/{books.epub}").text
    assert 'data-position="3"' in epub and 'data-offset="0.6"' in epub
    # A page asked for explicitly (a search hit, a bookmark) wins over the saved place.
    asked = client.get(f"/doc/{books.pdf}?p=2").text
    assert 'data-position="2"' in asked and "Tiếp tục từ chỗ" not in asked


def test_home_lists_the_books_to_continue(app, client, books):
    assert "Tiếp tục đọc" not in client.get("/").text
    with app.app_context():
        progress.save_position(user_id(app), books.pdf, 5)
        progress.save_position(user_id(app), books.epub, 2, 0.5)
        db.session.commit()
    home = client.get("/").text
    section = home.split("Tiếp tục đọc", 1)[1].split("</section>", 1)[0]
    assert section.index("Làm theo Bác") < section.index("Sổ tay đảng viên")  # newest first
    assert "Trang 5 / 6" in section and "Chương 2 · 50%" in section
    assert f'href="/doc/{books.pdf}"' in section


def test_bookmarks_are_listed_in_the_reader(app, client, books):
    with app.app_context():
        progress.add_bookmark(user_id(app), books.pdf, 3, label="Điều lệ")
        db.session.commit()
    page = client.get(f"/doc/{books.pdf}?p=1").text
    assert re.search(rf'<a href="/doc/{books.pdf}\?p=3">Điều lệ</a>', page)
    assert "data-add-bookmark" in page


def test_book_page_offers_read_text_mode_and_download(client, books):
    page = client.get(f"/sach/{books.pdf}").text
    assert f'href="/doc/{books.pdf}"' in page and f'href="/doc/{books.pdf}/van-ban"' in page
    assert f'href="/sach/{books.pdf}/tep" download' in page


def test_the_reader_speaks_english_too(app, client, books):
    with app.app_context():
        progress.save_position(user_id(app), books.pdf, 2)
        db.session.commit()
    client.set_cookie("lang", "en")
    assert "Continue reading" in client.get("/").text
    page = client.get(f"/doc/{books.epub}?p=1").text
    assert "Bookmark this chapter" in page and "Text mode" in page and "Next chapter" in page
