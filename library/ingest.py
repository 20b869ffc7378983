"""One pipeline for a book file: sniff -> extract -> store -> rows -> index.

A file that fails at any step leaves nothing behind: no stored file, no row, no index
entry. Indexing comes last and is derived data: if it fails the book stays readable,
marked for re-indexing.
"""
from __future__ import annotations

import errno
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from library import extraction, indexing
from library.catalog import limits
from library.catalog.manifest import BookMetadata, parse_year
from library.catalog.models import EPUB, Book, IndexStatus, Section, Shelf
from library.extensions import db
from library.indexing import changes as index_changes
from library import faults
from library.ocr import service as ocr
from library.storage import READER, StorageFull, file_sha256, get_store
from library.vietnamese import clean_text, fold, looks_vietnamese
from library.translatable import N_

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
    ocr_pages: int = 0  # scanned pages queued for recognition

    @property
    def failed(self) -> bool:
        return self.status == FAILED


class IngestError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ImportJob:
    """One file to import, with what the librarian said about it."""

    path: Path
    shelf: str | None = None
    metadata: BookMetadata | None = None
    original_filename: str | None = None

    @property
    def filename(self) -> str:
        return clean_text(self.original_filename or self.path.name)


def import_file(
    path: str | Path,
    *,
    shelf: str | None = None,
    metadata: BookMetadata | None = None,
    original_filename: str | None = None,
    index_now: bool = True,
) -> ImportResult:
    """Import one file. `index_now=False` leaves indexing to the background indexer."""
    job = ImportJob(Path(path), shelf, metadata, original_filename)
    (result,) = import_files([job], workers=1)
    if index_now and result.status == IMPORTED:
        indexing.index_book(result.book_id)
        if db.session.get(Book, result.book_id).index_status == IndexStatus.FAILED:
            result.warnings.append(N_("Chưa đưa vào chỉ mục tìm kiếm; hãy chạy lại 'index rebuild'"))
    return result


def import_files(jobs: Iterable[ImportJob], *, workers: int = 2) -> Iterator[ImportResult]:
    """Import files in order, parsing up to `workers` of them at once (each parse is its own
    child process, so a shelf of books uses every core); rows are written one file at a time.
    Books are left `pending` for the indexer."""
    config = current_app.config
    limits = {"timeout": config["EXTRACT_TIMEOUT_SECONDS"], "memory_mb": config["EXTRACT_MEMORY_MB"],
              "max_sections": config["MAX_BOOK_PAGES"]}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="extract") as pool:
        waiting: deque = deque()
        for job in jobs:
            waiting.append(_start(job, pool, limits))
            if len(waiting) > workers:
                yield _finish(*waiting.popleft())
        while waiting:
            yield _finish(*waiting.popleft())


def _start(job: ImportJob, pool: ThreadPoolExecutor, limits: dict):
    """Check what needs no parsing (shelf, readable, duplicate) and start the parse."""
    try:
        shelf = _resolve_shelf((job.metadata and job.metadata.shelf) or job.shelf)
        sha256, size = file_sha256(job.path)
    except IngestError as exc:
        return job, ImportResult(FAILED, job.filename, reason=exc.reason), None
    except OSError:
        return job, ImportResult(FAILED, job.filename, reason=N_("Không đọc được tệp")), None
    existing = find_by_sha256(sha256)
    if existing is not None:
        return job, _duplicate(job, existing), None
    return job, (shelf, sha256, size), pool.submit(extraction.extract, job.path, **limits)


def _duplicate(job: ImportJob, existing: Book | None) -> ImportResult:
    if existing is None:  # imported by another process a moment ago
        return ImportResult(DUPLICATE, job.filename,
                            reason=N_("trùng lặp với một sách vừa được nhập"))
    return ImportResult(DUPLICATE, job.filename, existing.id, existing.title,
                        reason=N_("trùng lặp với «{title}» (mã {id})", title=existing.title,
                                  id=str(existing.id)))  # an id, not a count: never "1.234"


