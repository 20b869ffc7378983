"""Extraction: real corpus files, hostile zips and XML built here, the sandbox's failure paths."""
import io
import os
import shutil
import stat
import struct
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest

from library.extraction import ExtractionError, UnsupportedFile, extract, sniff
from library.extraction import sandbox
from library.extraction.tcvn3 import TCVN3_TABLE, looks_tcvn3, looks_vni, tcvn3_to_unicode
from library.extraction.zipcheck import SafeZip

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "Tệp PDF được bảo vệ bằng mật khẩu"
DRM = "Tệp EPUB được mã hoá (DRM)"
TOO_BIG = "Tệp quá lớn khi giải nén"
BROKEN = "Tệp bị hỏng hoặc không đầy đủ"
ENTITIES = "Tệp EPUB chứa khai báo thực thể XML (entity) không an toàn"


@pytest.fixture(scope="session")
def corpus() -> Path:
    root = Path(os.environ.get("LIBRARY_CORPUS", REPO.parent / "shared" / "corpus"))
    if not (root / "MANIFEST.tsv").exists():
        pytest.skip(f"test corpus not found at {root} (set LIBRARY_CORPUS)")
    return root


def refused(path, **kwargs) -> str:
    with pytest.raises(ExtractionError) as info:
        extract(path, **kwargs)
    reason = info.value.reason
    assert reason and "Traceback" not in reason
    return reason


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


# --- EPUBs built in the tests --------------------------------------------------------------

CONTAINER = ('<?xml version="1.0"?><container version="1.0" '
             'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
             '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             '</rootfiles></container>')
LAUGHS = ('<!DOCTYPE {root} [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
          '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
          '<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>')


def chapter(title: str, body: str, doctype: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>{doctype}<html xmlns="http://www.w3.org/1999/xhtml">'
            f"<head><title>{title}</title></head><body><h1>{title}</h1><p>{body}</p></body></html>")


def package(doctype: str = "", title: str = "Sổ tay đảng viên") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>{doctype}<package xmlns="http://www.idpf.org/2007/opf" '
            'version="2.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:title>{title}</dc:title><dc:identifier id="id">x</dc:identifier></metadata><manifest>'
            '<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>'
            '<spine><itemref idref="c1"/></spine></package>')


def write_zip(path: Path, members) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for name, data in members:
            zf.writestr(name, data)
    return path


def epub(tmp_path: Path, *extra, opf: str | None = None, c1: str | None = None, name="book.epub") -> Path:
    members = [("META-INF/container.xml", CONTAINER), ("OEBPS/content.opf", opf or package()),
               ("OEBPS/c1.xhtml", c1 or chapter("Chương một", "Học tập và làm theo tư tưởng"))]
    return write_zip(tmp_path / name, members + list(extra))


def set_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite a member's uncompressed size in the central directory: a zip that lies."""
    data = bytearray(path.read_bytes())
    start = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)[0]
    while True:
        name_len = struct.unpack_from("<H", data, start + 28)[0]
        name = bytes(data[start + 46:start + 46 + name_len]).decode()
        if name == member:
            struct.pack_into("<I", data, start + 24, size)
            break
        extra, comment = struct.unpack_from("<HH", data, start + 30)
        start += 46 + name_len + extra + comment
    path.write_bytes(bytes(data))


# --- sniffing ------------------------------------------------------------------------------

def test_sniff_reads_content_not_names(tmp_path, corpus):
    assert sniff(corpus / "pdf/pypdf-samples/minimal-document.pdf") == "application/pdf"
    assert sniff(corpus / "epub/epubcheck/ocf-extension-not-lower-case-warning.ePub") == "application/epub+zip"
    late = tmp_path / "late.bin"
    late.write_bytes(b"junk before the header\n%PDF-1.4\n")
    assert sniff(late) == "application/pdf"
    # Sloppy EPUBs: no mimetype entry, but a container.xml.
    assert sniff(corpus / "bad/epub-structure/ocf-mimetype-file-missing-error.epub") == "application/epub+zip"


