"""The ingest pipeline on real files: what is stored, what is refused, and that refusals leave nothing."""
import unicodedata

import pytest
from sqlalchemy import func, select

from library.catalog.manifest import BookMetadata
from library.catalog.models import Book, IndexStatus, Section
from library.extensions import db
from library.ingest import DUPLICATE, FAILED, IMPORTED, import_file
from library.search import get_index
from tests.books import FILLER, epub_book, pdf_book, scanned_pdf
from tests.conftest import CORPUS


def stored_files(app):
    from pathlib import Path

    root = Path(app.config["BOOKS_DIR"])
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def counts():
    return (db.session.scalar(select(func.count(Book.id))),
            db.session.scalar(select(func.count(Section.id))))


def test_pdf_is_stored_extracted_per_page_and_indexed(app, tmp_path):
    path = pdf_book(tmp_path / "so tay.pdf", [FILLER, "Kiên quyết đấu tranh chống tự diễn biến."])
    with app.app_context():
        result = import_file(path, shelf="chi-bo-dien-tu")
        assert result.status == IMPORTED, result.reason
        book = db.session.get(Book, result.book_id)
        assert book.shelf.slug == "chi-bo-dien-tu"
        assert book.title == "Sổ tay sinh hoạt chi bộ" and book.authors == ["Ban Tổ chức"]
        assert book.year == 2021 and book.page_count == 3
        assert book.language == "vi"  # the PDF does not say; its text does
        assert [s.page for s in book.sections] == [1, 2, 3]
        assert "tự diễn biến" in book.sections[2].text
        assert book.original_filename == "so tay.pdf"
        assert book.stored_name != "so tay.pdf" and book.stored_name.endswith(".pdf")
        assert book.index_status == IndexStatus.INDEXED
        hits = get_index().search_hits("tu dien bien").hits
        assert [(h.book_id, h.page) for h in hits if h.page] == [(book.id, 3)]
    assert (tmp_path / "books" / book.stored_name).read_bytes() == path.read_bytes()


def test_epub_chapters_come_out_nfc_in_spine_order(app, tmp_path):
    nfd = unicodedata.normalize("NFD", "Đảng viên gương mẫu học tập và làm theo Bác.")
    path = epub_book(tmp_path / "b.epub", [("Chương một", FILLER), ("Chương hai", nfd)])
    with app.app_context():
        result = import_file(path, shelf="hoc-tap-lam-theo-bac")
        book = db.session.get(Book, result.book_id)
        assert [(s.position, s.chapter) for s in book.sections] == [(1, "Chương một"), (2, "Chương hai")]
        assert "Đảng viên gương mẫu" in book.sections[1].text
        assert unicodedata.is_normalized("NFC", book.sections[1].text)


def test_same_bytes_twice_is_a_duplicate_naming_the_first(app, tmp_path):
    path = pdf_book(tmp_path / "a.pdf")
    with app.app_context():
        first = import_file(path)
        files_before = stored_files(app)
        again = import_file(path)
        assert again.status == DUPLICATE and again.book_id == first.book_id
        assert "Sổ tay sinh hoạt chi bộ" in again.reason
        assert counts()[0] == 1
    assert stored_files(app) == files_before


def test_same_title_and_authors_imports_with_a_warning(app, tmp_path):
    with app.app_context():
        import_file(pdf_book(tmp_path / "a.pdf", [FILLER]))
        second = import_file(pdf_book(tmp_path / "b.pdf", [FILLER, FILLER, FILLER]))
        assert second.status == IMPORTED
        assert any("cùng tên và tác giả" in w for w in second.warnings)


def test_pdf_without_text_layer_imports_as_not_searchable(app, tmp_path):
    with app.app_context():
        result = import_file(scanned_pdf(tmp_path / "scan.pdf"))
        assert result.status == IMPORTED
        assert db.session.get(Book, result.book_id).searchable is False
        assert any("Không tìm kiếm được" in w for w in result.warnings)


def test_manifest_metadata_overrides_the_file(app, tmp_path):
    metadata = BookMetadata(title="Tên do thủ thư đặt", authors=["Nguyễn Văn A", "Trần Thị B"],
                            shelf="hoc-tap-lam-theo-bac", year=2019, publisher="NXB Chính trị")
    with app.app_context():
        result = import_file(pdf_book(tmp_path / "a.pdf"), shelf="chi-bo-dien-tu", metadata=metadata)
        book = db.session.get(Book, result.book_id)
        assert (book.title, book.authors, book.shelf.slug, book.year, book.publisher) == (
            "Tên do thủ thư đặt", ["Nguyễn Văn A", "Trần Thị B"], "hoc-tap-lam-theo-bac", 2019,
            "NXB Chính trị")


