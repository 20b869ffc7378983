"""KOReader progress sync, as its kosync plugin and reference server (koreader-sync-server)
define it: documents named by KOReader's partial MD5 of the file, a place per user and
document. No HTTP here (library/reader/kosync_api.py speaks the protocol).

A library book's place goes both ways: a PDF page read in KOReader becomes the web reader's
position and counts as seen for reading lists; an EPUB's "/body/DocFragment[N]" the chapter
of that spine document. A web position newer than KOReader's is offered back in its terms.
"""
from __future__ import annotations

import hashlib
import re
from calendar import timegm
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from library.auth.models import ApiToken, User, normalize_username
from library.auth.tokens import sync_key_digest
from library.catalog.models import PDF, Book, BookStatus, Section, utcnow
from library.extraction.types import ExtractionError
from library.extensions import db
from library.reader import progress as places
from library.reader.models import BookDigest, KosyncProgress

WEB_DEVICE = "Tủ sách điện tử"
WEB_DEVICE_ID = "tu-sach-dien-tu-web"
MAX_FIELD = 200
MAX_PROGRESS = 2000
_DOC_FRAGMENT = re.compile(r"^/body/DocFragment\[(\d+)\]")


def partial_md5(path) -> str:
    """KOReader's util.partialMD5: MD5 over 1 KiB samples at 0 and 1024·4^i (i = 0..10).

    LuaJIT's bit.lshift(1024, -2) shifts by 30 (counts are taken mod 32), which leaves 0
    in 32 bits: the first sample is the file's start.
    """
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for offset in [0] + [1024 << (2 * i) for i in range(11)]:
            file.seek(offset)
            sample = file.read(1024)
            if not sample:
                break
            digest.update(sample)
    return digest.hexdigest()


def user_for_key(username: str | None, key: str | None) -> User | None:
    """The active user whose live API token has this MD5 hex (x-auth-key), else None."""
    if not username or not key or len(key) > 64 or len(username) > MAX_FIELD:
        return None
    token = db.session.scalar(
        select(ApiToken).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.sync_key_hash == sync_key_digest(key),
               User.username == normalize_username(username),
               ApiToken.revoked_at.is_(None)))
    if token is None or not token.user.active:
        return None
    return token.user


def valid_document(document) -> bool:
    """As the reference server: a non-empty string without a colon (and a sane length)."""
    return isinstance(document, str) and 0 < len(document) <= 64 and ":" not in document


# Documents of the library

def book_for_document(document: str) -> Book | None:
    """The visible book whose stored file KOReader names `document`; files not hashed yet
    (new, or replaced since) are hashed on the way, once each."""
    book = _digested(document)
    if book is None and _hash_missing():
        book = _digested(document)
    return book


def _digested(document: str) -> Book | None:
    return db.session.scalar(
        select(Book).join(BookDigest, BookDigest.book_id == Book.id)
        .where(BookDigest.partial_md5 == document.lower(), BookDigest.stored_name == Book.stored_name,
               Book.status == BookStatus.READY)
        .order_by(Book.id).limit(1))


def _hash_missing() -> int:
    from library.storage import get_store

    # Only the books never hashed or whose file changed: usually none, one indexed query.
    rows = db.session.execute(
        select(Book.id, Book.stored_name, BookDigest)
        .outerjoin(BookDigest, BookDigest.book_id == Book.id)
        .where(Book.status == BookStatus.READY,
               (BookDigest.book_id.is_(None)) | (BookDigest.stored_name != Book.stored_name))
    ).all()
    store, count = get_store(), 0
    for book_id, stored_name, digest in rows:
        try:
            value = partial_md5(store.path(stored_name))
        except (OSError, ValueError):
            continue
        if digest is None:
            db.session.add(BookDigest(book_id=book_id, stored_name=stored_name, partial_md5=value))
        else:
            digest.stored_name, digest.partial_md5 = stored_name, value
        count += 1
    db.session.flush()
    return count


def book_digest(book: Book) -> str | None:
    """The partial MD5 of one book's stored file, computed and kept if need be."""
    row = db.session.get(BookDigest, book.id)
    if row is None or row.stored_name != book.stored_name:
        _hash_missing()
        row = db.session.get(BookDigest, book.id)
    return row.partial_md5 if row else None


