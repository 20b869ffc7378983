"""The reader's tail: a PDF with a flat page tree gets, at import, an incremental update that
balances the tree; /doc/<id>/tep-doc serves original + tail in ranges; the download, the
reconciler, backups, deletion and replacement all know the tail."""
import json
import shutil
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from library.catalog.models import Book
from library.catalog.service import delete_book
from library.extensions import db
from library.extraction.page_tree import FAN_OUT, balanced_tail
from library.ingest import import_file, replace_book_file
from tests.books import pdf_book
from tests.conftest import another_app

PAGES = 600


@pytest.fixture(scope="module")
def flat_pdf(tmp_path_factory) -> Path:
    """600 pages from the demo typesetter (fpdf2): one /Pages node with 600 kids."""
    path = tmp_path_factory.mktemp("flat") / "tuyen-tap.pdf"
    pdf_book(path, [f"Trang {n}: chi bộ sinh hoạt, đảng viên học tập nghị quyết số {n}."
                    for n in range(2, PAGES + 1)], title="Tuyển tập sáu trăm trang")
    assert len(pypdf.PdfReader(path).trailer["/Root"]["/Pages"]["/Kids"]) == PAGES
    return path


def imported(app, path) -> Book:
    with app.app_context():
        result = import_file(path, index_now=False)
        assert result.status == "imported", result.reason
        book = db.session.get(Book, result.book_id)
        db.session.expunge(book)
        return book


