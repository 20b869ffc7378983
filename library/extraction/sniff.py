"""Tell a PDF from an EPUB by the file's content; the name and extension are never consulted."""
import zipfile

from library.extraction.types import ExtractionError, UnsupportedFile
from library.translatable import N_

PDF = "application/pdf"
EPUB = "application/epub+zip"
NOT_SUPPORTED = N_("Không phải tệp PDF hoặc EPUB")
BROKEN = N_("Tệp bị hỏng hoặc không đầy đủ")


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
    raise UnsupportedFile(NOT_SUPPORTED)


def _sniff_zip(path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names and zf.getinfo("mimetype").file_size < 100:
                if zf.read("mimetype").strip() == EPUB.encode():
                    return EPUB
    except zipfile.BadZipFile:
        # Starts like a zip but the central directory is gone: a truncated upload.
        raise ExtractionError(BROKEN) from None
    except (OSError, EOFError, NotImplementedError, ValueError, RuntimeError):
        raise ExtractionError(BROKEN) from None
    # Many real EPUBs have a missing or misspelt mimetype entry; container.xml is enough.
    if "META-INF/container.xml" in names:
        return EPUB
    raise UnsupportedFile(N_("Tệp nén ZIP nhưng không phải EPUB"))
