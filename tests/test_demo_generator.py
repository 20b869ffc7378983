"""The demo-library generator: Vietnamese prose, PDFs and EPUBs that read back, a reproducible plan."""
import collections
import hashlib
import random
import re
import unicodedata
import zipfile

import ebooklib
import pypdfium2 as pdfium
import pytest
from ebooklib import epub

from library.catalog.manifest import read_manifest
from library.demo import catalog, epubbook, pdfbook, text
from library.vietnamese import fold

SHELF_SLUGS = {"bao-ve-nen-tang-tu-tuong", "hoc-tap-lam-theo-bac", "chi-bo-dien-tu"}


def pdf_pages_text(path):
    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


def words(value):
    return value.split()


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_prose_is_nfc_vietnamese_and_reproducible():
    first = text.book_pages(random.Random(7), 40, theme="tu-tuong")
    assert first == text.book_pages(random.Random(7), 40, theme="tu-tuong")
    assert first != text.book_pages(random.Random(8), 40, theme="tu-tuong")
    joined = "\n".join(first)
    assert unicodedata.is_normalized("NFC", joined)
    assert all(1750 <= len(page) <= 2200 for page in first)
    syllables = set(re.findall(r"[^\W\d_]+", joined.lower()))
    assert len(syllables) > 400
    assert {"đảng", "viên", "tư", "tưởng", "nghị", "quyết"} <= syllables


def test_prose_has_words_that_differ_only_in_diacritics():
    joined = " ".join(text.book_pages(random.Random(3), 120)).lower()
    syllables = set(re.findall(r"[^\W\d_]+", joined))
    for group in (("sách", "sạch"), ("dân", "dẫn"), ("đảng", "đang", "dạng"), ("tự", "từ"),
                  ("quan", "quán", "quản", "quần")):
        assert set(group) <= syllables, group
        assert len({fold(s) for s in group}) == 1
    assert "tự diễn biến" in joined and "từ điển" in joined


def test_new_style_tones_moves_the_mark_only_where_it_belongs():
    assert text.new_style_tones("chuyển hóa, thủy, khỏe, quý, toàn, hoặc") == "chuyển hoá, thuỷ, khoẻ, quý, toàn, hoặc"


def test_pdf_text_extracts_back_as_the_same_nfc_words(tmp_path):
    pages, outline = text.outlined_pages(random.Random(11), 6, theme="chi-bo", chapter_every=(2, 3))
    path = tmp_path / "so-tay.pdf"
    count = pdfbook.write_pdf(path, "Sổ tay đảng viên", ["Đặng Thị Hương", "Ban Tổ chức"], 2021,
                              pages, outline, subject="Chi bộ điện tử")
    assert count == len(pages) + 1
    extracted = pdf_pages_text(path)
    assert len(extracted) == count
    assert "Sổ tay đảng viên" in extracted[0]
    for page, got in zip(pages, extracted[1:]):
        assert unicodedata.is_normalized("NFC", got)
        assert words(got)[: len(words(page))] == words(page)
    doc = pdfium.PdfDocument(str(path))
    try:
        meta = doc.get_metadata_dict()
        toc = [(item.get_title(), item.get_dest().get_index()) for item in doc.get_toc()]
    finally:
        doc.close()
    assert meta["Title"] == "Sổ tay đảng viên"
    assert meta["Author"] == "Đặng Thị Hương; Ban Tổ chức"
    assert meta["Subject"] == "Chi bộ điện tử"
    assert meta["CreationDate"].startswith("D:2021")
    # outline entries point at pages[n - 1], which is PDF page n + 1 (0-based index n)
    assert toc == [(title, number) for title, number in outline]


def test_long_page_text_shrinks_instead_of_spilling_onto_another_page(tmp_path):
    page = " ".join(text.sentence(random.Random(n)) for n in range(30))
    path = tmp_path / "dai.pdf"
    assert pdfbook.write_pdf(path, "Trang dài", ["A"], 2020, [page]) == 2
    assert words(pdf_pages_text(path)[1])[: len(words(page))] == words(page)


def test_image_only_pdf_has_no_extractable_text(tmp_path):
    path = tmp_path / "ban-chup.pdf"
    pages = text.book_pages(random.Random(2), 2)
    assert pdfbook.write_scanned_pdf(path, "Biên bản – bản chụp", ["Văn phòng"], 2016, pages) == 3
    assert all(not page.strip() for page in pdf_pages_text(path))


