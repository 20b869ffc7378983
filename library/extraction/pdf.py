"""PDF -> one section per page, metadata, outline and a page-1 cover, read with pypdfium2."""
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from library.extraction import pdf_actions, pdf_fallback, pdf_text
from library.extraction.metadata import plain, split_authors
from library.extraction.scans import has_text, needs_recognition
from library.extraction.sniff import PDF
from library.extraction.tcvn3 import looks_tcvn3, looks_vni, tcvn3_to_unicode
from library.extraction.types import ExtractedBook, ExtractedSection, ExtractionError, TocEntry, check_size
from library.vietnamese import clean_text
from library.translatable import N_

PASSWORD = pdf_fallback.PASSWORD
TCVN3_WARNING = N_("Văn bản dùng bảng mã TCVN3, đã chuyển sang Unicode")
VNI_WARNING = N_("Văn bản có thể dùng bảng mã VNI, chưa chuyển được")
NO_TEXT_WARNING = N_("Tệp PDF không có lớp văn bản (có thể là bản quét), không tìm kiếm được nội dung")
MAX_TOC = 10_000
SECOND_OPINIONS = 100     # pages of one book read again by pypdf, at most (pdf_text.better)
COVER_WIDTH, COVER_MAX_HEIGHT = 400, 800
_PDF_YEAR = re.compile(r"^\s*(?:D:)?(\d{4})")
_WORD_PREFIX = re.compile(r"^Microsoft (?:Word|PowerPoint|Excel) - ", re.I)
# Tools often write the source file's name as the title: that is no title for a reader.
_NOT_A_TITLE = re.compile(r"^(?:\S+\.(?:pdf|txt|docx?|odt|rtf|pptx?|tex|dvi|ps|indd|qxd)|untitled)$", re.I)


def _pdf_year(value: str) -> int | None:
    match = _PDF_YEAR.match(value or "")
    year = int(match.group(1)) if match else 0
    return year if 1000 <= year <= 2100 else None


def _open(path):
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractionError(PASSWORD) from None
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise ExtractionError(pdf_fallback.UNSUPPORTED_CRYPTO) from None
        return None  # damaged in a way pypdf may still read


