"""Tell a PDF from an EPUB by the file's content; the name and extension are never consulted."""
import zipfile

from library.extraction.types import ExtractionError, UnsupportedFile
from library.translatable import N_

PDF = "application/pdf"
EPUB = "application/epub+zip"
NOT_SUPPORTED = N_("Không phải tệp PDF hoặc EPUB")
BROKEN = N_("Tệp bị hỏng hoặc không đầy đủ")

# What people most often upload by mistake (a file renamed .pdf, an office document): named,
# so the refusal says what the file is and what to do. Whole sentences, for the translations.
WORD = N_("Đây là tài liệu Word, không phải PDF/EPUB: hãy mở nó trong Word hoặc LibreOffice, "
          "lưu thành PDF rồi tải lên")
EXCEL = N_("Đây là bảng tính Excel, không phải PDF/EPUB: hãy lưu thành PDF rồi tải lên")
POWERPOINT = N_("Đây là bản trình chiếu PowerPoint, không phải PDF/EPUB: hãy lưu thành PDF "
                "rồi tải lên")
OFFICE = N_("Đây là tài liệu Microsoft Office kiểu cũ, không phải PDF/EPUB: hãy lưu thành PDF "
            "rồi tải lên")
OPENDOCUMENT = N_("Đây là tài liệu OpenDocument (LibreOffice), không phải PDF/EPUB: hãy lưu "
                  "thành PDF rồi tải lên")
IMAGE = N_("Đây là một tệp ảnh, không phải PDF/EPUB: hãy ghép các trang quét thành một tệp PDF "
           "rồi tải lên")
RTF = N_("Đây là văn bản RTF, không phải PDF/EPUB: hãy lưu thành PDF rồi tải lên")
MOBI = N_("Đây là sách Kindle (MOBI/AZW), không phải PDF/EPUB: hãy chuyển sang EPUB "
          "(ví dụ bằng Calibre) rồi tải lên")
DJVU = N_("Đây là tệp DjVu, không phải PDF/EPUB: hãy chuyển sang PDF rồi tải lên")
ZIP_NOT_EPUB = N_("Tệp nén ZIP nhưng không phải EPUB")
_MAGIC = (  # (offset, bytes, message)
    (0, b"\x89PNG\r\n\x1a\n", IMAGE), (0, b"\xff\xd8\xff", IMAGE), (0, b"GIF8", IMAGE),
    (0, b"II*\x00", IMAGE), (0, b"MM\x00*", IMAGE), (0, b"{\\rtf", RTF),
    (60, b"BOOKMOBI", MOBI), (0, b"AT&TFORM", DJVU),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The OLE directory names its streams in UTF-16: Word, Excel and PowerPoint each have their own.
_OLE_STREAMS = (("WordDocument", WORD), ("Workbook", EXCEL), ("Book", EXCEL),
                ("PowerPoint Document", POWERPOINT))
_ZIP_PARTS = (("word/document.xml", WORD), ("xl/workbook.xml", EXCEL),
              ("ppt/presentation.xml", POWERPOINT))


def sniff(path) -> str:
    """'application/pdf' or 'application/epub+zip', else UnsupportedFile."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        raise ExtractionError(N_("Không mở được tệp để đọc")) from None
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if not head:
        raise UnsupportedFile(N_("Tệp rỗng (0 byte)"))
    if head.startswith(_OLE):
        raise UnsupportedFile(_ole_kind(path))
    for offset, magic, message in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            raise UnsupportedFile(message)
    raise UnsupportedFile(NOT_SUPPORTED)


def _ole_kind(path) -> str:
    """Word, Excel or PowerPoint (97–2003) by the names in the compound file's directory."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(16 * 1024 * 1024)  # the directory is rarely far in; else "Office"
    except OSError:
        return OFFICE
    for name, message in _OLE_STREAMS:
        if (name + "\0").encode("utf-16-le") in data:
            return message
    return OFFICE


def _sniff_zip(path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names, mimetype = set(zf.namelist()), b""
            if "mimetype" in names and zf.getinfo("mimetype").file_size < 100:
                mimetype = zf.read("mimetype").strip()
                if mimetype == EPUB.encode():
                    return EPUB
    except zipfile.BadZipFile:
        # Starts like a zip but the central directory is gone: a truncated upload.
        raise ExtractionError(BROKEN) from None
    except (OSError, EOFError, NotImplementedError, ValueError, RuntimeError):
        raise ExtractionError(BROKEN) from None
    # Many real EPUBs have a missing or misspelt mimetype entry; container.xml is enough.
    if "META-INF/container.xml" in names:
        return EPUB
    for part, message in _ZIP_PARTS:
        if part in names:
            raise UnsupportedFile(message)
    if "mimetype" in names and mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise UnsupportedFile(OPENDOCUMENT)
    raise UnsupportedFile(ZIP_NOT_EPUB)
