"""Extraction: real corpus files, hostile zips and XML built here, the sandbox's failure paths."""
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



def test_pypdf_reads_what_pdfium_cannot_open(corpus, monkeypatch):
    from library.extraction import pdf

    monkeypatch.setattr(pdf, "_open", lambda path: None)  # as if pdfium had refused the file
    book = pdf.extract_pdf(corpus / "vietnamese/pdf/hcmuit-slides-2024-12.pdf")
    assert book.page_count == 23 and book.searchable
    assert book.title.startswith("Một tiêu đề luận văn") and book.authors == ["Nguyen Hong Son"]
    assert "Ngày 4 tháng 12 năm 2024" in book.sections[1].text

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


# --- EPUB ----------------------------------------------------------------------------------

def test_epub2_chapters_follow_the_spine_with_ncx_titles(corpus):
    book = extract(corpus / "vietnamese/epub/truyen-kieu.epub")
    assert book.media_type == "application/epub+zip"
    assert (book.title, book.authors) == ("Truyện Kiều", ["Nguyễn Du"])
    assert [s.position for s in book.sections] == list(range(1, len(book.sections) + 1))
    assert [s.href for s in book.sections[:4]] == ["OEBPS/welcome.html", "OEBPS/toc.html",
                                                   "OEBPS/0.html", "OEBPS/1.html"]
    assert [s.chapter for s in book.sections[2:6]] == ["Một", "Hai", "Ba", "Bốn"]
    assert "Trăm năm trong cõi người ta" in book.sections[2].text
    assert all(is_nfc(s.text) for s in book.sections)
    assert [(t.title, t.position) for t in book.toc[2:4]] == [("Một", 3), ("Hai", 4)]


def test_epub3_chapters_take_nav_titles_and_toc_levels(corpus):
    book = extract(corpus / "epub/idpf-epub3/moby-dick.epub")
    chapter1 = book.sections[5]
    assert (chapter1.href, chapter1.chapter) == ("OPS/chapter_001.xhtml", "Chapter 1. Loomings.")
    assert chapter1.text.startswith("Chapter 1. Loomings.\nCall me Ishmael.")
    assert book.cover_ext == "jpg"
    nested = extract(corpus / "vietnamese/epub/bun-lay-nuoc-dong.epub")
    assert ("I. HOÀNG-ĐẠO (1907-1948)", 2, 9) in [(t.title, t.level, t.position) for t in nested.toc]


def test_epub_with_nfd_text_comes_out_nfc(corpus):
    path = corpus / "vietnamese/epub/bun-lay-nuoc-dong.epub"
    with zipfile.ZipFile(path) as zf:
        assert not is_nfc(zf.read("index_split_007.html").decode())  # decomposed in the file
    book = extract(path)
    assert all(is_nfc(s.text) and is_nfc(s.chapter or "") for s in book.sections)
    assert "II. SỰ NGHIỆP VĂN HÓA" in book.sections[8].text
    assert book.cover_ext == "jpg" and book.publisher == "TỰ DO 1959"


def test_epub_written_by_ebooklib_in_nfd(tmp_path):
    """ebooklib authors the EPUB: its nav, NCX and spine order must come back as written."""
    from ebooklib import epub as ebooklib_epub

    def nfd(text):
        return unicodedata.normalize("NFD", text)

    book = ebooklib_epub.EpubBook()
    book.set_identifier("so-tay")
    book.set_title(nfd("Sổ tay đảng viên"))
    book.set_language("vi")
    book.add_author(nfd("Ban Tuyên giáo"))
    chapters = []
    for index, (title, body) in enumerate([("Chương một: Điều lệ Đảng", "Đảng viên phải gương mẫu."),
                                           ("Chương hai: Tự diễn biến", "Phòng chống tự diễn biến, tự chuyển hoá.")]):
        item = ebooklib_epub.EpubHtml(title=nfd(title), file_name=f"c{index}.xhtml", lang="vi")
        item.content = f"<h1>{nfd(title)}</h1><p>{nfd(body)}</p>"
        book.add_item(item)
        chapters.append(item)
    book.toc = [ebooklib_epub.Link(c.file_name, c.title, c.file_name) for c in chapters]
    book.add_item(ebooklib_epub.EpubNcx())
    book.add_item(ebooklib_epub.EpubNav())
    book.spine = [chapters[1], chapters[0]]  # spine order, not file order
    ebooklib_epub.write_epub(str(tmp_path / "so-tay.epub"), book)

    result = extract(tmp_path / "so-tay.epub")
    assert result.title == "Sổ tay đảng viên" and result.authors == ["Ban Tuyên giáo"]
    assert [s.chapter for s in result.sections] == ["Chương hai: Tự diễn biến", "Chương một: Điều lệ Đảng"]
    assert [s.href for s in result.sections] == ["EPUB/c1.xhtml", "EPUB/c0.xhtml"]
    assert "Phòng chống tự diễn biến, tự chuyển hoá." in result.sections[0].text
    assert [(t.title, t.position) for t in result.toc] == [("Chương một: Điều lệ Đảng", 2),
                                                           ("Chương hai: Tự diễn biến", 1)]