def fetch(client, url, **kwargs):
    """A GET read to its end and closed (the file behind it too)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def books_dir(app) -> Path:
    return Path(app.config["BOOKS_DIR"])


def joined_bytes(app, book: Book) -> bytes:
    data = (books_dir(app) / book.stored_name).read_bytes()
    return data + ((books_dir(app) / book.reader_tail_name).read_bytes() if book.reader_tail_name else b"")


def texts(doc) -> list[str]:
    out = []
    for page in doc:
        textpage = page.get_textpage()
        out.append(textpage.get_text_bounded())
        textpage.close()
    return out


def tree_shape(reader: pypdf.PdfReader) -> tuple[int, int]:
    """(most kids of any node, depth), checking /Count and /Parent on the way."""
    widest, deepest = 0, 0
    stack = [(reader.trailer["/Root"].raw_get("/Pages"), None, 0)]
    while stack:
        ref, parent, depth = stack.pop()
        node = ref.get_object()
        if parent is not None:
            assert node.raw_get("/Parent").idnum == parent.idnum
        if node["/Type"] == "/Page":
            deepest = max(deepest, depth)
            continue
        kids = node["/Kids"]
        widest = max(widest, len(kids))
        counts = [k.get_object().get("/Count", 1) for k in kids]
        assert node["/Count"] == sum(counts)
        stack.extend((kid, ref, depth + 1) for kid in kids)
    return widest, deepest


def test_a_flat_600_page_pdf_imports_with_a_balanced_tail(app, flat_pdf, tmp_path):
    book = imported(app, flat_pdf)
    assert book.reader_tail_name and book.reader_tail_name.startswith("reader/")
    original = flat_pdf.read_bytes()
    assert (books_dir(app) / book.stored_name).read_bytes() == original  # the original untouched
    joined = joined_bytes(app, book)
    assert joined.startswith(original) and len(joined) - len(original) < len(original) / 2
    (tmp_path / "joined.pdf").write_bytes(joined)

    before, after = pypdf.PdfReader(flat_pdf), pypdf.PdfReader(tmp_path / "joined.pdf")
    assert len(after.pages) == len(before.pages) == PAGES
    widest, depth = tree_shape(after)
    assert widest <= FAN_OUT and depth <= 4
    for n in [0, 1, 17, 255, 299, 598, 599]:
        assert after.pages[n].extract_text() == before.pages[n].extract_text()
        assert after.pages[n].mediabox == before.pages[n].mediabox  # inherited from the root still
    one, two = pdfium.PdfDocument(original), pdfium.PdfDocument(joined)
    try:
        assert len(two) == len(one) == PAGES
        assert texts(two) == texts(one)
        assert "Trang 600:" in texts(two)[-1]
    finally:
        one.close()
        two.close()


def test_small_and_balanced_pdfs_get_no_tail(app, flat_pdf, tmp_path):
    small = imported(app, pdf_book(tmp_path / "nho.pdf"))
    assert small.reader_tail_name is None
    # The flat book with its tail appended is balanced already: nothing more to do.
    balanced = tmp_path / "can-bang.pdf"
    balanced.write_bytes(flat_pdf.read_bytes() + balanced_tail(flat_pdf))
    assert balanced_tail(balanced) is None
    assert imported(app, balanced).reader_tail_name is None
    assert not (books_dir(app) / "reader").exists() or not any((books_dir(app) / "reader").iterdir())


def test_encrypted_and_broken_pdfs_import_as_before(app, flat_pdf, tmp_path):
    writer = pypdf.PdfWriter(clone_from=flat_pdf)
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="RC4-128")
    locked = tmp_path / "khoa.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    assert balanced_tail(locked) is None
    book = imported(app, locked)
    assert book.reader_tail_name is None and book.page_count == PAGES

    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 500)
    assert balanced_tail(broken) is None
    with app.app_context():
        result = import_file(broken, index_now=False)
    assert result.status == "failed" and result.reason


def test_the_reader_route_serves_original_then_tail_in_ranges(app, client, flat_pdf):
    book = imported(app, flat_pdf)
    joined, size = joined_bytes(app, book), len(flat_pdf.read_bytes())
    url = f"/doc/{book.id}/tep-doc"

    whole = fetch(client, url)
    assert whole.status_code == 200 and whole.data == joined
    assert whole.headers["Content-Type"] == "application/pdf"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert int(whole.headers["Content-Length"]) == len(joined)  # pdf.js needs it for ranges
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in whole.headers.get("Content-Disposition", "")
    assert "private" in whole.headers["Cache-Control"]
    assert whole.headers["ETag"] and whole.headers["Last-Modified"]

    for start, end in [(0, 1023), (size - 100, size + 99), (size - 1, size), (size, size + 10),
                       (len(joined) - 64, len(joined) - 1)]:
        part = fetch(client, url, headers={"Range": f"bytes={start}-{end}"})
        assert part.status_code == 206, (start, end)
        assert part.data == joined[start:end + 1]
        assert part.headers["Content-Range"] == f"bytes {start}-{end}/{len(joined)}"
    across = fetch(client, url, headers={"Range": f"bytes={size - 70000}-{size + 70000}"})
    assert across.data == joined[size - 70000:size + 70001]
    suffix = fetch(client, url, headers={"Range": "bytes=-500"})
    assert suffix.status_code == 206 and suffix.data == joined[-500:]
    beyond = fetch(client, url, headers={"Range": f"bytes={len(joined)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(joined)}"
    again = fetch(client, url, headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304

    # The download stays the original file, byte for byte.
    download = fetch(client, f"/sach/{book.id}/tep")
    assert download.data == flat_pdf.read_bytes()
    # The reader page points pdf.js at the joined file, with a version that allows caching.
    page = client.get(f"/doc/{book.id}").text
    assert f'/doc/{book.id}/tep-doc?v=' in page


def test_without_a_tail_the_reader_route_serves_the_original(app, client, anonymous, tmp_path):
    path = pdf_book(tmp_path / "nho.pdf")
    book = imported(app, path)
    answer = fetch(client, f"/doc/{book.id}/tep-doc")
    assert answer.status_code == 200 and answer.data == path.read_bytes()
    assert fetch(client, f"/doc/{book.id}/tep-doc", headers={"Range": "bytes=10-19"}).data == path.read_bytes()[10:20]
    assert fetch(anonymous, f"/doc/{book.id}/tep-doc").status_code in (302, 401, 404)
    assert fetch(client, "/doc/99999/tep-doc").status_code == 404


def test_delete_and_replace_remove_the_tail(app, flat_pdf, tmp_path):
    first = imported(app, flat_pdf)
    tail = books_dir(app) / first.reader_tail_name
    assert tail.is_file()
    with app.app_context():
        result = replace_book_file(first.id, pdf_book(tmp_path / "moi.pdf"))
        assert result.status == "imported", result.reason
        assert db.session.get(Book, first.id).reader_tail_name is None
    assert not tail.exists()

    copy = tmp_path / "ban-sao.pdf"
    copy.write_bytes(flat_pdf.read_bytes() + b"\n% ban sao\n")
    second = imported(app, copy)
    tail = books_dir(app) / second.reader_tail_name
    with app.app_context():
        delete_book(db.session.get(Book, second.id))
    assert not tail.exists()


def test_the_reconciler_keeps_tails_and_backups_carry_them(app, flat_pdf, tmp_path, new_database):
    book = imported(app, flat_pdf)
    runner = app.test_cli_runner()
    check = runner.invoke(args=["index", "check", "--grace", "0", "--repair"])
    assert "reader/" not in check.output, check.output
    assert (books_dir(app) / book.reader_tail_name).is_file()
    # A file in reader/ that no book names is an orphan like any other.
    stray = books_dir(app) / "reader" / ("0" * 32 + ".pdf")
    stray.write_bytes(b"%PDF-1.7 stray")
    moved = runner.invoke(args=["index", "check", "--grace", "0", "--repair"])
    assert not stray.exists(), moved.output

    done = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert book.reader_tail_name in manifest["files"] and not manifest["missing"]
    root = tmp_path / "restored"
    restored = another_app(app, SQLALCHEMY_DATABASE_URI=new_database(),
                           BOOKS_DIR=str(root / "books"), INDEX_DIR=str(root / "index"))
    done = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup"), "--no-index"])
    assert done.exit_code == 0, done.output
    with restored.app_context():
        again = db.session.scalars(select(Book)).one()
        assert again.reader_tail_name == book.reader_tail_name
    assert (root / "books" / book.reader_tail_name).read_bytes() == \
        (books_dir(app) / book.reader_tail_name).read_bytes()
    shutil.rmtree(root)


def test_no_tail_for_a_file_pypdf_must_repair_or_when_time_is_short(flat_pdf, tmp_path):
    from library.extraction import worker
    from library.extraction.types import ExtractedBook

    # startxref points nowhere: readers rebuild the xref, and a tail would build on guesses.
    lost = tmp_path / "mat-xref.pdf"
    data = flat_pdf.read_bytes()
    lost.write_bytes(data[:data.rindex(b"startxref")] + b"startxref\n123\n%%EOF\n")
    assert len(pypdf.PdfReader(lost, strict=False).pages) == PAGES
    assert balanced_tail(lost) is None
    pdf = ExtractedBook(media_type="application/pdf")
    assert worker._reader_tail(str(flat_pdf), pdf, lambda: 1.5) is None  # under 1 s left for it
    assert worker._reader_tail(str(flat_pdf), pdf, lambda: 60.0)
    assert worker._reader_tail(str(flat_pdf), ExtractedBook(media_type="application/epub+zip"),
                               lambda: 60.0) is None