# Progress

@dataclass
class Report:
    document: str
    progress: str
    percentage: float
    device: str
    device_id: str


def record(user: User, report: Report) -> int:
    """Keep KOReader's place; for a library book also move the web reader there. Returns the
    timestamp (seconds) the reference server answers with."""
    now = utcnow().replace(microsecond=0)
    row = db.session.scalar(select(KosyncProgress).where(
        KosyncProgress.user_id == user.id, KosyncProgress.document == report.document))
    if row is None:
        row = KosyncProgress(user_id=user.id, document=report.document)
        db.session.add(row)
    row.progress, row.percentage = report.progress[:MAX_PROGRESS], report.percentage
    row.device, row.device_id = report.device[:MAX_FIELD], report.device_id[:MAX_FIELD]
    row.updated_at = now
    book = book_for_document(report.document)
    position = _position_of(book, report.progress) if book else None
    if position is not None:
        # a PDF page is seen whole, as in the web reader; an EPUB chapter only opened
        places.record_seen(user.id, book.id, position, to_end=book.media_type == PDF)
        places.save_position(user.id, book.id, position, 0.0)
    db.session.flush()
    return _seconds(now)


def latest(user: User, document: str) -> dict:
    """The body of GET /syncs/progress/<document>: KOReader's last report, or the web
    reader's place when that is newer; {} when neither is known."""
    row = db.session.scalar(select(KosyncProgress).where(
        KosyncProgress.user_id == user.id, KosyncProgress.document == document))
    book = book_for_document(document)
    web = places.get_position(user.id, book.id) if book else None
    if web is not None and (row is None or web.updated_at > row.updated_at):
        offered = _progress_of(book, web.position, web.offset)
        if offered is not None and (row is None or _position_of(book, row.progress) != web.position):
            return {"document": document, "progress": offered[0], "percentage": offered[1],
                    "device": WEB_DEVICE, "device_id": WEB_DEVICE_ID,
                    "timestamp": _seconds(web.updated_at)}
    if row is None:
        return {}
    return {"document": document, "progress": row.progress, "percentage": row.percentage,
            "device": row.device, "device_id": row.device_id, "timestamp": _seconds(row.updated_at)}


def _seconds(moment: datetime) -> int:
    return timegm(moment.timetuple())  # stored in UTC without a zone


def _last_position(book: Book) -> int:
    return db.session.scalar(select(func.max(Section.position)).where(Section.book_id == book.id)) or 0


def _position_of(book: Book, progress: str) -> int | None:
    """The web reader's position for KOReader's progress string, if it names one."""
    last = _last_position(book)
    if book.media_type == PDF:
        page = progress.strip()
        return int(page) if page.isdigit() and 1 <= int(page) <= last else None
    found = _DOC_FRAGMENT.match(progress.strip())
    if not found:
        return None
    hrefs = _spine(book)
    index = int(found.group(1)) - 1
    if not 0 <= index < len(hrefs):
        return None
    return db.session.scalar(select(Section.position).where(
        Section.book_id == book.id, Section.href == hrefs[index]))


def _progress_of(book: Book, position: int, offset: float) -> tuple[str, float] | None:
    """KOReader's (progress, percentage) for a web position."""
    last = _last_position(book)
    if not last:
        return None
    if book.media_type == PDF:
        return str(position), round(position / last, 4)
    href = db.session.scalar(select(Section.href).where(
        Section.book_id == book.id, Section.position == position))
    hrefs = _spine(book)
    if href not in hrefs:
        return None
    index = hrefs.index(href)
    return f"/body/DocFragment[{index + 1}]", round((index + offset) / len(hrefs), 4)


def _spine(book: Book) -> list[str]:
    """Zip paths of the EPUB's spine documents in order: KOReader's DocFragment[1..n]."""
    from library.reader.epub import spine_paths
    from library.storage import get_store

    try:
        return spine_paths(get_store().path(book.stored_name))
    except (OSError, ValueError, KeyError, ExtractionError):
        return []
