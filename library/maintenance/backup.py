"""Backups: the database (SQLite's online backup API, or pg_dump), the book files,
covers and reader tails, and a manifest with a checksum of every file; restore into an empty instance.

A backup is consistent while imports go on: the database is copied first, in one
snapshot, and then exactly the files that snapshot refers to (an import stores its file
before it commits its row, so every file a committed row names is already there). The
manifest is written last: a folder without one is an interrupted backup.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select, text

from library.cli_language import _, ngettext
from library.extensions import db

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "library.db"
PG_FILE = "library.dump"
BOOKS = "books"
CHUNK = 1 << 20


class BackupError(Exception):
    """Why a backup or a restore cannot go on; `message` is for the operator, in the command
    line's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    books: int = 0
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)   # named by a row, not in the store
    mismatched: list[str] = field(default_factory=list)  # checksum differs from the row's


def _sha256_copy(source: Path, target: Path) -> tuple[str, int]:
    """Copy through a temporary name, hashing on the way; fsync before the rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    tmp = target.with_name(f".partial-{target.name}")
    try:
        with open(source, "rb") as src, open(tmp, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _database_kind(url) -> str:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend in ("postgresql", "postgres"):
        return "postgresql"
    raise BackupError(_("Chưa hỗ trợ sao lưu cơ sở dữ liệu {backend}", backend=backend))


def _pg_uri(url) -> str:
    """pg_dump takes a libpq URI: the SQLAlchemy driver suffix (+psycopg) goes."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_copy(source: str, target: str) -> None:
    """SQLite's online backup: a consistent snapshot while other connections write."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=4096, sleep=0.01)
    finally:
        dst.close()
        src.close()


def _empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def backup(target: Path, books_dir: Path) -> Outcome:
    target = Path(target)
    if not _empty_dir(target):
        raise BackupError(_("Thư mục sao lưu {folder} không trống", folder=target))
    target.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    kind = _database_kind(url)
    names: list[tuple[str, str | None]] = []  # (stored name, sha256 the row expects)
    if kind == "sqlite":
        database_file = target / SQLITE_FILE
        _sqlite_copy(url.database, str(database_file))
        snapshot = sqlite3.connect(database_file)
        try:
            rows = snapshot.execute("SELECT stored_name, cover_name, reader_tail_name, ocr_layer_name, sha256 FROM book").fetchall()
            revision = [r[0] for r in snapshot.execute("SELECT version_num FROM alembic_version")]
        finally:
            snapshot.close()
    else:
        database_file = target / PG_FILE
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file",
                               str(database_file), _pg_uri(url)], capture_output=True, text=True)
        if done.returncode:
            raise BackupError(_("pg_dump thất bại: {error}", error=done.stderr.strip()[:500]))
        from library.catalog.models import Book

        # pg_dump's snapshot is not this one: a book deleted in between is reported missing.
        rows = db.session.execute(select(Book.stored_name, Book.cover_name, Book.reader_tail_name,
                                          Book.ocr_layer_name, Book.sha256)).all()
        revision = [r[0] for r in db.session.execute(text("SELECT version_num FROM alembic_version"))]
    for stored_name, cover_name, reader_tail_name, ocr_layer_name, sha256 in rows:
        names.append((stored_name, sha256))
        names.extend((name, None) for name in (cover_name, reader_tail_name, ocr_layer_name) if name)
    outcome = Outcome(books=len(rows))
    files = {}
    for name, expected in names:
        source = Path(books_dir) / name
        try:
            digest, size = _sha256_copy(source, target / BOOKS / name)
        except FileNotFoundError:
            outcome.missing.append(name)
            continue
        if expected and digest != expected:
            outcome.mismatched.append(name)
        files[name] = {"sha256": digest, "size": size}
        outcome.files += 1
        outcome.bytes += size
    manifest = {
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": {"kind": kind, "file": database_file.name,
                     "sha256": _sha256(database_file), "revision": sorted(revision)},
        "books": outcome.books,
        "files": files,
        "missing": outcome.missing,
    }
    tmp = target / f".{MANIFEST}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target / MANIFEST)
    return outcome


def read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((Path(source) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(_("{folder} không phải một bản sao lưu hoàn chỉnh (thiếu {manifest})",
                             folder=source, manifest=MANIFEST)) from None
    except ValueError:
        raise BackupError(_("{manifest} trong {folder} bị hỏng", manifest=MANIFEST, folder=source)) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("Bản sao lưu định dạng {format} không được hỗ trợ", format=manifest.get("format")))
    return manifest


def verify(source: Path, manifest: dict) -> None:
    """Every file present with its checksum, before anything of the instance is touched."""
    source = Path(source)
    bad = []
    database = manifest["database"]
    if not (source / database["file"]).is_file() or _sha256(source / database["file"]) != database["sha256"]:
        bad.append(database["file"])
    for name, facts in manifest["files"].items():
        path = source / BOOKS / name
        if not path.is_file() or path.stat().st_size != facts["size"] or _sha256(path) != facts["sha256"]:
            bad.append(name)
    if bad:
        raise BackupError(ngettext("Bản sao lưu bị hỏng: {num} tệp sai hoặc thiếu ({names})",
                                  "Bản sao lưu bị hỏng: {num} tệp sai hoặc thiếu ({names})",
                                  len(bad), names=", ".join(bad[:5])))


def instance_is_empty(books_dir: Path) -> bool:
    from library.auth.models import User
    from library.catalog.models import Book

    stored = [p for p in Path(books_dir).rglob("*") if p.is_file()] if Path(books_dir).exists() else []
    return (not db.session.scalar(select(func.count(Book.id)))
            and not db.session.scalar(select(func.count(User.id))) and not stored)


def restore(source: Path, books_dir: Path, force: bool = False) -> Outcome:
    """Put a backup in place of this instance's database and files (the index is rebuilt after)."""
    source, books_dir = Path(source), Path(books_dir)
    manifest = read_manifest(source)
    verify(source, manifest)
    if not instance_is_empty(books_dir):
        if not force:
            raise BackupError(_("Bản cài đặt này đã có dữ liệu (sách, tài khoản hoặc tệp); "
                                "dùng --force để ghi đè"))
        _set_aside(books_dir)
    url = db.engine.url
    kind = _database_kind(url)
    if kind != manifest["database"]["kind"]:
        raise BackupError(_("Bản sao lưu là {backup}, cơ sở dữ liệu đích là {target}",
                             backup=manifest["database"]["kind"], target=kind))
    db.session.remove()
    db.engine.dispose()
    database_file = source / manifest["database"]["file"]
    if kind == "sqlite":
        _sqlite_copy(str(database_file), url.database)
    else:
        done = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                               "--dbname", _pg_uri(url), str(database_file)],
                              capture_output=True, text=True)
        if done.returncode:
            raise BackupError(_("pg_restore thất bại: {error}", error=done.stderr.strip()[:500]))
    db.engine.dispose()
    outcome = Outcome(books=manifest["books"], missing=list(manifest.get("missing", [])))
    for name, facts in manifest["files"].items():
        _sha256_copy(source / BOOKS / name, books_dir / name)
        outcome.files += 1
        outcome.bytes += facts["size"]
    return outcome


def _set_aside(books_dir: Path) -> None:
    """--force: the files already there go to quarantine/, never deleted."""
    from library.maintenance.reconcile import QUARANTINE

    aside = books_dir / QUARANTINE / f"before-restore-{time.strftime('%Y%m%d-%H%M%S')}"
    for path in [p for p in books_dir.iterdir() if p.name != QUARANTINE] if books_dir.exists() else []:
        aside.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(aside / path.name))