@pytest.mark.parametrize("name,content", [
    ("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ("ghi-chu.epub", "Nghị quyết Đại hội, bản ghi chép".encode()),
    ("muon.pdf", b"x" * 2000 + b"%PDF-1.4"),
    ("rong.pdf", b""),
])
def test_fake_files_are_unsupported(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedFile):
        sniff(path)
    with pytest.raises(UnsupportedFile):
        extract(path)


def test_zip_that_is_not_an_epub_is_unsupported(tmp_path, corpus):
    path = tmp_path / "tai-lieu.epub"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(UnsupportedFile):
        extract(path)
    with pytest.raises(UnsupportedFile):
        extract(corpus / "bad/epub-structure/ocf-container-not-ocf-error.epub")  # a .docx


# --- PDF -----------------------------------------------------------------------------------

def test_typeset_pdf_gives_one_section_per_page(corpus):
    book = extract(corpus / "pdf/pypdf-samples/GeoTopo-komprimiert.pdf")
    assert book.media_type == "application/pdf"
    assert book.page_count == len(book.sections) == 117
    assert [s.position for s in book.sections] == list(range(1, 118))
    assert all(s.page == s.position and s.chapter is None for s in book.sections)
    assert "1.1 Topologische Räume" in book.sections[5].text  # page 6, where the outline points
    assert (book.title, book.authors, book.year) == ("Geometrie und Topologie", ["Martin Thoma"], 2016)
    assert book.toc[0].title == "1 Topologische Grundbegriffe" and book.toc[0].position == 6
    assert {t.level for t in book.toc} >= {1, 2}
    assert book.cover_ext == "jpg" and book.cover.startswith(b"\xff\xd8\xff")
    assert book.searchable and not book.warnings


def test_vietnamese_pdf_text_is_nfc(corpus):
    book = extract(corpus / "vietnamese/pdf/hcmuit-thesis-2024-12.pdf")
    text = "\n".join(s.text for s in book.sections)
    assert is_nfc(text)
    for word in ("ĐẠI HỌC QUỐC GIA THÀNH PHỐ HỒ CHÍ MINH", "Lời cảm ơn", "khóa luận tốt nghiệp", "Giới thiệu"):
        assert word in text
    assert book.sections[6].text.startswith("Lời cảm ơn")
    assert book.toc[0].title == "Thông tin hội đồng chấm khóa luận tốt nghiệp"
    assert book.toc[0].position == 5
    slides = extract(corpus / "vietnamese/pdf/hcmuit-slides-2024-12.pdf")
    assert slides.title.startswith("Một tiêu đề luận văn bằng tiếng Việt")


def test_encrypted_pdf_with_empty_user_password_opens(corpus, tmp_path):
    book = extract(corpus / "bad/pdf-encrypted/pdfminer-encrypted_doc_no_id.pdf")
    assert book.page_count == 3
    # The same 4-page document, encrypted with an owner password only.
    from pypdf import PdfWriter
    writer = PdfWriter(clone_from=corpus / "pdf/pypdf-samples/pdflatex-4-pages.pdf")
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="RC4-128")
    writer.write(tmp_path / "chi-doc.pdf")
    book = extract(tmp_path / "chi-doc.pdf")
    assert book.page_count == 4 and "without a meaning" in book.sections[0].text


@pytest.mark.parametrize("name", ["libreoffice-writer-password.pdf", "pdfminer-aes-256-r6.pdf",
                                  "pdfminer-rc4-40.pdf"])
def test_pdf_needing_a_password_is_refused(corpus, name):
    assert refused(corpus / "bad/pdf-encrypted" / name) == PASSWORD


def test_image_only_pdf_imports_as_not_searchable(corpus):
    book = extract(corpus / "pdf/pypdf-samples/imagemagick-images.pdf")
    assert book.page_count == 6 and not book.searchable
    assert all(s.text == "" for s in book.sections)
    assert any("không có lớp văn bản" in w for w in book.warnings)


