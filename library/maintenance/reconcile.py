"""The reconciler: stored files, database rows and index documents brought back into agreement.

The database is the source of truth. After a crash (kill -9 at any step of an import, a
full disk, a deleted or older index) what can be left behind is:

- the index missing, corrupt or of an older format          -> rebuilt from the database
- index entries older than their book's last change         -> applied again (change log)
  (a change not applied on this host, an index write that failed)
- visible books without index documents                      -> logged and indexed
- index documents of books withdrawn or gone                 -> logged and removed
- a book whose file is missing                               -> flagged for librarians, kept
- a stored file no row refers to (killed after storing)      -> moved to quarantine/
- a half-written temporary file (`.incoming-*`)              -> deleted

`check()` only looks; `repair()` acts on what `check()` found. Both are idempotent:
a second run after a repair finds nothing to do. Young files and changes (younger than
`grace`) are left alone: an import or this host's indexer may be working on them right now.
Index repairs go through the change log, so every host's replica gets them. Books waiting
for the index are listed with their age.
"""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from library import audit, indexing, tasks
from library.indexing import changes, replica
from library.catalog.models import Book, BookStatus, IndexStatus, utcnow
from library.cli_language import _, ngettext, pgettext
from library.extensions import db
from library.translatable import N_
from library.search import get_index
from library.storage import get_store

log = logging.getLogger(__name__)
SETTLE = "maintenance.settle"

QUARANTINE = "quarantine"
FILE_MISSING = N_("Tệp sách không còn trong kho lưu trữ: hãy thay tệp hoặc khôi phục từ bản sao lưu")
DEFAULT_GRACE = 300.0  # seconds: an import stores its file moments before committing its row
_STORED = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{2,5}")
_PARTIAL = ".incoming-"
_SCANNED_FOLDERS = ("", "covers", "reader")  # staging/ belongs to the job runner, quarantine/ to us


@dataclass
class Report:
    index_state: str = "ok"
    behind: list[int] = field(default_factory=list)           # entries older than the book
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
        return bool(self.index_state != "ok" or self.behind or self.unindexed
                    or self.stray_documents or self.missing_files or self.found_again
                    or self.orphan_files or self.partial_files)

    @property
    def consistent(self) -> bool:
        return not self.to_repair and not self.flagged and not self.missing_covers

    def lines(self) -> list[str]:
        """What differs, one line each, in the language of the command line (and the log)."""
        out = []
        if self.index_state != "ok":
            out.append(_("Chỉ mục tìm kiếm: {state} — cần dựng lại", state=_state_words(self.index_state)))
        for items, text in [  # one form in Vietnamese, two in English
            (self.behind, ngettext(
                "{num} sách có mục chỉ mục cũ hơn lần sửa gần nhất (chưa cập nhật hoặc ghi lỗi): {ids}",
                "{num} sách có mục chỉ mục cũ hơn lần sửa gần nhất (chưa cập nhật hoặc ghi lỗi): {ids}",
                len(self.behind), ids=_ids(self.behind, self.ages))),
            (self.unindexed, ngettext(
                "{num} sách chưa có trong chỉ mục tìm kiếm (đang chờ hoặc bị sót): {ids}",
                "{num} sách chưa có trong chỉ mục tìm kiếm (đang chờ hoặc bị sót): {ids}",
                len(self.unindexed), ids=_ids(self.unindexed, self.ages))),
            (self.stray_documents, ngettext(
                "{num} sách không còn hiển thị nhưng vẫn có trong chỉ mục: {ids}",
                "{num} sách không còn hiển thị nhưng vẫn có trong chỉ mục: {ids}",
                len(self.stray_documents), ids=_ids(self.stray_documents, self.ages))),
            (self.missing_files, ngettext(
                "{num} sách mất tệp (chưa đánh dấu): {ids}",
                "{num} sách mất tệp (chưa đánh dấu): {ids}",
                len(self.missing_files), ids=_ids(self.missing_files, self.ages))),
            (self.flagged, ngettext(
                "{num} sách mất tệp (đã đánh dấu cho cán bộ thư viện): {ids}",
                "{num} sách mất tệp (đã đánh dấu cho cán bộ thư viện): {ids}",
                len(self.flagged), ids=_ids(self.flagged, self.ages))),
            (self.found_again, ngettext(
                "{num} sách đã có lại tệp (bỏ đánh dấu): {ids}",
                "{num} sách đã có lại tệp (bỏ đánh dấu): {ids}",
                len(self.found_again), ids=_ids(self.found_again, self.ages))),
            (self.missing_covers, ngettext(
                "{num} sách mất ảnh bìa: {ids}",
                "{num} sách mất ảnh bìa: {ids}",
                len(self.missing_covers), ids=_ids(self.missing_covers, self.ages))),
        ]:
            if items:
                out.append(text)
        if self.orphan_files:
            out.append(ngettext("{num} tệp không thuộc sách nào: {names}", "{num} tệp không thuộc sách nào: {names}",
                                len(self.orphan_files), names=", ".join(self.orphan_files[:10])
                                + ("…" if len(self.orphan_files) > 10 else "")))
        if self.partial_files:
            out.append(ngettext("{num} tệp tạm ghi dở", "{num} tệp tạm ghi dở", len(self.partial_files)))
        if self.young:
            out.append(ngettext("({num} tệp hoặc sách đang được xử lý, bỏ qua lần này)",
                                "({num} tệp hoặc sách đang được xử lý, bỏ qua lần này)", self.young))
        return out


