"""The metadata sheet a librarian loads with a shelf: one CSV row per file."""
import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from library.catalog import limits
from library.vietnamese import clean_text
from library.translatable import N_
from library.i18n import gettext as _

COLUMNS = ("file", "title", "authors", "shelf", "year", "publisher", "description")


class ManifestError(ValueError):
    pass


@dataclass
class BookMetadata:
    """Metadata a librarian gives; None leaves what the file itself says."""

    title: str | None = None
    authors: list[str] | None = None
    shelf: str | None = None
    year: int | None = None
    publisher: str | None = None
    description: str | None = None


def split_authors(value: str) -> list[str]:
    separator = ";" if ";" in value else ","
    return [name.strip() for name in clean_text(value).split(separator) if name.strip()]


def parse_year(value: str | int | None) -> int | None:
    try:
        year = int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return None
    return year if 1000 <= year <= 2999 else None


def _field(row: dict, name: str) -> str | None:
    value = clean_text(row.get(name) or "").strip()
    return value or None


def read_manifest(path: str | Path) -> dict[str, BookMetadata]:
    """Rows keyed by the file's name as written in the sheet (NFC, as given)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            headers = {h.strip().lower() for h in (reader.fieldnames or [])}
            if "file" not in headers:
                raise ManifestError(N_("Bảng kê thiếu cột 'file'"))
            rows = {}
            for line_no, raw in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): v for k, v in raw.items()}
                name = _field(row, "file")
                if not name:
                    raise ManifestError(_("Dòng {line} của bảng kê không có tên tệp", line=line_no))
                authors = _field(row, "authors")
                metadata = BookMetadata(
                    title=_field(row, "title"),
                    authors=split_authors(authors) if authors else None,
                    shelf=_field(row, "shelf"),
                    year=parse_year(_field(row, "year")),
                    publisher=_field(row, "publisher"),
                    description=_field(row, "description"),
                )
                try:
                    limits.check(metadata)
                except limits.MetadataError as exc:
                    raise ManifestError(_("Dòng {line} của bảng kê: {problem}", line=line_no, problem=exc)) from None
                rows[unicodedata.normalize("NFC", name)] = metadata
            return rows
    except UnicodeDecodeError as exc:
        raise ManifestError(N_("Bảng kê phải là tệp CSV mã UTF-8")) from exc
    except csv.Error as exc:
        if "field limit" in str(exc):
            limit = "{:,}".format(csv.field_size_limit()).replace(",", ".")
            raise ManifestError(_("Một ô của bảng kê dài quá {max} ký tự", max=limit)) from exc
        raise ManifestError(_("Bảng kê không đúng định dạng CSV: {problem}", problem=exc)) from exc


def lookup(manifest: dict[str, BookMetadata], file: Path, base: Path | None) -> BookMetadata | None:
    """A row names a file by its path relative to the sheet's folder, or by its bare name."""
    candidates = [file.name]
    if base is not None:
        try:
            candidates.insert(0, str(file.resolve().relative_to(base.resolve())))
        except ValueError:
            pass
    for candidate in candidates:
        found = manifest.get(unicodedata.normalize("NFC", candidate))
        if found:
            return found
    return None
