"""Generated demo and benchmark books: Vietnamese prose typeset as PDF and EPUB."""
from library.demo.catalog import (
    DEMO_BOOKS,
    SHELVES,
    DemoBook,
    DemoFile,
    build_demo_files,
    write_book,
    write_manifest_csv,
)
from library.demo.epubbook import render_cover, write_epub
from library.demo.pdfbook import FontMissing, write_pdf, write_scanned_pdf

__all__ = [
    "DEMO_BOOKS", "SHELVES", "DemoBook", "DemoFile", "FontMissing", "build_demo_files",
    "render_cover", "write_book", "write_epub", "write_manifest_csv", "write_pdf", "write_scanned_pdf",
]
