"""A browser upload (files, shelf, metadata or a manifest sheet) turned into an ingest job."""
from __future__ import annotations

import os
import tempfile
import unicodedata

from library.catalog import limits
from library.catalog.manifest import BookMetadata, ManifestError, read_manifest, split_authors
from library.catalog.models import Shelf
from library.jobs import runner
from library.jobs.models import IngestJob
from library.vietnamese import clean_text
from library.translatable import N_

SINGLE_ONLY = (N_("Tên sách, tác giả, năm… chỉ dùng khi tải lên một tệp; "
               "với nhiều tệp, hãy dùng bảng kê CSV."))
NO_FILES = N_("Chưa chọn tệp nào để tải lên.")


class UploadError(ValueError):
    """The form cannot become a job; the message is for the librarian."""


def client_name(raw: str | None) -> str:
    """The file's own name: some browsers send a whole Windows path."""
    return unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])


def metadata_from_form(title, authors, year, publisher, description) -> BookMetadata | None:
    metadata = BookMetadata(
        title=clean_text(title or "").strip() or None,
        authors=split_authors(authors) if (authors or "").strip() else None,
        year=year or None,
        publisher=clean_text(publisher or "").strip() or None,
        description=clean_text(description or "").strip() or None,
    )
    try:
        limits.check(metadata)
    except limits.MetadataError as exc:
        raise UploadError(str(exc)) from None
    return metadata if any(vars(metadata).values()) else None


def read_uploaded_manifest(storage) -> dict[str, BookMetadata]:
    """read_manifest reads a path: the sheet goes through a temporary file, removed at once."""
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as out:
            storage.save(out)
        return read_manifest(path)
    except ManifestError as exc:
        raise UploadError(str(exc)) from exc
    finally:
        os.unlink(path)


def start_upload(files, *, shelf: Shelf, metadata: BookMetadata | None, manifest_file,
                 user) -> IngestJob:
    """Stage the files and queue their job; the caller submits it."""
    files = [f for f in files if f and f.filename]
    if not files:
        raise UploadError(NO_FILES)
    if metadata is not None and len(files) > 1:
        raise UploadError(SINGLE_ONLY)
    manifest = read_uploaded_manifest(manifest_file) if manifest_file and manifest_file.filename else {}
    uploads = []
    for storage in files:
        name = client_name(storage.filename)
        uploads.append(runner.Upload(name, storage.stream, metadata or manifest.get(name)))
    return runner.create_job(uploads, shelf=shelf, source="web", user=user)


def start_replacement(storage, *, book_id: int, user) -> IngestJob:
    if not storage or not storage.filename:
        raise UploadError(NO_FILES)
    upload = runner.Upload(client_name(storage.filename), storage.stream)
    return runner.create_job([upload], shelf=None, source="web", user=user, replaces_book_id=book_id)
