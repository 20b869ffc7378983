"""One pipeline for a book file: sniff -> extract -> store -> rows -> index.

A file that fails at any step leaves nothing behind: no stored file, no row, no index
entry. Indexing comes last and is derived data: if it fails the book stays readable,
marked for re-indexing.
"""
from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from library import extraction, indexing
from library.catalog.manifest import BookMetadata, parse_year
from library.catalog.models import EPUB, Book, IndexStatus, Section, Shelf
from library.extensions import db
from library.storage import StorageFull, file_sha256, get_store
from library.vietnamese import clean_text, fold, looks_vietnamese

log = logging.getLogger(__name__)

IMPORTED, DUPLICATE, FAILED = "imported", "duplicate", "failed"


@dataclass
class ImportResult:
    status: str
    filename: str
    book_id: int | None = None
    title: str | None = None
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == FAILED


class IngestError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def import_file(
    path: str | Path,
    *,
    shelf: str | None = None,
    metadata: BookMetadata | None = None,
    original_filename: str | None = None,
    index_now: bool = True,
) -> ImportResult:
    """Import one file. `index_now=False` leaves indexing to the background indexer."""
    path = Path(path)
    filename = clean_text(original_filename or path.name)
    metadata = metadata or BookMetadata()
    try:
        target_shelf = _resolve_shelf(metadata.shelf or shelf)
        sha256, size = file_sha256(path)
        existing = find_by_sha256(sha256)
        if existing is not None:
            return ImportResult(DUPLICATE, filename, existing.id, existing.title,
                                reason=f"trùng lặp với «{existing.title}» (mã {existing.id})")
        config = current_app.config
        extracted = extraction.extract(
            path,
            timeout=config["EXTRACT_TIMEOUT_SECONDS"],
            memory_mb=config["EXTRACT_MEMORY_MB"],
        )
        book = _store_book(path, filename, sha256, size, extracted, metadata, target_shelf)
    except (extraction.ExtractionError, IngestError) as exc:
        return ImportResult(FAILED, filename, reason=exc.reason)
    except IntegrityError:
        # The same bytes imported by another worker a moment ago.
        existing = find_by_sha256(sha256)
        return ImportResult(DUPLICATE, filename, existing.id if existing else None,
                            reason="trùng lặp với một sách vừa được nhập")
    except OSError as exc:
        if isinstance(exc, StorageFull) or exc.errno == errno.ENOSPC:
            return ImportResult(FAILED, filename, reason="Hết dung lượng lưu trữ")
        log.warning("cannot import %s: %s", path, exc)
        return ImportResult(FAILED, filename, reason="Không đọc hoặc lưu được tệp")

    warnings = list(book.warnings)
    twin = same_title_and_authors(book)
    if twin is not None:
        warnings.append(f"Đã có sách cùng tên và tác giả: «{twin.title}» (mã {twin.id})")
    if not book.searchable:
        warnings.append("Không tìm kiếm được: tệp không có lớp văn bản")
    if index_now:
        indexing.index_book(book.id)
        if book.index_status == IndexStatus.FAILED:
            warnings.append("Chưa đưa vào chỉ mục tìm kiếm; hãy chạy lại 'index rebuild'")
    return ImportResult(IMPORTED, filename, book.id, book.title, warnings=warnings)


def find_by_sha256(sha256: str) -> Book | None:
    return db.session.scalar(select(Book).where(Book.sha256 == sha256))


def same_title_and_authors(book: Book) -> Book | None:
    """A different file that is probably the same title: worth a warning, not a refusal."""
    candidates = db.session.scalars(
        select(Book).where(func.lower(Book.title) == book.title.lower(), Book.id != book.id)
    )
    authors = sorted(fold(a) for a in book.authors)
    return next((c for c in candidates if sorted(fold(a) for a in c.authors) == authors), None)


def _resolve_shelf(slug: str | None) -> Shelf:
    if slug:
        shelf = db.session.scalar(select(Shelf).where(Shelf.slug == slug))
        if shelf is None:
            raise IngestError(f"Không có tủ sách «{slug}»")
        return shelf
    return db.session.scalars(select(Shelf).order_by(Shelf.position)).first()


def _title_from_filename(filename: str) -> str:
    stem = Path(filename).stem
    return re.sub(r"[_\s]+", " ", stem).strip() or "Không có tên"


def _guess_language(extracted) -> str | None:
    sample = " ".join(section.text for section in extracted.sections[:10])
    return "vi" if looks_vietnamese(sample) else None


def _store_book(path, filename, sha256, size, extracted, metadata, shelf) -> Book:
    store = get_store()
    ext = "epub" if extracted.media_type == EPUB else "pdf"
    stored = store.save_file(path, ext)
    cover = None
    try:
        if extracted.cover:
            cover = store.save_bytes(extracted.cover, extracted.cover_ext or "jpg", "covers")
        book = Book(
            shelf=shelf,
            title=metadata.title or extracted.title or _title_from_filename(filename),
            authors=metadata.authors if metadata.authors is not None else extracted.authors,
            year=metadata.year or parse_year(extracted.year),
            publisher=metadata.publisher or extracted.publisher,
            description=metadata.description or extracted.description,
            language=extracted.language or _guess_language(extracted),
            media_type=extracted.media_type,
            sha256=sha256,
            size=size,
            original_filename=filename,
            stored_name=stored.name,
            cover_name=cover.name if cover else None,
            page_count=extracted.page_count,
            toc=[vars(entry) for entry in extracted.toc],
            searchable=extracted.searchable,
            warnings=extracted.warnings,
            index_status=IndexStatus.PENDING,
        )
        book.sections = [
            Section(position=s.position, page=s.page, chapter=s.chapter, href=s.href, text=s.text)
            for s in extracted.sections
        ]
        db.session.add(book)
        db.session.commit()
        return book
    except BaseException:
        db.session.rollback()
        store.delete(stored.name)
        store.delete(cover.name if cover else None)
        raise