def _finish(job: ImportJob, checked, parsing) -> ImportResult:
    if parsing is None:
        return checked
    shelf, sha256, size = checked
    try:
        book = _store_book(job, sha256, size, parsing.result(), shelf)
    except extraction.ExtractionError as exc:
        return ImportResult(FAILED, job.filename, reason=exc.reason)
    except IntegrityError:
        return _duplicate(job, find_by_sha256(sha256))
    except OSError as exc:
        if isinstance(exc, StorageFull) or exc.errno == errno.ENOSPC:
            return ImportResult(FAILED, job.filename, reason=N_("Hết dung lượng lưu trữ"))
        log.warning("cannot import %s: %s", job.path, exc)
        return ImportResult(FAILED, job.filename, reason=N_("Không đọc hoặc lưu được tệp"))

    warnings = list(book.warnings)
    twin = same_title_and_authors(book)
    if twin is not None:
        warnings.append(N_("Đã có sách cùng tên và tác giả: «{title}» (mã {id})",
                           title=twin.title, id=str(twin.id)))
    queued = _queued_pages(book.id)
    if queued:
        warnings = [w for w in warnings if "không có lớp văn bản" not in w]
        if not book.searchable:
            warnings.append(N_("Không tìm kiếm được cho đến khi nhận dạng chữ xong: "
                               "{pages} trang quét đang chờ", pages=queued))
    elif not book.searchable:
        warnings.append(N_("Không tìm kiếm được: tệp không có lớp văn bản"))
    return ImportResult(IMPORTED, job.filename, book.id, book.title, warnings=warnings, ocr_pages=queued)


def _queued_pages(book_id: int) -> int:
    return ocr.progress(book_id).total


def find_by_sha256(sha256: str) -> Book | None:
    return db.session.scalar(select(Book).where(Book.sha256 == sha256))


def same_title_and_authors(book: Book) -> Book | None:
    """A different file that is probably the same title: worth a warning, not a refusal."""
    # SQLite's lower() knows ASCII only ("Đ" stays "Đ"): titles of the same length are
    # compared here instead, case-insensitively but keeping the diacritics.
    candidates = db.session.scalars(
        select(Book).where(func.length(Book.title) == len(book.title), Book.id != book.id)
    )
    title, authors = book.title.casefold(), sorted(fold(a) for a in book.authors)
    return next((c for c in candidates
                 if c.title.casefold() == title and sorted(fold(a) for a in c.authors) == authors), None)


def _resolve_shelf(slug: str | None) -> Shelf:
    if slug:
        shelf = db.session.scalar(select(Shelf).where(Shelf.slug == slug))
        if shelf is None:
            raise IngestError(N_("Không có tủ sách «{slug}»", slug=slug))
        return shelf
    return db.session.scalars(select(Shelf).order_by(Shelf.position)).first()


def _title_from_filename(filename: str) -> str:
    stem = Path(filename).stem
    return re.sub(r"[_\s]+", " ", stem).strip() or "Không có tên"


def _guess_language(extracted) -> str | None:
    sample = " ".join(section.text for section in extracted.sections[:10])
    return "vi" if looks_vietnamese(sample) else None


def _store_book(job: ImportJob, sha256: str, size: int, extracted, shelf: Shelf) -> Book:
    """The file under a generated name, then the rows in one commit; nothing stays if either fails."""
    metadata = job.metadata or BookMetadata()
    store = get_store()
    ext = "epub" if extracted.media_type == EPUB else "pdf"
    stored = store.save_file(job.path, ext)
    faults.checkpoint(faults.AFTER_STORE)
    cover = None
    with store.commit_or_discard(db.session, stored) as saved:
        if extracted.cover:
            cover = store.save_bytes(extracted.cover, extracted.cover_ext or "jpg", "covers")
            saved.append(cover)
        tail = _save_tail(store, extracted)
        saved.append(tail)
        warnings = list(extracted.warnings)
        title, authors, publisher, description = limits.clamp(
            metadata.title or extracted.title or _title_from_filename(job.filename),
            metadata.authors if metadata.authors is not None else extracted.authors,
            metadata.publisher or extracted.publisher,
            metadata.description or extracted.description, warnings)
        book = Book(
            shelf=shelf,
            title=title,
            authors=authors,
            year=metadata.year or parse_year(extracted.year),
            publisher=publisher,
            description=description,
            language=extracted.language or _guess_language(extracted),
            media_type=extracted.media_type,
            sha256=sha256,
            size=size,
            original_filename=job.filename,
            stored_name=stored.name,
            cover_name=cover.name if cover else None,
            reader_tail_name=tail.name if tail else None,
            page_count=extracted.page_count,
            toc=[vars(entry) for entry in extracted.toc],
            searchable=extracted.searchable,
            warnings=warnings,
            index_status=IndexStatus.PENDING,
        )
        book.sections = [
            Section(position=s.position, page=s.page, chapter=s.chapter, href=s.href, text=s.text)
            for s in extracted.sections
        ]
        db.session.add(book)
        db.session.flush()
        index_changes.record([book.id])  # every host's index follows, from this commit on
        ocr.plan(book, extracted.scanned_pages)
    faults.checkpoint(faults.AFTER_COMMIT)
    return book


