"""What extraction returns: plain data that crosses the child-process boundary."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from library.translatable import N_, loaded, stored


class ExtractionError(Exception):
    """A file that cannot be imported. `reason` is plain Vietnamese for the librarian."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class UnsupportedFile(ExtractionError):
    """Neither a PDF nor an EPUB, judged by the content, never by the file name."""


def check_size(count: int, limit: int | None, unit: str) -> None:
    """Refuse a book with more pages (or chapters) than one book may have: a 100,000-page
    PDF of one shared content stream is small on disk and costly everywhere after."""
    if limit and count > limit:
        if unit == "chương":
            raise ExtractionError(N_("Sách có {count} chương, vượt giới hạn {limit} chương mỗi sách; "
                                     "hãy chia thành nhiều tập", count=count, limit=limit))
        raise ExtractionError(N_("Sách có {count} trang, vượt giới hạn {limit} trang mỗi sách; "
                                 "hãy chia thành nhiều tập", count=count, limit=limit))


@dataclass
class ExtractedSection:
    position: int              # 1-based: PDF page number, or chapter's place among the spine's chapters
    text: str                  # NFC, cleaned (library.vietnamese.clean_text)
    page: int | None = None    # the PDF page; an EPUB's picture page: its position
    chapter: str | None = None  # EPUB only: the chapter's own title (nav/NCX, else the first heading)
    href: str | None = None    # EPUB only: the chapter's path inside the zip


@dataclass
class TocEntry:
    title: str
    level: int                 # 1 = top level
    position: int              # the section it points at


@dataclass
class ExtractedBook:
    media_type: str            # "application/pdf" | "application/epub+zip"
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    publisher: str | None = None
    description: str | None = None
    language: str | None = None
    page_count: int | None = None
    sections: list[ExtractedSection] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    cover: bytes | None = None  # JPEG or PNG bytes
    cover_ext: str | None = None  # "jpg" | "png"
    searchable: bool = True     # False: no text layer anywhere
    warnings: list[str] = field(default_factory=list)
    # PDF only: the pages (1-based) without usable text, for recognition (extraction.scans).
    scanned_pages: list[int] = field(default_factory=list)
    # PDF only: bytes to append for the reader (library.extraction.page_tree); crosses the
    # process boundary as a file, never in the JSON.
    reader_tail: bytes | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["warnings"] = [stored(w) for w in self.warnings]  # a Message's values cross as JSON
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ExtractedBook:
        data = dict(data)
        data["warnings"] = [loaded(w) for w in data.get("warnings", [])]
        data["sections"] = [ExtractedSection(**s) for s in data.get("sections", [])]
        data["toc"] = [TocEntry(**t) for t in data.get("toc", [])]
        return cls(**data)