def test_epub_chapter_title_falls_back_to_heading_then_number(tmp_path):
    opf = package().replace('<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>',
                            '<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>'
                            '<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/>'
                            '<item id="c3" href="c3.html" media-type="application/xhtml+xml"/>')
    opf = opf.replace('<itemref idref="c1"/>', '<itemref idref="c1"/><itemref idref="c3"/>'
                      '<itemref idref="c2" linear="no"/>')
    html_chapter = ("<html><head><meta charset='utf-8'></head><body><p>Vi&ecirc;t "
                    "b&agrave;i<p>kh&ocirc;ng ti&ecirc;u &#273;&#7873;</body></html>")
    book = extract(epub(tmp_path, ("OEBPS/c2.xhtml", chapter("Phụ lục", "bỏ qua")),
                        ("OEBPS/c3.html", html_chapter), opf=opf))
    # linear="no" left out; a chapter without a title has none ("Chương 2" is said where shown)
    assert [s.chapter for s in book.sections] == ["Chương một", None]
    assert book.sections[1].text == "Viêt bài\nkhông tiêu đề"


def test_image_only_epub_is_not_searchable(tmp_path):
    opf = package().replace('media-type="application/xhtml+xml"/>',
                            'media-type="application/xhtml+xml"/><item id="p1" href="p1.svg" '
                            'media-type="image/svg+xml"/>').replace('<itemref idref="c1"/>', '<itemref idref="p1"/>')
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>'
    book = extract(epub(tmp_path, ("OEBPS/p1.svg", svg), opf=opf))
    assert len(book.sections) == 1 and not book.searchable


def test_epub_without_readable_chapters_is_refused(tmp_path):
    opf = package().replace('href="c1.xhtml"', 'href="missing.xhtml"')
    assert refused(epub(tmp_path, opf=opf)) == "Tệp EPUB không có chương nào đọc được"


# --- hostile EPUBs -------------------------------------------------------------------------

@pytest.mark.parametrize("name,reason", [
    ("epub-hostile/ocf-url-leaking-in-opf-error.epub", "Tệp EPUB chứa đường dẫn không an toàn (../../../../EPUB/content_001.xhtml)"),
    ("epub-hostile/ocf-url-path-absolute-error.epub", "Tệp EPUB chứa đường dẫn không an toàn (/EPUB/content_001.xhtml)"),
    ("epub-hostile/xml-external-identifier-disallowed-error.epub", "Tệp EPUB tham chiếu DTD bên ngoài không an toàn (http://example.org/dtd)"),
    ("epub-encrypted/epub20_minimal_encryption.epub", DRM),
    ("epub-encrypted/ocf-encryption-unknown-valid.epub", DRM),
    ("derived-truncated/wasteland-trunc95.epub", BROKEN),
    ("epub-zip/ocf-filename-duplicate-zip-entry-error.epub", "Tệp EPUB chứa hai tệp con trùng tên"),
])
def test_hostile_corpus_epubs_are_refused(corpus, name, reason):
    assert refused(corpus / "bad" / name) == reason


def test_font_obfuscation_is_not_drm(corpus):
    book = extract(corpus / "epub/idpf-epub3/wasteland-otf-obf.epub")
    assert "April is the cruellest month" in book.sections[0].text


def test_drm_encryption_xml_built_here_is_refused(tmp_path):
    encryption = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                  '<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#">'
                  '<EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
                  '<CipherData><CipherReference URI="OEBPS/c1.xhtml"/></CipherData></EncryptedData></encryption>')
    assert refused(epub(tmp_path, ("META-INF/encryption.xml", encryption))) == DRM