@pytest.mark.parametrize("name, content, reason", [
    ("not-a-book.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "tệp ảnh, không phải PDF/EPUB"),
    ("notes.pdf", b"Ghi ch\xc3\xba " * 40, "Không phải tệp PDF hoặc EPUB"),
    ("cut.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "hỏng"),
    ("empty.epub", b"", "rỗng"),
])
def test_a_refused_file_leaves_nothing_behind(app, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with app.app_context():
        result = import_file(path)
        assert result.status == FAILED and reason in result.reason
        assert counts() == (0, 0)
        assert get_index().doc_count() == 0
    assert stored_files(app) == []


def test_password_protected_pdf_is_refused_with_that_reason(app):
    path = CORPUS / "bad/pdf-encrypted/libreoffice-writer-password.pdf"
    if not path.exists():
        pytest.skip(f"test corpus not found at {CORPUS} (set LIBRARY_CORPUS)")
    with app.app_context():
        result = import_file(path)
    assert result.status == FAILED and "mật khẩu" in result.reason
    assert stored_files(app) == []


def test_a_failed_database_commit_removes_the_stored_file(app, tmp_path, monkeypatch):
    path = pdf_book(tmp_path / "a.pdf")
    with app.app_context():
        def broken_commit():
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(db.session, "commit", broken_commit)
        result = import_file(path)
        monkeypatch.undo()
        assert result.status == FAILED and result.reason == "Hết dung lượng lưu trữ"
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_extraction_past_its_time_limit_fails_with_that_reason(app, tmp_path):
    app.config["EXTRACT_TIMEOUT_SECONDS"] = 0.001
    with app.app_context():
        result = import_file(pdf_book(tmp_path / "a.pdf"))
    assert result.status == FAILED and "thời gian" in result.reason
    assert stored_files(app) == []


def test_an_index_failure_keeps_the_book_readable_and_marks_it(app, tmp_path, monkeypatch):
    with app.app_context():
        def broken(docs):
            raise RuntimeError("disk trouble")

        monkeypatch.setattr(get_index(), "index_books", broken)
        result = import_file(pdf_book(tmp_path / "a.pdf"))
        assert result.status == IMPORTED
        assert db.session.get(Book, result.book_id).index_status == IndexStatus.FAILED
        assert any("index rebuild" in w for w in result.warnings)


def test_a_batch_parses_two_at_a_time_and_reports_in_order(app, tmp_path):
    from library.ingest import ImportJob, import_files

    first = pdf_book(tmp_path / "a.pdf")
    twin = tmp_path / "c.pdf"
    twin.write_bytes(first.read_bytes())
    (tmp_path / "d.pdf").write_bytes(b"%PDF-1.4 broken")
    paths = [first, epub_book(tmp_path / "b.epub"), twin, tmp_path / "d.pdf"]
    with app.app_context():
        results = list(import_files([ImportJob(p) for p in paths], workers=2))
        assert [(r.filename, r.status) for r in results] == [
            ("a.pdf", IMPORTED), ("b.epub", IMPORTED), ("c.pdf", DUPLICATE), ("d.pdf", FAILED)]
        assert counts()[0] == 2
        assert {b.index_status for b in db.session.scalars(select(Book))} == {IndexStatus.PENDING}
        assert app.extensions["indexer"].drain() == 2
        assert get_index().indexed_book_ids() == {results[0].book_id, results[1].book_id}


def ole_file(stream: str) -> bytes:
    """A minimal compound file (the container of .doc/.xls/.ppt 97–2003) with one empty stream."""
    import struct

    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = struct.pack("<II", 0xFFFFFFFD, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free, free, child)
                + b"\0" * 36 + struct.pack("<IQ", end, 0))

    directory = entry("Root Entry", 5, 1) + entry(stream, 2, free) + b"\0" * 256
    return header + fat + directory


def office_zip(parts: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("content, says", [
    (lambda: office_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}),
     "tài liệu Word, không phải PDF/EPUB"),
    (lambda: ole_file("WordDocument"), "tài liệu Word, không phải PDF/EPUB"),
    (lambda: ole_file("Workbook"), "bảng tính Excel"),
    (lambda: office_zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}),
     "OpenDocument"),
    (lambda: office_zip({"readme.txt": "xin chào"}), "Tệp nén ZIP nhưng không phải EPUB"),
])
def test_an_office_file_renamed_pdf_is_named_for_what_it_is(tmp_path, content, says):
    from library.extraction import UnsupportedFile, sniff

    path = tmp_path / "nghi-quyet.pdf"
    path.write_bytes(content())
    with pytest.raises(UnsupportedFile, match=says):
        sniff(path)


def test_a_real_excel_workbook_renamed_pdf_is_refused_as_excel(tmp_path):
    from openpyxl import Workbook

    from library.extraction import UnsupportedFile, sniff

    book = Workbook()
    book.active["A1"] = "Danh sách đảng viên"
    book.save(tmp_path / "danh-sach.pdf")
    with pytest.raises(UnsupportedFile, match="bảng tính Excel"):
        sniff(tmp_path / "danh-sach.pdf")
