"""File -> sections of text. Knows nothing of Flask, the database or the index.

Public entry points:
- sniff(path) -> media type, from the content (magic bytes and a parse), or UnsupportedFile
- extract(path, timeout=60, memory_mb=1536) -> ExtractedBook, parsed in a child process
  under a wall-clock timeout and memory/CPU limits; raises ExtractionError(reason). A PDF
  with a flat page tree also gets `reader_tail` (library.extraction.page_tree), or None.
"""
from library.extraction.types import (  # noqa: F401
    ExtractedBook,
    ExtractedSection,
    ExtractionError,
    TocEntry,
    UnsupportedFile,
)
from library.extraction.sniff import sniff  # noqa: F401
from library.extraction.sandbox import extract  # noqa: F401
