"""`flask demo`: an empty instance gets the demo library and one account per role."""
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from library.auth.accounts import create_user, find_user
from library.catalog.manifest import BookMetadata
from library.catalog.models import EPUB, PDF, Book
from library.cli_language import _, ngettext, said
from library.demo.catalog import build_demo_files
from library.extensions import db
from library.ingest import FAILED, ImportJob, import_files
from library.reading_lists.models import ReadingList
from library.reading_lists.service import AssignSpec, ItemSpec, create_list

# Shown on the console and in the README: a demo is meant to be signed into at once.
DEMO_PASSWORD = "tusach-demo-2026"
DEMO_BRANCH = "CB-MAU"
DEMO_ACCOUNTS = [
    ("quantri", "admin", "Quản trị viên mẫu"),
    ("thuvien", "librarian", "Cán bộ thư viện mẫu"),
    ("bithu", "secretary", "Bí thư chi bộ mẫu"),
    ("dangvien", "member", "Đảng viên mẫu"),
]


def ensure_demo_accounts() -> None:
    for username, role, full_name in DEMO_ACCOUNTS:
        if find_user(username) is None:
            create_user(username, role, branch_code=DEMO_BRANCH, full_name=full_name,
                        password=DEMO_PASSWORD)
    db.session.commit()


def fill_demo_library(workdir: Path, echo=print) -> int:
    """Import the demo books unless the library already has books; returns books imported."""
    imported = 0
    if db.session.scalar(select(func.count(Book.id))):
        echo(_("Thư viện đã có sách: không thêm sách mẫu."))
    else:
        echo(_("Đang tạo thư viện mẫu…"))
        jobs = [ImportJob(demo.path, demo.shelf, _metadata(demo)) for demo in build_demo_files(workdir)]
        for result in import_files(jobs):
            if result.status == FAILED:
                echo(f"failed: {result.filename} — {said(result.reason)}")
            else:
                imported += 1
        current_app.extensions["indexer"].drain()
        echo(ngettext("Đã nhập {num} sách mẫu vào ba tủ sách.", "Đã nhập {num} sách mẫu vào ba tủ sách.",
                      imported))
    ensure_demo_accounts()
    if ensure_demo_reading_list():
        echo(_("Danh sách đọc mẫu «{title}» đã giao cho chi bộ {branch}.",
               title=DEMO_LIST_TITLE, branch=DEMO_BRANCH))
    echo(_("Tài khoản mẫu (mật khẩu: {password}): {accounts}", password=DEMO_PASSWORD,
           accounts=", ".join(f"{username} ({role})" for username, role, _name in DEMO_ACCOUNTS)))
    return imported


DEMO_LIST_TITLE = "Học tập chuyên đề năm 2026"


def ensure_demo_reading_list() -> bool:
    """The demo secretary's list for the demo branch, so "Sách được giao" and the report have
    something to show: part of a PDF, two EPUB chapters and a whole short PDF."""
    if db.session.scalar(select(func.count(ReadingList.id))):
        return False
    pdfs = db.session.scalars(select(Book).where(Book.media_type == PDF, Book.searchable)
                              .order_by(Book.page_count.desc())).all()
    epub = db.session.scalars(select(Book).where(Book.media_type == EPUB).order_by(Book.id)).first()
    if len(pdfs) < 2 or epub is None:
        return False
    long_pdf, short_pdf = pdfs[0], pdfs[-1]
    items = [
        ItemSpec(long_pdf.id, pages=(1, min(10, long_pdf.page_count or 1)),
                 note="Đọc kỹ phần mở đầu, chuẩn bị ý kiến cho buổi sinh hoạt chi bộ."),
        ItemSpec(epub.id, chapters=[1, 2]),
        ItemSpec(short_pdf.id),
    ]
    create_list(find_user("bithu"), title=DEMO_LIST_TITLE, items=items,
                due=date.today() + timedelta(days=30),
                description="Chuyên đề học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
                assign=AssignSpec(branches=[DEMO_BRANCH]))
    db.session.commit()
    return True


def _metadata(demo) -> BookMetadata:
    return BookMetadata(title=demo.title, authors=demo.authors, shelf=demo.shelf,
                        year=demo.year, publisher=demo.publisher, description=demo.description)
