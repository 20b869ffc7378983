"""Pages of the librarian's console: upload, job progress, the book list, edit and the rest."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from library import jobs, tasks
from library.catalog import queries
from library.catalog.limits import MetadataError
from library.catalog.models import Book, BookStatus, IndexStatus, Shelf
from library.catalog import service
from library.console import bp
from library.catalog.covers import CoverError
from library.console.forms import BookForm, ButtonForm, MoveForm, ReplaceForm, UploadForm, shelf_choices
from library.console.progress import JOB_LABELS, SOURCE_LABELS, STATUS_LABELS, job_json, job_outcome
from library.catalog.uploads import UploadError, metadata_from_form, start_replacement, start_upload
from library.extensions import db
from library.i18n import gettext as _
from library.i18n import ngettext
from library.jobs.models import FileStatus, IngestJob, IngestJobFile
from library.redirects import safe_next
from library.storage import get_store
from library.security import page_arg
from library.translatable import N_


def _shelves() -> list[Shelf]:
    return list(db.session.scalars(select(Shelf).order_by(Shelf.position)))


def _book(book_id: int) -> Book:
    return db.session.get(Book, book_id) or abort(404)


def _recent_jobs(limit: int) -> list[IngestJob]:
    return list(db.session.scalars(select(IngestJob).order_by(IngestJob.id.desc()).limit(limit)))


@bp.get("/")
def index():
    form = UploadForm()
    form.shelf.choices = shelf_choices(_shelves())
    return render_template("console/index.html", form=form, **_overview())


def _overview() -> dict:
    counts = dict(db.session.execute(
        select(Book.index_status, func.count(Book.id)).group_by(Book.index_status)).all())
    withdrawn = db.session.scalar(select(func.count(Book.id)).where(Book.status == BookStatus.WITHDRAWN))
    return {"jobs": _recent_jobs(10), "index_failed": counts.get(IndexStatus.FAILED, 0),
            "withdrawn": withdrawn, "labels": JOB_LABELS, "sources": SOURCE_LABELS,
            "job_outcome": job_outcome}


@bp.post("/tai-len")
def upload():
    form = UploadForm()
    shelves = _shelves()
    form.shelf.choices = shelf_choices(shelves)
    if form.validate_on_submit():
        shelf = next(s for s in shelves if s.slug == form.shelf.data)
        try:
            metadata = metadata_from_form(form.title.data, form.authors.data, form.year.data,
                                          form.publisher.data, form.description.data)
            job = start_upload(request.files.getlist("files"), shelf=shelf, metadata=metadata,
                               manifest_file=request.files.get("manifest"), user=current_user)
        except UploadError as exc:
            form.files.errors = [str(exc)]
        else:
            jobs.submit(job.id)
            return redirect(url_for("console.job", job_id=job.id), 303)
    return render_template("console/index.html", form=form, **_overview()), 400


@bp.get("/tac-vu")
def job_list():
    failed = db.session.execute(
        select(IngestJobFile, IngestJob.created_at).join(IngestJob)
        .where(IngestJobFile.status == FileStatus.FAILED)
        .order_by(IngestJobFile.id.desc()).limit(50)).all()
    from library.console.recognition import OCR_LABELS, active_books

    return render_template("console/jobs.html", jobs=_recent_jobs(100), failed=failed,
                           books=active_books(), button=ButtonForm(), OCR_LABELS=OCR_LABELS,
                           labels=JOB_LABELS, sources=SOURCE_LABELS, job_outcome=job_outcome,
                           troubled=tasks.troubled(50), kinds=TASK_KINDS)


# What each kind of background task does, for librarians (library.tasks).
TASK_KINDS = {"ingest.job": N_("Nhập sách"), "index.book": N_("Ghi chỉ mục tìm kiếm"),
              "maintenance.settle": N_("Đối soát khi khởi động"), "ocr.book": N_("Nhận dạng chữ")}


@bp.get("/tac-vu/<int:job_id>")
def job(job_id: int):
    found = db.session.get(IngestJob, job_id) or abort(404)
    return render_template("console/job.html", job=found, status=job_json(found),
                           labels=STATUS_LABELS)


@bp.get("/tac-vu/<int:job_id>/trang-thai")
def job_status(job_id: int):
    found = db.session.get(IngestJob, job_id) or abort(404)
    response = {**job_json(found)}
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/sach")
def book_list():
    shelves = _shelves()
    args = request.args
    filters = service.BookFilters(
        q=args.get("q", "")[:200], shelf=next((s for s in shelves if s.slug == args.get("shelf")), None),
        status=args.get("status", ""), index_status=args.get("index", ""), kind=args.get("kind", ""))
    page = db.paginate(filters.query(), page=page_arg(), per_page=50,
                       error_out=False)
    move = MoveForm()
    move.shelf.choices = shelf_choices(shelves)
    return render_template("console/books.html", books=page, filters=filters, shelves=shelves,
                           move=move)


@bp.post("/sach/chuyen-tu")
def move():
    form = MoveForm()
    form.shelf.choices = shelf_choices(_shelves())
    ids = [int(i) for i in request.form.getlist("book_id") if i.isdigit()]
    if not form.validate_on_submit() or not ids:
        flash(N_("Chọn ít nhất một cuốn sách và một tủ sách."), "error")
    else:
        moved = service.move_books(ids, queries.shelf_by_slug(form.shelf.data))
        flash(ngettext("Đã chuyển {num} cuốn sách.", "Đã chuyển {num} cuốn sách.", len(moved)), "info")
    return redirect(safe_next(request.form.get("back")) or url_for("console.book_list"), 303)


@bp.route("/sach/<int:book_id>", methods=["GET", "POST"])
def edit(book_id: int):
    book = _book(book_id)
    shelves = _shelves()
    form = BookForm(obj=book) if request.method == "GET" else BookForm()
    form.shelf.choices = shelf_choices(shelves)
    if request.method == "GET":
        form.shelf.data, form.authors.data = book.shelf.slug, "; ".join(book.authors or [])
    elif form.validate_on_submit():
        cover = request.files.get("cover")
        try:
            changes = service.edit_book(
                book, title=form.title.data, authors=form.authors.data, year=form.year.data,
                publisher=form.publisher.data, description=form.description.data,
                shelf=next(s for s in shelves if s.slug == form.shelf.data),
                cover=cover.read() if cover and cover.filename else None)
        except CoverError as exc:
            form.cover.errors = [str(exc)]
        except MetadataError as exc:
            form.authors.errors = [str(exc)]
        else:
            flash(N_("Đã lưu thay đổi.") if changes else N_("Không có gì thay đổi."), "info")
            return redirect(url_for("console.edit", book_id=book.id), 303)
    return render_template("console/edit.html", book=book, form=form, replace=ReplaceForm(),
                           button=ButtonForm()), 200 if request.method == "GET" else 400


@bp.post("/sach/<int:book_id>/thay-tep")
def replace(book_id: int):
    book = _book(book_id)
    form = ReplaceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        job = start_replacement(request.files.get("file"), book_id=book.id, user=current_user)
    except UploadError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.edit", book_id=book.id), 303)
    jobs.submit(job.id)
    return redirect(url_for("console.job", job_id=job.id), 303)


@bp.post("/sach/<int:book_id>/rut")
def withdraw(book_id: int):
    _button_or_400()
    if service.withdraw(_book(book_id)):
        flash(N_("Đã rút sách: đảng viên không còn thấy cuốn này."), "info")
    return redirect(url_for("console.edit", book_id=book_id), 303)


@bp.post("/sach/<int:book_id>/khoi-phuc")
def reinstate(book_id: int):
    _button_or_400()
    if service.reinstate(_book(book_id)):
        flash(N_("Đã khôi phục sách."), "info")
    return redirect(url_for("console.edit", book_id=book_id), 303)


@bp.route("/sach/<int:book_id>/xoa", methods=["GET", "POST"])
def delete(book_id: int):
    book = _book(book_id)
    if request.method == "GET":
        return render_template("console/delete.html", book=book, button=ButtonForm())
    _button_or_400()
    title = book.title
    service.delete_book(book)
    flash(_("Đã xoá «{title}».", title=title), "info")
    return redirect(url_for("console.book_list"), 303)


@bp.get("/sach/<int:book_id>/anh-bia")
def cover(book_id: int):
    """The cover of any book, withdrawn ones too (the catalogue's serves visible books only)."""
    book = _book(book_id)
    if not book.cover_name:
        abort(404)
    response = send_file(get_store().path(book.cover_name), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _button_or_400() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)