@pytest.mark.parametrize("member,reason", [
    ("../evil.xhtml", "Tệp EPUB chứa đường dẫn không an toàn (../evil.xhtml)"),
    ("OEBPS/../../evil", "Tệp EPUB chứa đường dẫn không an toàn (OEBPS/../../evil)"),
    ("/etc/cron.d/evil", "Tệp EPUB chứa đường dẫn không an toàn (/etc/cron.d/evil)"),
    ("..\\evil.exe", "Tệp EPUB chứa đường dẫn không an toàn (..\\evil.exe)"),
    ("C:/Windows/evil.dll", "Tệp EPUB chứa đường dẫn không an toàn (C:/Windows/evil.dll)"),
])
def test_zip_entry_names_that_escape_are_refused(tmp_path, member, reason):
    path = epub(tmp_path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo(member), "x")
    assert refused(path) == reason


def test_symlink_entry_is_refused(tmp_path):
    link = zipfile.ZipInfo("OEBPS/passwd.xhtml")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    assert "symlink" in refused(epub(tmp_path, (link, "/etc/passwd")))


def test_too_many_entries_are_refused(tmp_path):
    many = [(f"OEBPS/x/{i}.txt", b"") for i in range(20_000)]
    assert "quá nhiều tệp con" in refused(epub(tmp_path, *many))


def test_zip_bombs_are_refused(tmp_path):
    # A member that inflates 1000:1 (8 MiB of zeros in ~8 KB).
    bomb = epub(tmp_path, ("OEBPS/bomb.xhtml", b"\0" * (8 << 20)), name="ratio.epub")
    assert bomb.stat().st_size < 100_000
    assert refused(bomb) == TOO_BIG
    # Sizes declared in the central directory: one member of 3 GiB ...
    declared = epub(tmp_path, ("OEBPS/huge.xhtml", b"x" * 100), name="declared.epub")
    set_declared_size(declared, "OEBPS/huge.xhtml", 3 << 30)
    assert refused(declared) == TOO_BIG
    # ... or 20 members of 60 MiB each, 1.2 GiB in all.
    members = [(f"OEBPS/part{i}.xhtml", b"x") for i in range(20)]
    total = epub(tmp_path, *members, name="total.epub")
    for name, _ in members:
        set_declared_size(total, name, 60 << 20)
    assert refused(total) == TOO_BIG


def test_zip_that_lies_about_a_member_size_is_read_with_a_cap(tmp_path):
    path = epub(tmp_path, ("OEBPS/liar.xhtml", b"y" * 500_000))
    set_declared_size(path, "OEBPS/liar.xhtml", 10)  # declares 10 bytes, inflates to 500 KB
    with SafeZip(path) as z:
        with pytest.raises(ExtractionError) as info:
            z.read("OEBPS/liar.xhtml")
        assert info.value.reason == BROKEN
        with pytest.raises(ExtractionError) as info:
            z.read("OEBPS/c1.xhtml", limit=100)  # the chapter is bigger than the cap
        assert info.value.reason == TOO_BIG


def test_billion_laughs_in_the_opf_is_refused(tmp_path):
    opf = package(doctype=LAUGHS.format(root="package"), title="&i;")
    start = time.monotonic()
    assert refused(epub(tmp_path, opf=opf)) == ENTITIES
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("doctype", [
    LAUGHS.format(root="html"),
    '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
])
def test_entity_declarations_in_a_chapter_are_refused(tmp_path, doctype):
    assert refused(epub(tmp_path, c1=chapter("Chương", "&i; &xxe;", doctype))) == ENTITIES
    # The same in a chapter too broken for the XML parser (the HTML fallback path).
    broken = chapter("Chương", "<b>&i; &xxe;", doctype)
    assert refused(epub(tmp_path, c1=broken, name="broken.epub")) == ENTITIES


def test_external_dtd_in_a_chapter_is_refused_and_never_fetched(tmp_path):
    doctype = '<!DOCTYPE html SYSTEM "file:///etc/passwd">'
    reason = refused(epub(tmp_path, c1=chapter("Chương", "x", doctype)))
    assert reason == "Tệp EPUB tham chiếu DTD bên ngoài không an toàn (file:///etc/passwd)"
    standard = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
                '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">')
    book = extract(epub(tmp_path, c1=chapter("Chương", "a&nbsp;b", standard), name="ok.epub"))
    assert book.sections[0].text == "Chương\na b"



