"""The reconciler: stored files, database rows and index documents brought back into agreement.

The database is the source of truth. After a crash (kill -9 at any step of an import, a
full disk, a deleted or older index) what can be left behind is:

- the index missing, corrupt or of an older format          -> rebuilt from the database
- books claimed by an indexer that died (`indexing`)         -> queued again
- visible books without index documents                      -> queued and indexed
- index documents of books withdrawn or gone                 -> removed from the index
- a book whose file is missing                               -> flagged for librarians, kept
- a stored file no row refers to (killed after storing)      -> moved to quarantine/
- a half-written temporary file (`.incoming-*`)              -> deleted

`check()` only looks; `repair()` acts on what `check()` found. Both are idempotent:
a second run after a repair finds nothing to do. Young files (younger than `grace`) are left
alone: an import may be working on them right now. A claim is judged by the index's write
lock instead, whatever its age: a live indexer holds the lock while it writes, and a killed
one's lock is gone with its process. Books waiting for the index are listed with their age.
"""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from library import audit, indexing
from library.catalog.models import Book, BookStatus, IndexStatus, utcnow
from library.extensions import db
from library.search import get_index
from library.storage import get_store

log = logging.getLogger(__name__)

QUARANTINE = "quarantine"
FILE_MISSING = "Tệp sách không còn trong kho lưu trữ: hãy thay tệp hoặc khôi phục từ bản sao lưu"
DEFAULT_GRACE = 300.0  # seconds: an import stores its file moments before committing its row
_STORED = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{2,5}")
_PARTIAL = ".incoming-"
_SCANNED_FOLDERS = ("", "covers", "reader")  # staging/ belongs to the job runner, quarantine/ to us


@dataclass
class Report:
    index_state: str = "ok"
    stale_claims: list[int] = field(default_factory=list)
    unindexed: list[int] = field(default_factory=list)       # visible, not in the index
    stray_documents: list[int] = field(default_factory=list)  # in the index, not visible
    missing_files: list[int] = field(default_factory=list)    # newly missing: to flag
    flagged: list[int] = field(default_factory=list)          # missing and already flagged
    found_again: list[int] = field(default_factory=list)      # flagged, file back: unflag
    missing_covers: list[int] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    partial_files: list[str] = field(default_factory=list)
    young: int = 0  # files and claims left alone because they may be in use
    ages: dict[int, float] = field(default_factory=dict)  # seconds since a book was queued/claimed

    @property
    def to_repair(self) -> bool:
        return bool(self.index_state != "ok" or self.stale_claims or self.unindexed
                    or self.stray_documents or self.missing_files or self.found_again
                    or self.orphan_files or self.partial_files)

    @property
    def consistent(self) -> bool:
        return not self.to_repair and not self.flagged and not self.missing_covers

    def lines(self) -> list[str]:
        out = []
        if self.index_state != "ok":
            out.append(f"Chỉ mục tìm kiếm: {_STATE_WORDS.get(self.index_state, self.index_state)}"
                       " — cần dựng lại")
        for items, text in [
            (self.stale_claims, "sách bị bỏ dở khi đang lập chỉ mục (tiến trình đã dừng)"),
            (self.unindexed, "sách chưa có trong chỉ mục tìm kiếm (đang chờ hoặc bị sót)"),
            (self.stray_documents, "sách không còn hiển thị nhưng vẫn có trong chỉ mục"),
            (self.missing_files, "sách mất tệp (chưa đánh dấu)"),
            (self.flagged, "sách mất tệp (đã đánh dấu cho cán bộ thư viện)"),
            (self.found_again, "sách đã có lại tệp (bỏ đánh dấu)"),
            (self.missing_covers, "sách mất ảnh bìa"),
        ]:
            if items:
                out.append(f"{len(items)} {text}: {_ids(items, self.ages)}")
        if self.orphan_files:
            out.append(f"{len(self.orphan_files)} tệp không thuộc sách nào: "
                       + ", ".join(self.orphan_files[:10]) + ("…" if len(self.orphan_files) > 10 else ""))
        if self.partial_files:
            out.append(f"{len(self.partial_files)} tệp tạm ghi dở")
        if self.young:
            out.append(f"({self.young} tệp hoặc sách đang được xử lý, bỏ qua lần này)")
        return out