def _state_words(state: str) -> str:
    return {"missing": pgettext("index state", "không có"), "outdated": pgettext("index state", "định dạng cũ"),
            "unreadable": pgettext("index state", "hỏng, không đọc được"),
            "damaged": pgettext("index state", "có phần bị hỏng, không đọc được")}.get(state, state)


def _ids(items: list[int], ages: dict[int, float] | None = None) -> str:
    ages = ages or {}
    shown = ", ".join(f"#{i}" + (f" ({_age(ages[i])})" if i in ages else "") for i in items[:20])
    return shown + ("…" if len(items) > 20 else "")


def _age(seconds: float) -> str:
    """How long a book has waited, in the words the report uses: "chờ 4 phút"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return ngettext("chờ {num} giây", "chờ {num} giây", seconds)
    if seconds < 7200:
        return ngettext("chờ {num} phút", "chờ {num} phút", seconds // 60)
    if seconds < 172800:
        return ngettext("chờ {num} giờ", "chờ {num} giờ", seconds // 3600)
    return ngettext("chờ {num} ngày", "chờ {num} ngày", seconds // 86400)


def check(grace: float = DEFAULT_GRACE, *, files: bool = True, deep: bool = False) -> Report:
    """What differs; `deep` also reads every part of the index (a damaged segment shows
    otherwise only when a search reaches it)."""
    report = Report(index_state=get_index().state(deep=deep))
    books = db.session.execute(
        select(Book.id, Book.status, Book.index_status, Book.stored_name, Book.cover_name,
               Book.reader_tail_name, Book.ocr_layer_name, Book.warnings, Book.updated_at)).all()
    now = utcnow()
    report.ages.update({b.id: (now - b.updated_at).total_seconds() for b in books
                        if b.index_status == IndexStatus.PENDING and b.updated_at is not None})
    if report.index_state == "ok":
        report.behind = replica.behind(grace)
        # A change this host has not applied yet is in hand while this host's follower holds
        # the replica's lock; with no follower alive (a kill -9 during `books import`) it is
        # a book left waiting, reported with its age and repaired, whatever the grace.
        with replica.replica_lock(blocking=False) as no_follower:
            pass
        cursor = replica.Cursor.load(Path(get_index().index_dir)) or replica.Cursor()
        in_hand = set() if no_follower else changes.books_changed_after(cursor.seq) - set(report.behind)
        report.young += len(in_hand)
        visible = {b.id for b in books if b.status == BookStatus.READY}
        indexed = get_index().indexed_book_ids()
        report.unindexed = sorted(visible - indexed - in_hand - set(report.behind))
        report.stray_documents = sorted(indexed - visible - in_hand - set(report.behind))
    if files:
        _check_files(report, books, grace)
    return report


def _check_files(report: Report, books, grace: float) -> None:
    store = get_store()
    present, partial, young = _stored_files(store.root, grace)
    report.partial_files, report.young = partial, report.young + young
    referenced = set()
    for book in books:
        # A missing reader tail or text layer is no fault: the reader then gets less.
        referenced.update(n for n in (book.stored_name, book.cover_name, book.reader_tail_name,
                                      book.ocr_layer_name) if n)
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
        done.append(ngettext("Đã dựng lại chỉ mục tìm kiếm: {num} cuốn sách",
                             "Đã dựng lại chỉ mục tìm kiếm: {num} cuốn sách", count))
    elif report.behind or report.unindexed or report.stray_documents:
        changes.record(report.behind + report.unindexed)
        changes.record(report.stray_documents, changes.DELETE)
        db.session.commit()
        current_app.extensions["indexer"].drain()
        if report.behind:
            done.append(ngettext("Đã cập nhật lại chỉ mục cho {num} sách", "Đã cập nhật lại chỉ mục cho {num} sách",
                                 len(report.behind)))
        if report.stray_documents:
            done.append(ngettext("Đã gỡ {num} sách khỏi chỉ mục", "Đã gỡ {num} sách khỏi chỉ mục",
                                 len(report.stray_documents)))
        if report.unindexed:
            done.append(ngettext("Đã lập chỉ mục {num} sách", "Đã lập chỉ mục {num} sách", len(report.unindexed)))
    if report.missing_files or report.found_again:
        _flag(report.missing_files, report.found_again)
        if report.missing_files:
            done.append(ngettext("Đã đánh dấu {num} sách mất tệp", "Đã đánh dấu {num} sách mất tệp",
                                 len(report.missing_files)))
        if report.found_again:
            done.append(ngettext("Đã bỏ đánh dấu {num} sách đã có lại tệp", "Đã bỏ đánh dấu {num} sách đã có lại tệp",
                                 len(report.found_again)))
    if not move_files:
        if report.orphan_files or report.partial_files:
            log.warning("%d orphan and %d partial files in the book store: run "
                        "`flask index check --repair`", len(report.orphan_files),
                        len(report.partial_files))
    elif report.orphan_files:
        moved = quarantine(report.orphan_files)
        done.append(ngettext("Đã chuyển {num} tệp không thuộc sách nào vào {folder}/",
                             "Đã chuyển {num} tệp không thuộc sách nào vào {folder}/", moved, folder=QUARANTINE))
    if move_files and report.partial_files:
        for name in report.partial_files:
            (get_store().root / name).unlink(missing_ok=True)
        done.append(ngettext("Đã xoá {num} tệp tạm ghi dở", "Đã xoá {num} tệp tạm ghi dở", len(report.partial_files)))
    for line in done:
        echo(line)
    return done


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
    """The start-up pass, a task of each host (`maintenance.settle`): whatever is cheap and
    safe to do unattended (index rebuilt or brought level, missing files flagged)."""
    report = check(grace)
    if report.to_repair:
        for line in report.lines():
            log.warning("reconciler: %s", line)
        if report.index_state != "ok" and (indexing.building() or get_index().write_locked()):
            report.index_state = "ok"  # another process of this host is building it: not twice
            report.unindexed = report.stray_documents = report.behind = []
        repair(report, echo=lambda line: log.warning("reconciler: %s", line), move_files=False)
    return report


@tasks.handler(SETTLE, max_attempts=3)
def settle_task(ctx: tasks.TaskContext, payload: dict) -> None:
    settle(float(payload.get("grace", DEFAULT_GRACE)))


@tasks.at_start
def queue_settle(app) -> None:
    """When a process's runner starts: the start-up pass for this host, once at a time."""
    if app.config.get("RECONCILE_ON_START", not app.testing):
        host = tasks.host_id(app)
        tasks.enqueue(SETTLE, {}, key=f"settle:{host}", host=host)
        db.session.commit()