@pytest.mark.parametrize("name", ["conformance-xml-malformed-error.opf", "encoding-utf16-error.xhtml",
                                  "entities-no-semicolon-error.xhtml", "entities-unknown-error.xhtml",
                                  "xml-encoding-latin1-declaration-error.opf",
                                  "xml-encoding-unknown-declared-error.opf",
                                  "xml-encoding-utf16-declared-warning.opf", "xml-encoding-utf32-BOM-error.opf"])
def test_sloppy_xml_parses_without_crashing(corpus, name):
    from library.extraction.xmlsafe import parse_document, parse_xml

    data = (corpus / "bad/xml" / name).read_bytes()
    for parse in (parse_xml, parse_document):
        try:
            parse(data)
        except ExtractionError as exc:  # the only way a parse may fail
            assert exc.reason


def test_external_entity_file_is_refused_by_both_parsers(corpus):
    from library.extraction.xmlsafe import parse_document, parse_xml

    data = (corpus / "bad/xml/entities-external-error.xhtml").read_bytes()
    for parse in (parse_xml, parse_document):
        with pytest.raises(ExtractionError) as info:
            parse(data)
        assert info.value.reason == ENTITIES

# --- the sandbox ---------------------------------------------------------------------------

def _child(monkeypatch, code: str) -> None:
    """Make extract() run `code` as its child process instead of the real worker."""
    monkeypatch.setattr(sandbox, "worker_command",
                        lambda path, timeout, memory_mb: [sys.executable, "-c", code, path])


def test_timeout_kills_the_child_and_gives_a_plain_reason(monkeypatch, tmp_path):
    _child(monkeypatch, "import time; time.sleep(60)")
    start = time.monotonic()
    assert refused(tmp_path / "slow.pdf", timeout=1) == "Quá thời gian xử lý (1 giây)"
    assert time.monotonic() - start < 5


def test_real_worker_times_out_on_a_big_book(corpus):
    start = time.monotonic()
    assert refused(corpus / "epub/idpf-epub3/mahabharata.epub", timeout=0.5).startswith("Quá thời gian xử lý")
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("code,reason", [
    ("import resource; resource.setrlimit(resource.RLIMIT_AS, (200 << 20, 200 << 20)); "
     "x = bytearray(400 << 20)", "Tệp cần quá nhiều bộ nhớ để đọc"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "Tệp cần quá nhiều bộ nhớ để đọc"),
    ("raise ValueError('xref table at offset 123 is garbage')",
     "Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng"),
    ("print('half a result {')", "Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng"),
])
def test_child_failures_become_plain_reasons(monkeypatch, tmp_path, code, reason):
    _child(monkeypatch, code)
    assert refused(tmp_path / "x.pdf") == reason


def test_unexpected_exception_in_the_real_worker_is_not_leaked(monkeypatch, tmp_path, caplog):
    # The real worker, with its extractor replaced by one that crashes.
    code = sandbox._BOOTSTRAP.replace(
        "from library.extraction.worker import main",
        "import library.extraction.worker as w\n"
        "w.extract_here = lambda path: {}['xref table at offset 123']\n"
        "from library.extraction.worker import main")
    monkeypatch.setattr(sandbox, "worker_command", lambda path, timeout, memory_mb: [
        sys.executable, "-c", code, sandbox._PACKAGE_PARENT, path])
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    assert refused(tmp_path / "a.pdf") == "Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng"
    assert "KeyError" in caplog.text  # the detail goes to the log, for the developers


def test_child_gets_a_minimal_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LIBRARY_SECRET_KEY", "bi-mat")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:pw@db/library")
    _child(monkeypatch, "import json, os; print(json.dumps({'error': ' '.join(sorted(os.environ))}))")
    names = refused(tmp_path / "x.pdf").split()
    assert "LIBRARY_SECRET_KEY" not in names and "DATABASE_URL" not in names
    assert {"PATH", "PYTHONPATH", "LANG"} <= set(names)


def test_worker_does_not_import_flask(corpus):
    code = sandbox._BOOTSTRAP.replace("sys.exit(main(sys.argv[2:]))",
                                      "main(sys.argv[2:]); print('flask' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, sandbox._PACKAGE_PARENT,
                          str(corpus / "epub/epubcheck/minimal.epub")],
                         capture_output=True, env=sandbox._child_env(), timeout=30)
    assert out.stderr.strip().endswith(b"False")
    assert b'"sections"' in out.stdout