def _page_texts(doc) -> tuple[list[str], list[int]]:
    """Each page's text, and the pages (1-based) that need recognition (extraction.scans)."""
    texts, scans = [], []
    for index in range(len(doc)):
        try:
            page = doc[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            if needs_recognition(texts[-1].replace("\x02", ""), page):
                scans.append(index + 1)
            page.close()
        except pdfium.PdfiumError:  # one unreadable page must not lose the others
            texts.append("")
            scans.append(index + 1)
    return texts, scans


def _toc(doc, page_count: int) -> list[TocEntry]:
    toc = []
    try:
        for mark in doc.get_toc(max_depth=12):
            dest = mark.get_dest()
            index = dest.get_index() if dest is not None else None
            title = plain(mark.get_title())
            if title and index is not None and 0 <= index < page_count:
                toc.append(TocEntry(title=title, level=mark.level + 1, position=index + 1))
            if len(toc) >= MAX_TOC:
                break
    except Exception:  # noqa: BLE001 - a broken outline costs the toc, not the book
        pass
    return toc


def _cover(doc) -> tuple[bytes | None, str | None]:
    """Page 1 as a JPEG about 400 px wide; None when Pillow is missing or rendering fails."""
    try:
        import PIL.Image  # noqa: F401 - to_pil() needs it
    except ImportError:
        return None, None
    try:
        page = doc[0]
        width, height = page.get_size()
        if width <= 1 or height <= 1:
            return None, None
        scale = min(COVER_WIDTH / width, COVER_MAX_HEIGHT / height)
        image = page.render(scale=scale).to_pil().convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue(), "jpg"
    except Exception:  # noqa: BLE001 - no cover is better than no book
        return None, None


def _metadata(book: ExtractedBook, info: dict, path) -> None:
    title = _WORD_PREFIX.sub("", plain(info.get("Title")))
    book.title = None if _NOT_A_TITLE.match(title) else title or None
    book.authors = split_authors(info.get("Author") or "")
    book.description = plain(info.get("Subject")) or None
    book.year = _pdf_year(info.get("CreationDate")) or _pdf_year(info.get("ModDate"))
    if not book.title or not book.authors:
        # pdfium reads only the Info dictionary; newer tools write XMP alone.
        xmp = pdf_fallback.xmp_metadata(path)
        book.title = book.title or xmp.get("title")
        book.authors = book.authors or xmp.get("authors", [])
        book.description = book.description or xmp.get("description")
        book.year = book.year or xmp.get("year")


def _legacy_encoding(book: ExtractedBook, raw_pages: list[str]) -> list[str]:
    """Convert TCVN3 pages to Unicode; flag VNI, which has no safe automatic conversion."""
    sample = "\n".join(raw_pages)[:300_000]
    if looks_tcvn3(sample):
        book.warnings.append(TCVN3_WARNING)
        # Per page: a document may mix TCVN3 pages with pages already in Unicode.
        pages = [tcvn3_to_unicode(t) if looks_tcvn3(t, min_words=2) else t for t in raw_pages]
        for field in ("title", "description"):
            value = getattr(book, field)
            if value and looks_tcvn3(value, min_words=1):
                setattr(book, field, tcvn3_to_unicode(value))
        book.authors = [tcvn3_to_unicode(a) if looks_tcvn3(a, min_words=1) else a for a in book.authors]
        return pages
    if looks_vni(sample):
        book.warnings.append(VNI_WARNING)
    return raw_pages


def _repaired(path, pages: list[str], second_opinion: bool) -> list[str]:
    """Each page's text with the known misreadings repaired (extraction.pdf_text); pages that
    showed one are read by pypdf too, and the better text is kept."""
    texts, odd = [], []
    for number, raw in enumerate(pages):
        text, suspicious = pdf_text.repair(raw)
        texts.append(text)
        if suspicious:
            odd.append(number)
    if second_opinion and odd:
        others = pdf_fallback.page_texts(path, odd[:SECOND_OPINIONS])
        for number, other in others.items():
            texts[number] = pdf_text.better(texts[number], pdf_text.repair(other)[0])
    return texts


def extract_pdf(path, max_pages: int | None = None) -> ExtractedBook:
    """One section per page (position = page, 1-based); ExtractionError when unreadable or
    longer than `max_pages` (counted before any page is read)."""
    book = ExtractedBook(media_type=PDF)
    doc = _open(path)
    if doc is None:
        raw_pages, info = pdf_fallback.read_pages(path, max_pages)
        _metadata(book, info, path)
        # pdfium cannot open it, so it could not render it for recognition either.
        scans = []
    else:
        try:
            check_size(len(doc), max_pages, "trang")
            raw_pages, scans = _page_texts(doc)
            _metadata(book, doc.get_metadata_dict(), path)
            book.toc = _toc(doc, len(raw_pages))
            book.cover, book.cover_ext = _cover(doc)
        finally:
            doc.close()
    legacy = len(book.warnings)
    pages = _legacy_encoding(book, raw_pages)
    texts = _repaired(path, pages, second_opinion=doc is not None and len(book.warnings) == legacy)
    book.sections = [ExtractedSection(position=i, page=i, text=t) for i, t in enumerate(texts, start=1)]
    book.page_count = len(book.sections)
    book.scanned_pages = scans
    for number in scans:  # junk over a picture is no text: recognition will replace it
        book.sections[number - 1].text = ""
    # Decided page by page as recognition is: no text layer means no page kept any text.
    book.searchable = any(has_text(s.text) for s in book.sections)
    if not book.searchable:
        book.warnings.append(NO_TEXT_WARNING)
    book.title = clean_text(book.title).strip() or None if book.title else None
    book.authors = [a for a in (clean_text(a).strip() for a in book.authors) if a]
    book.warnings.extend(pdf_actions.active_content(path))
    return book
