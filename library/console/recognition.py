"""Console pages for recognition (OCR): the books being read, the pages read poorly or not at
all ("chất lượng nhận dạng thấp"), and a book's re-run or cancel."""
from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from library.catalog.models import Book
from library.console import bp
from library.console.forms import ButtonForm
from library.extensions import db
from library.i18n import gettext as _
from library.i18n import ngettext
from library.ocr import service as ocr
from library.ocr.models import OcrPage, PageStatus
from library.translatable import N_

MAX_PAGES_FIELD = 2000
OCR_LABELS = {"queued": N_("Đang chờ"), "running": N_("Đang nhận dạng"), "done": N_("Xong"),
              "cancelled": N_("Đã dừng"), "failed": N_("Lỗi")}
_RANGE = re.compile(r"^\s*(\d{1,6})\s*(?:[-–]\s*(\d{1,6}))?\s*$")


class PagesError(ValueError):
    pass


def parse_pages(text: str, last: int) -> list[int] | None:
    """"3, 5-7" -> [3, 5, 6, 7]; empty -> None (every scanned page). PagesError when off."""
    if not text.strip():
        return None
    pages: set[int] = set()
    for part in text[:MAX_PAGES_FIELD].split(","):
        match = _RANGE.match(part)
        if not match:
            raise PagesError(_("Không hiểu «{part}»: hãy ghi số trang, ví dụ 3, 5-7.", part=part.strip()))
        first, end = int(match.group(1)), int(match.group(2) or match.group(1))
        if not 1 <= first <= end <= last:
            raise PagesError(_("Trang phải từ 1 đến {last}.", last=last))
        pages.update(range(first, end + 1))
    return sorted(pages)


def active_books() -> list[tuple[Book, ocr.Progress]]:
    """Books with pages still to recognise, and those finished most recently."""
    recent = db.session.execute(
        select(OcrPage.book_id).group_by(OcrPage.book_id)
        .order_by(db.func.max(OcrPage.updated_at).desc()).limit(30)
    ).scalars().all()
    waiting = ocr.books_missing()
    ids = list(dict.fromkeys([*waiting, *recent]))[:50]
    books = {b.id: b for b in db.session.scalars(select(Book).where(Book.id.in_(ids)))}
    return [(books[i], ocr.progress(i)) for i in ids if i in books]


@bp.get("/nhan-dang")
def recognition():
    failed = db.session.execute(
        select(OcrPage.book_id, OcrPage.page, OcrPage.reason, OcrPage.reason_message).where(OcrPage.status == PageStatus.FAILED)
        .order_by(OcrPage.book_id, OcrPage.page).limit(200)).all()
    titles = dict(db.session.execute(select(Book.id, Book.title).where(
        Book.id.in_({row.book_id for row in failed}))).all())
    return render_template("ocr/console.html", books=active_books(), low=ocr.low_confidence_books(),
                           failed=failed, titles=titles, button=ButtonForm(), OCR_LABELS=OCR_LABELS,
                           threshold=current_app.config["OCR_LOW_CONFIDENCE"])


@bp.post("/sach/<int:book_id>/nhan-dang")
def recognise_again(book_id: int):
    book = db.session.get(Book, book_id) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    from library.catalog.contents import chapter_count

    try:
        pages = parse_pages(request.form.get("pages", ""), book.page_count or chapter_count(book.id))
    except PagesError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.recognition"), 303)
    count = ocr.rerun(book.id, pages, missing_only=bool(request.form.get("missing")))
    if count:
        flash(ngettext("Đã xếp {num} trang của «{title}» vào hàng đợi nhận dạng.", "Đã xếp {num} trang của «{title}» vào hàng đợi nhận dạng.", count, title=book.title), "info")
    else:
        flash(_("«{title}» không có trang quét nào cần nhận dạng.", title=book.title), "info")
    return redirect(url_for("console.recognition"), 303)


@bp.post("/sach/<int:book_id>/nhan-dang/huy")
def cancel_recognition(book_id: int):
    book = db.session.get(Book, book_id) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if ocr.cancel(book.id):
        flash(_("Đã dừng nhận dạng «{title}»; các trang đã xong được giữ lại.", title=book.title), "info")
    return redirect(url_for("console.recognition"), 303)
