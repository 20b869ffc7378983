"""What a search returns: plain data for the HTML pages and the JSON API. Snippets are safe HTML."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Location:
    """A page (PDF) or chapter (EPUB) of a book where the words are."""
    position: int                 # 1-based page or chapter number: where the reader opens
    page: int | None
    chapter: str | None
    snippet: str                  # escaped HTML, matches in <mark>
    score: float


@dataclass
class BookHit:
    book_id: int
    title: str
    authors: list[str]
    shelf: str
    year: int | None
    media_type: str
    score: float
    title_matched: bool
    author_matched: bool
    title_html: str               # the title, escaped, matched words in <mark>
    matched_sections: int         # pages or chapters holding the words
    locations: list[Location] = field(default_factory=list)   # the best, at most three


@dataclass
class FacetValue:
    value: str                    # a shelf slug, a year, an author's name
    count: int                    # matching books
    selected: bool = False


@dataclass
class Facets:
    """Counts over all matching books; each facet ignores its own filter, so others stay visible."""
    shelf: list[FacetValue] = field(default_factory=list)
    year: list[FacetValue] = field(default_factory=list)
    author: list[FacetValue] = field(default_factory=list)


@dataclass
class BookResults:
    query: str                    # the query as understood: normalised, cut if it was too long
    terms: list[str]              # phrases and words for the reader to highlight
    total: int                    # matching books, filters applied
    page: int
    per_page: int
    books: list[BookHit]
    facets: Facets
    unfiltered_total: int         # matching books without the shelf/year/author filters
    suggestion: str | None = None  # "Có phải bạn muốn tìm: …"
    scattered: bool = False       # no page holds the words together; these hold them apart
    truncated: bool = False
    total_is_estimate: bool = False  # a phrase on too many candidate pages to prove them all

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Hit:
    """One page or chapter; a title or author match has page and chapter None."""
    book_id: int
    title: str
    authors: list[str]
    shelf: str
    position: int | None          # None for a title/author match
    page: int | None
    chapter: str | None
    snippet: str
    score: float


@dataclass
class HitResults:
    query: str
    terms: list[str]
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    suggestion: str | None = None
    scattered: bool = False
    truncated: bool = False
    total_is_estimate: bool = False  # a phrase on too many candidate pages to prove them all
