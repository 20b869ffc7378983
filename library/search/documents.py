"""What the app hands the search engine: plain data, no database objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SectionText:
    position: int               # 1-based PDF page or EPUB chapter number: where the reader opens
    text: str
    page: int | None = None     # PDF only
    chapter: str | None = None  # EPUB only: the chapter title


@dataclass
class BookDocument:
    book_id: int
    title: str
    authors: list[str] = field(default_factory=list)
    shelf: str = ""             # the shelf's slug
    year: int | None = None
    media_type: str = ""
    created: datetime | None = None
    sections: list[SectionText] = field(default_factory=list)