_STATE_WORDS = {"missing": "không có", "outdated": "định dạng cũ", "unreadable": "hỏng, không đọc được",
                "damaged": "có phần bị hỏng, không đọc được"}


def _ids(items: list[int], ages: dict[int, float] | None = None) -> str:
    ages = ages or {}
    shown = ", ".join(f"#{i}" + (f" ({_age(ages[i])})" if i in ages else "") for i in items[:20])
    return shown + ("…" if len(items) > 20 else "")


def _age(seconds: float) -> str:
    """How long a book has waited, in the words the report uses: "chờ 4 phút"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"chờ {seconds} giây"
    if seconds < 7200:
        return f"chờ {seconds // 60} phút"
    if seconds < 172800:
        return f"chờ {seconds // 3600} giờ"
    return f"chờ {seconds // 86400} ngày"


def check(grace: float = DEFAULT_GRACE, *, files: bool = True, deep: bool = False) -> Report:
    """What differs; `deep` also reads every part of the index (a damaged segment shows
    otherwise only when a search reaches it)."""
    report = Report(index_state=get_index().state(deep=deep))
    _check_claims(report)
    books = db.session.execute(
        select(Book.id, Book.status, Book.index_status, Book.stored_name, Book.cover_name,
               Book.reader_tail_name, Book.warnings, Book.updated_at)).all()
    now = utcnow()
    report.ages.update({b.id: (now - b.updated_at).total_seconds() for b in books
                        if b.index_status in (IndexStatus.PENDING, indexing.INDEXING)
                        and b.updated_at is not None})
    if report.index_state == "ok":
        visible = {b.id for b in books if b.status == BookStatus.READY}
        indexed = get_index().indexed_book_ids()
        claimed = set(report.stale_claims)
        # A book being indexed right now by a live indexer is not missing: it is in hand.
        busy = {b.id for b in books if b.index_status == indexing.INDEXING} - claimed
        report.unindexed = sorted(visible - indexed - busy)
        report.stray_documents = sorted(indexed - visible)
    if files:
        _check_files(report, books, grace)
    return report


def _check_claims(report: Report) -> None:
    """Claims are dead when no indexer holds the index's write lock, however young: a kill -9
    during `books import` must not hide its books for the length of the grace."""
    claims = db.session.scalars(
        select(Book.id).where(Book.index_status == indexing.INDEXING).order_by(Book.id)).all()
    if not claims:
        return
    if get_index().write_locked():  # an indexer is at work: its claims are live
        report.young += len(claims)
        return
    report.stale_claims.extend(claims)


def _check_files(report: Report, books, grace: float) -> None:
    store = get_store()
    present, partial, young = _stored_files(store.root, grace)
    report.partial_files, report.young = partial, report.young + young
    referenced = set()
    for book in books:
        # A missing reader tail is no fault: the reader then gets the original file alone.
        referenced.update(n for n in (book.stored_name, book.cover_name, book.reader_tail_name) if n)
        flagged = FILE_MISSING in (book.warnings or [])
        if book.stored_name not in present and not (store.root / book.stored_name).exists():
            (report.flagged if flagged else report.missing_files).append(book.id)
        elif flagged:
            report.found_again.append(book.id)
        if book.cover_name and book.cover_name not in present \
                and not (store.root / book.cover_name).exists():
            report.missing_covers.append(book.id)
    cutoff = time.time() - grace
    for name, mtime in sorted(present.items()):
        if name not in referenced:
            if mtime <= cutoff:
                report.orphan_files.append(name)
            else:
                report.young += 1


def _stored_files(root: Path, grace: float) -> tuple[dict[str, float], list[str], int]:
    """Stored names with their modification times, old partial files, and the young partial ones."""
    present: dict[str, float] = {}
    partial: list[str] = []
    young = 0
    cutoff = time.time() - grace
    for folder in (*_SCANNED_FOLDERS, "staging"):
        directory = root / folder if folder else root
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            name = f"{folder}/{entry.name}" if folder else entry.name
            mtime = entry.stat(follow_symlinks=False).st_mtime
            if entry.name.startswith(_PARTIAL):
                if mtime <= cutoff:
                    partial.append(name)
                else:
                    young += 1
            elif folder != "staging" and _STORED.fullmatch(entry.name):
                present[name] = mtime
    return present, partial, young


def repair(report: Report, echo=log.info, *, move_files: bool = True) -> list[str]:
    """Act on what `check()` found; returns what was done, one line each.

    `move_files=False` (at start-up, in every worker) leaves orphan and partial files
    where they are, for `index check --repair` run by a person.
    """
    done: list[str] = []
    if report.index_state != "ok":
        count = indexing.rebuild()
        done.append(f"Đã dựng lại chỉ mục tìm kiếm: {count} cuốn sách")
    else:
        if report.stale_claims:
            _queue(report.stale_claims)
            done.append(f"Đã đưa lại {len(report.stale_claims)} sách vào hàng đợi lập chỉ mục")
        if report.stray_documents:
            for book_id in report.stray_documents:
                get_index().remove_book(book_id)
            done.append(f"Đã gỡ {len(report.stray_documents)} sách khỏi chỉ mục")
        if report.unindexed:
            _queue(report.unindexed)
        if report.unindexed or report.stale_claims:
            count = current_app.extensions["indexer"].drain()
            done.append(f"Đã lập chỉ mục {count} sách")
    if report.missing_files or report.found_again:
        _flag(report.missing_files, report.found_again)
        if report.missing_files:
            done.append(f"Đã đánh dấu {len(report.missing_files)} sách mất tệp")
        if report.found_again:
            done.append(f"Đã bỏ đánh dấu {len(report.found_again)} sách đã có lại tệp")
    if not move_files:
        if report.orphan_files or report.partial_files:
            log.warning("%d orphan and %d partial files in the book store: run "
                        "`flask index check --repair`", len(report.orphan_files),
                        len(report.partial_files))
    elif report.orphan_files:
        moved = quarantine(report.orphan_files)
        done.append(f"Đã chuyển {moved} tệp không thuộc sách nào vào {QUARANTINE}/")
    if move_files and report.partial_files:
        for name in report.partial_files:
            (get_store().root / name).unlink(missing_ok=True)
        done.append(f"Đã xoá {len(report.partial_files)} tệp tạm ghi dở")
    for line in done:
        echo(line)
    return done


def _queue(book_ids: list[int]) -> None:
    db.session.execute(update(Book).where(Book.id.in_(book_ids))
                       .values(index_status=IndexStatus.PENDING))
    db.session.commit()


def _flag(missing: list[int], found: list[int]) -> None:
    for book in db.session.scalars(select(Book).where(Book.id.in_(missing + found))):
        warnings = [w for w in (book.warnings or []) if w != FILE_MISSING]
        if book.id in missing:
            warnings.append(FILE_MISSING)
            audit.record("book.file_missing", "book", book.id, book.title,
                         stored_name=book.stored_name)
        book.warnings = warnings
    db.session.commit()


def quarantine(names: list[str]) -> int:
    """Move files no row refers to aside, never delete them: a librarian may want one back."""
    root = get_store().root
    target = root / QUARANTINE
    target.mkdir(exist_ok=True)
    moved = 0
    for name in names:
        try:
            os.replace(root / name, target / name.replace("/", "-"))
            moved += 1
        except FileNotFoundError:  # another process moved it first
            continue
    return moved


def file_missing(book) -> bool:
    """For the book page: flagged, and the viewer is one who can replace the file."""
    from flask_login import current_user

    from library.auth.permissions import can_manage_catalog

    return FILE_MISSING in (book.warnings or []) and can_manage_catalog(current_user)


def settle(grace: float = DEFAULT_GRACE) -> Report:
    """The start-up pass, in the background indexer: whatever is cheap and safe for every
    worker to do (index rebuilt or brought level, claims freed, missing files flagged)."""
    report = check(grace)
    if report.to_repair:
        for line in report.lines():
            log.warning("reconciler: %s", line)
        if report.index_state != "ok" and get_index().write_locked():
            report.index_state = "ok"  # another worker is rebuilding it: not twice
            report.unindexed = report.stray_documents = []
        repair(report, echo=lambda line: log.warning("reconciler: %s", line), move_files=False)
    return report