def test_missing_font_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(pdfbook, "FONT_DIRS", ())
    monkeypatch.delenv("LIBRARY_DEMO_FONT_DIR", raising=False)
    with pytest.raises(pdfbook.FontMissing, match="fonts-dejavu-core"):
        pdfbook.find_font()


def test_epub_opens_with_ebooklib_and_lists_the_chapters(tmp_path):
    chapters = text.chapters_for_pages(random.Random(5), 12, theme="bac", chapter_pages=(2, 3))
    cover = epubbook.render_cover("Làm theo Bác", ["Cao Văn Sơn"], 2022)
    path = tmp_path / "lam-theo-bac.epub"
    epubbook.write_epub(path, "Làm theo Bác", ["Cao Văn Sơn", "Tạ Thu Trang"], 2022, chapters,
                        cover_png=cover, publisher="Tủ sách mẫu")
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == b"application/epub+zip"
        assert "OEBPS/toc.ncx" in archive.namelist()
        assert archive.read("OEBPS/cover.png").startswith(b"\x89PNG")
    book = epub.read_epub(str(path))
    assert book.title == "Làm theo Bác"
    assert [a for a, _ in book.get_metadata("DC", "creator")] == ["Cao Văn Sơn", "Tạ Thu Trang"]
    assert [link.title for link in book.toc] == [title for title, _ in chapters]
    nav = next(i for i in book.get_items() if isinstance(i, epub.EpubNav)).get_content().decode()
    assert all(title in nav for title, _ in chapters)
    documents = {i.get_name(): i.get_content().decode() for i in book.get_items_of_type(ebooklib.ITEM_DOCUMENT)}
    first_paragraph = chapters[0][1].split("\n")[0]
    assert first_paragraph in documents["chapter-001.xhtml"]


def test_catalog_fills_three_shelves_with_mixed_formats():
    by_shelf = collections.defaultdict(collections.Counter)
    for book in catalog.DEMO_BOOKS:
        by_shelf[book.shelf][book.kind] += 1
        assert 2015 <= book.year <= 2025
        assert unicodedata.is_normalized("NFC", book.title)
    assert set(by_shelf) == SHELF_SLUGS
    for kinds in by_shelf.values():
        assert sum(kinds.values()) >= 12
        assert kinds["epub"] and kinds["pdf"]
    total = collections.Counter(book.kind for book in catalog.DEMO_BOOKS)
    assert 0.55 <= (total["pdf"] + total["scan"]) / sum(total.values()) <= 0.8
    assert total["scan"] == 1
    assert len({book.slug for book in catalog.DEMO_BOOKS}) == len(catalog.DEMO_BOOKS)
    assert len({book.title for book in catalog.DEMO_BOOKS}) == len(catalog.DEMO_BOOKS)


def sample_books():
    """One book of each kind, small enough for a quick test."""
    kinds = {}
    for book in catalog.DEMO_BOOKS:
        kinds.setdefault(book.kind, book)
    return list(kinds.values())


def test_demo_files_are_byte_for_byte_reproducible(tmp_path):
    first = catalog.build_demo_files(tmp_path / "a", sample_books())
    second = catalog.build_demo_files(tmp_path / "b", sample_books())
    assert [f.path.name for f in first] == [f.path.name for f in second]
    assert [sha256(f.path) for f in first] == [sha256(f.path) for f in second]
    scan = next(f for f in first if not f.searchable)
    assert all(not page.strip() for page in pdf_pages_text(scan.path))
    searchable = next(f for f in first if f.media_type == "application/pdf" and f.searchable)
    assert "đảng" in " ".join(pdf_pages_text(searchable.path)).lower()


def test_manifest_sheet_reads_back(tmp_path):
    files = catalog.build_demo_files(tmp_path / "books", sample_books())
    sheet = catalog.write_manifest_csv(files, tmp_path / "books" / "manifest.csv")
    assert sheet.read_text(encoding="utf-8").splitlines()[0] == "file,title,authors,shelf,year,publisher,description"
    rows = read_manifest(sheet)
    for f in files:
        row = rows[f.path.name]
        assert (row.title, row.authors, row.shelf, row.year) == (f.title, f.authors, f.shelf, f.year)
        assert row.publisher == f.publisher and row.description == f.description


@pytest.mark.slow
def test_whole_demo_library_builds(tmp_path):
    files = catalog.build_demo_files(tmp_path)
    assert len(files) == len(catalog.DEMO_BOOKS)
    assert all(f.path.is_file() and f.path.stat().st_size > 0 for f in files)
    assert {f.shelf for f in files} == SHELF_SLUGS