def test_truncated_and_broken_pdfs_are_refused(corpus):
    assert refused(corpus / "bad/derived-truncated/pdflatex-4-pages-trunc90.pdf") == BROKEN


def test_xmp_only_metadata_is_read(corpus):
    book = extract(corpus / "pdf/pypdf-samples/output_with_metadata_pymupdf.pdf")
    assert book.title == "Sample PDF with XMP Metadata" and book.authors == ["John Doe"]


def _latin1_pdf(path: Path, text: str) -> Path:
    """A PDF whose text bytes are exactly `text` in Latin-1, as an old .VnTime document gives."""
    from fpdf import FPDF
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text=text)
    pdf.output(str(path))
    return path


def test_tcvn3_pdf_is_converted(tmp_path):
    tcvn3 = ("§¶ng Céng s¶n ViÖt Nam lu«n trung thµnh víi lîi Ých cña giai cÊp c«ng nh©n. "
             "Chñ tÞch Hå ChÝ Minh ®· d¹y: häc tËp suèt ®êi.")
    book = extract(_latin1_pdf(tmp_path / "tcvn3.pdf", tcvn3))
    assert "Văn bản dùng bảng mã TCVN3, đã chuyển sang Unicode" in book.warnings
    text = " ".join(book.sections[0].text.split())  # the PDF wraps lines where it likes
    assert "Đảng Cộng sản Việt Nam luôn trung thành với lợi ích của giai cấp công nhân" in text
    assert "Hồ Chí Minh đã dạy: học tập suốt đời" in text


def test_vni_pdf_is_flagged_not_converted(tmp_path):
    vni = ("Ñaûng Coäng saûn Vieät Nam luoân trung thaønh vôùi lôïi ích cuûa giai caáp coâng nhaân. "
           "Chuû tòch Hoà Chí Minh ñaõ daïy: hoïc taäp suoát ñôøi, hoïc nöõa, hoïc maõi.")
    book = extract(_latin1_pdf(tmp_path / "vni.pdf", vni))
    assert "Văn bản có thể dùng bảng mã VNI, chưa chuyển được" in book.warnings
    assert "Vieät Nam" in book.sections[0].text


# --- TCVN3 table and detectors --------------------------------------------------------------

@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv not installed")
def test_tcvn3_table_matches_glibc_iconv():
    for byte, char in TCVN3_TABLE.items():
        out = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([byte]),
                             capture_output=True, check=True).stdout.decode()
        assert out == char, hex(byte)


@pytest.mark.parametrize("tcvn3,unicode", [
    ("®¶ng viªn", "đảng viên"),
    ("§¶ng Céng s¶n ViÖt Nam", "Đảng Cộng sản Việt Nam"),
    ("Hå ChÝ Minh", "Hồ Chí Minh"),
    ("NghÞ quyÕt", "Nghị quyết"),
    ("tù diÔn biÕn, tù chuyÓn ho¸", "tự diễn biến, tự chuyển hoá"),
    ("Tr­êng", "Trường"),
])
def test_tcvn3_to_unicode(tcvn3, unicode):
    assert tcvn3_to_unicode(tcvn3) == unicode


def test_legacy_encoding_detectors_leave_real_text_alone():
    german = "Ein topologischer Raum ist ein Paar bestehend aus einer Menge und für jedes Element gilt Größe. " * 5
    french = "Le développement économique de la région a été présenté où nous étions à côté. " * 5
    vietnamese = "Đảng Cộng sản Việt Nam luôn trung thành với lợi ích của giai cấp công nhân. " * 5
    for text in (german, french, vietnamese):
        assert not looks_tcvn3(text) and not looks_vni(text)
    assert looks_tcvn3("§¶ng Céng s¶n ViÖt Nam lu«n trung thµnh víi lîi Ých cña giai cÊp c«ng nh©n")
    assert looks_vni("Ñaûng Coäng saûn Vieät Nam luoân trung thaønh vôùi lôïi ích cuûa giai caáp coâng nhaân "
                     "hoïc taäp suoát ñôøi")