def _save_tail(store, extracted):
    """The reader's tail of a PDF with a flat page tree (library.extraction.page_tree)."""
    if extracted.media_type == EPUB or not extracted.reader_tail:
        return None
    return store.save_bytes(extracted.reader_tail, "pdf", READER)


def replace_book_file(book_id: int, path: str | Path, original_filename: str | None = None) -> ImportResult:
    """Re-ingest a book from a new file: parsed first, then the file, sections and file facts
    swapped in one commit; the old file goes only after that commit. The librarian's metadata
    (title, authors, shelf...) stays. The book is left `pending` for the indexer."""
    filename = clean_text(original_filename or Path(path).name)
    book = db.session.get(Book, book_id)
    if book is None:
        return ImportResult(FAILED, filename, reason=N_("Sách không còn trong thư viện"))
    try:
        sha256, size = file_sha256(path)
    except OSError:
        return ImportResult(FAILED, filename, reason=N_("Không đọc được tệp"))
    existing = find_by_sha256(sha256)
    if existing is not None:
        if existing.id == book.id:
            return ImportResult(DUPLICATE, filename, book.id, book.title,
                                reason=N_("Tệp mới giống hệt tệp đang dùng"))
        return _duplicate(ImportJob(Path(path), original_filename=filename), existing)
    config = current_app.config
    try:
        extracted = extraction.extract(path, timeout=config["EXTRACT_TIMEOUT_SECONDS"],
                                       memory_mb=config["EXTRACT_MEMORY_MB"],
                                       max_sections=config["MAX_BOOK_PAGES"])
    except extraction.ExtractionError as exc:
        return ImportResult(FAILED, filename, reason=exc.reason)
    store = get_store()
    old_files = [book.stored_name, book.reader_tail_name, book.ocr_layer_name]
    try:
        stored = store.save_file(path, "epub" if extracted.media_type == EPUB else "pdf")
    except OSError:
        return ImportResult(FAILED, filename, reason=N_("Không lưu được tệp"))
    try:
        with store.commit_or_discard(db.session, stored) as saved:
            if extracted.cover:
                cover = store.save_bytes(extracted.cover, extracted.cover_ext or "jpg", "covers")
                saved.append(cover)
                old_files.append(book.cover_name)
                book.cover_name = cover.name
            tail = _save_tail(store, extracted)
            saved.append(tail)
            book.reader_tail_name = tail.name if tail else None
            book.media_type, book.sha256, book.size = extracted.media_type, sha256, size
            book.original_filename, book.stored_name = filename, stored.name
            book.page_count, book.searchable = extracted.page_count, extracted.searchable
            book.toc = [vars(entry) for entry in extracted.toc]
            book.warnings = extracted.warnings
            book.index_status = IndexStatus.PENDING
            book.sections = []
            db.session.flush()  # the old sections go before the new take their positions
            book.sections = [
                Section(position=s.position, page=s.page, chapter=s.chapter, href=s.href, text=s.text)
                for s in extracted.sections
            ]
            index_changes.record([book.id])
            book.ocr_layer_name = None
            ocr.forget(book)
            ocr.plan(book, extracted.scanned_pages)
    except IntegrityError:  # the same file imported meanwhile: rolled back and deleted above
        return _duplicate(ImportJob(Path(path), original_filename=filename), find_by_sha256(sha256))
    for name in old_files:
        store.delete(name)
    return ImportResult(IMPORTED, filename, book.id, book.title, warnings=list(book.warnings))
