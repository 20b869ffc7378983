"""pypdf, where pdfium falls short: files pdfium cannot open, and XMP-only metadata."""
import logging

from library.extraction.metadata import plain, split_authors, year_of
from library.extraction.types import ExtractionError, check_size
from library.extraction.xmlsafe import parse_xml
from library.translatable import N_

PASSWORD = N_("Tệp PDF được bảo vệ bằng mật khẩu")
BROKEN = N_("Tệp bị hỏng hoặc không đầy đủ")
UNSUPPORTED_CRYPTO = N_("Tệp PDF dùng kiểu mã hoá không được hỗ trợ")
MAX_XMP = 1 << 20
_DC = "{http://purl.org/dc/elements/1.1/}"

# pypdf reports recoverable damage through logging; the worker's stderr is no place for it.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _open(path):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ExtractionError(PASSWORD)
            except (DependencyError, NotImplementedError):
                raise ExtractionError(UNSUPPORTED_CRYPTO) from None
        return reader
    except ExtractionError:
        raise
    except Exception:  # noqa: BLE001 - whatever pypdf trips on, the file is damaged
        raise ExtractionError(BROKEN) from None


def read_pages(path, max_pages: int | None = None) -> tuple[list[str], dict]:
    """Page texts and Info metadata (pdfium's key names) when pdfium could not open the file."""
    reader = _open(path)
    try:
        pages = list(reader.pages)
    except Exception:  # noqa: BLE001
        raise ExtractionError(BROKEN) from None
    if not pages:
        raise ExtractionError(BROKEN)
    check_size(len(pages), max_pages, "trang")
    texts = []
    for page in pages:
        try:
            texts.append(page.extract_text() or "")
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - one bad page must not lose the others
            texts.append("")
    try:
        info = {k.lstrip("/"): str(v) for k, v in (reader.metadata or {}).items()}
    except Exception:  # noqa: BLE001
        info = {}
    return texts, info


def page_texts(path, numbers: list[int]) -> dict[int, str]:
    """pypdf's text of some pages (0-based), a second opinion where pdfium's text looks
    misread; {} when pypdf cannot read the file, a page left out when it cannot read that page."""
    try:
        reader = _open(path)
        pages = reader.pages
        count = len(pages)
    except Exception:  # noqa: BLE001 - an opinion we cannot have costs nothing
        return {}
    texts = {}
    for number in numbers:
        if number < count:
            try:
                texts[number] = pages[number].extract_text() or ""
            except MemoryError:
                raise
            except Exception:  # noqa: BLE001
                continue
    return texts


def xmp_metadata(path) -> dict:
    """title/authors/description/year from the XMP packet, {} when absent or unreadable."""
    try:
        reader = _open(path)
        ref = reader.trailer["/Root"].get("/Metadata")
        data = ref.get_object().get_data() if ref is not None else b""
    except Exception:  # noqa: BLE001 - metadata is a nicety, never a reason to refuse
        return {}
    if not data or len(data) > MAX_XMP:
        return {}
    try:
        root = parse_xml(data)
    except ExtractionError:
        return {}

    def values(name: str) -> list[str]:
        out = []
        for el in root.iter(_DC + name):
            items = [plain("".join(li.itertext())) for li in el.iter("{*}li")] or [plain("".join(el.itertext()))]
            out += [v for v in items if v]
        return out

    authors: list[str] = []
    for creator in values("creator"):
        authors += [a for a in split_authors(creator) if a not in authors]
    result = {"title": next(iter(values("title")), None), "authors": authors,
              "description": next(iter(values("description")), None),
              "year": year_of(next(iter(values("date")), ""))}
    return {k: v for k, v in result.items() if v}
