"""Reading list pages: the member's "Sách được giao", and the secretary's (or the
organisation's) lists, their form, report and exports. Thin: scoping is in `service`."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from library.auth.models import ADMIN, LIBRARIAN, SECRETARY, Branch, User
from library.auth.permissions import can_copy_reading_list, can_manage_organisation_lists, role_required
from library.exceptions import http_status
from library.i18n import format_date, today as library_today
from library.extensions import db
from library.i18n import gettext as _
from library.reading_lists import bp, export, forms, report, service
from library.reading_lists.member import my_lists
from library.reading_lists.models import ListStatus
from library.reading_lists.picker import describe_books
from library.reading_lists.service import ReadingListError
from library.translatable import N_

MANAGERS = (SECRETARY, LIBRARIAN, ADMIN)
PURPOSE_LABELS = {"topic": N_("Chuyên đề học tập"), "resolution": N_("Nghị quyết"),
                  "campaign": N_("Cuộc vận động"), "other": N_("Khác")}
STATUS_LABELS = {"open": N_("Đang mở"), "closed": N_("Đã đóng"), "archived": N_("Lưu trữ")}


# Pages take English query parameters, as the API does (README: Query parameters). These
# pages used Vietnamese ones before: a bookmark with them is sent to the same view.
OLD_PARAMETERS = {"trang-thai": "status", "chi-bo": "branch", "qua-han": "overdue",
                  "chua-xong": "incomplete"}


@bp.before_request
def _old_parameter_names():
    if request.method == "GET" and not OLD_PARAMETERS.keys().isdisjoint(request.args):
        args = [(OLD_PARAMETERS.get(key, key), value) for key, value in request.args.items(multi=True)]
        return redirect(url_for(request.endpoint, **request.view_args) + "?" + urlencode(args), 301)
    return None


@bp.app_context_processor
def _labels():
    return {"PURPOSE_LABELS": PURPOSE_LABELS, "STATUS_LABELS": STATUS_LABELS}


# --- member ------------------------------------------------------------------------------

@bp.get("/sach-can-doc")
def mine():
    entries = my_lists(current_user)
    # Opening this page is reading the news: the header's count goes back to zero.
    new_ids = service.note_opened(current_user, [e.reading_list.id for e in entries])
    if new_ids:
        for entry in entries:
            entry.new = entry.reading_list.id in new_ids
        db.session.commit()
    return render_template("reading_lists/mine.html", entries=entries, today=library_today())


@bp.post("/sach-can-doc/<int:list_id>/muc/<int:item_id>")
def mark(list_id: int, item_id: int):
    read = request.form.get("read", "1") == "1"
    service.mark_read(current_user, list_id, item_id, read=read)  # NotFound: a 404 at the edge
    db.session.commit()
    flash(_("Đã đánh dấu đã đọc.") if read else _("Đã bỏ đánh dấu."), "info")
    return redirect(url_for("reading_lists.mine") + f"#list-{list_id}")


# --- managers ----------------------------------------------------------------------------

def _reportable_or_404(list_id: int):
    """(list, branch id the report is limited to or None, whether the user manages it).

    A secretary sees the own branch's rows of an organisation-wide list assigned to the
    branch, read-only; anything else the user does not manage does not exist for them."""
    try:
        reading_list = service.managed_list(current_user, list_id)
    except service.NotFound:
        reading_list = service.followed_list(current_user, list_id)
        if reading_list is None:
            abort(404)
        return reading_list, current_user.branch_id, False
    return reading_list, _report_scope(reading_list), True


@bp.get("/danh-sach-doc")
@role_required(*MANAGERS)
def manage():
    status = request.args.get("status", ListStatus.OPEN)
    if status not in service.STATUSES:
        status = ListStatus.OPEN
    branch_code = request.args.get("branch", "") if can_manage_organisation_lists(current_user) else None
    lists = list(db.session.scalars(service.managed_lists(current_user, status, branch_code)))
    followed = list(db.session.scalars(service.followed_lists(current_user, status)))
    # Lists one may copy from: the organisation's (for a secretary), kept short.
    sources = []
    if not can_manage_organisation_lists(current_user):
        sources = list(db.session.scalars(service.organisation_lists(ListStatus.OPEN).limit(50)))
    return render_template("reading_lists/manage.html", lists=lists, status=status,
                           branch_code=branch_code, sources=sources, followed=followed)


def _branch_members():
    if can_manage_organisation_lists(current_user) or current_user.branch_id is None:
        return []
    return list(db.session.scalars(select(User).where(
        User.branch_id == current_user.branch_id, User.role.in_(service.READER_ROLES),
        User.active.is_(True)).order_by(User.username)))


def _own_code():
    if current_user.branch_id is None:
        return None
    return db.session.scalar(select(Branch.code).where(Branch.id == current_user.branch_id))


def _render_form(data: forms.ListForm, reading_list=None, status=200):
    books = describe_books(spec.book_id for spec in data.items)
    return render_template("reading_lists/form.html", data=data, reading_list=reading_list,
                           books=books, members=_branch_members(), own_code=_own_code(),
                           staff=can_manage_organisation_lists(current_user)), status


@bp.route("/danh-sach-doc/moi", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    if request.method == "GET":
        mode = "all" if can_manage_organisation_lists(current_user) else "branch"
        return _render_form(forms.ListForm(assign_mode=mode))
    data, problem = forms.read_form(request.form)
    try:
        if problem:
            raise forms.FormError(problem)
        reading_list = service.create_list(
            current_user, title=data.title, purpose=data.purpose, description=data.description,
            due=data.due, items=data.items, assign=data.assign_spec(_own_code()))
    except service.NotFound:
        raise
    except ReadingListError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_form(data, status=http_status(exc))
    db.session.commit()
    flash(_("Đã tạo danh sách đọc."), "info")
    return redirect(url_for("reading_lists.report_page", list_id=reading_list.id))


def _form_of(reading_list) -> forms.ListForm:
    branches = [a.branch_id for a in reading_list.assignments if a.branch_id]
    users = [a.user_id for a in reading_list.assignments if a.user_id]
    mode, codes, names = "none", "", []
    if users:
        mode = "members"
        names = list(db.session.scalars(select(User.username).where(User.id.in_(users))))
    elif branches:
        codes = " ".join(db.session.scalars(select(Branch.code).where(Branch.id.in_(branches))))
        mode = "branch" if not can_manage_organisation_lists(current_user) else "branches"
    return forms.ListForm(
        reading_list.title, reading_list.purpose, reading_list.description, reading_list.due_date,
        [service.ItemSpec(i.book_id, (i.first_page, i.last_page) if i.first_page else None,
                          i.chapters, i.note) for i in reading_list.items],
        mode, names, codes)


@bp.route("/danh-sach-doc/<int:list_id>/sua", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(list_id: int):
    reading_list = service.managed_list(current_user, list_id)
    if request.method == "GET":
        return _render_form(_form_of(reading_list), reading_list)
    data, problem = forms.read_form(request.form)
    try:
        if problem:
            raise forms.FormError(problem)
        service.update_list(current_user, reading_list, title=data.title, purpose=data.purpose,
                            description=data.description, due=data.due, items=data.items,
                            assign=data.assign_spec(_own_code()))
    except service.NotFound:
        raise
    except ReadingListError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_form(data, db.session.get(type(reading_list), list_id), status=http_status(exc))
    db.session.commit()
    flash(_("Đã lưu danh sách đọc."), "info")
    return redirect(url_for("reading_lists.report_page", list_id=list_id))


@bp.post("/danh-sach-doc/<int:list_id>/trang-thai")
@role_required(*MANAGERS)
def change_status(list_id: int):
    reading_list = service.managed_list(current_user, list_id)
    try:
        service.set_status(current_user, reading_list, request.form.get("status", ""))
    except ReadingListError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reading_lists.report_page", list_id=list_id))
    db.session.commit()
    flash(_("Đã đổi trạng thái danh sách."), "info")
    return redirect(url_for("reading_lists.report_page", list_id=list_id))


@bp.post("/danh-sach-doc/<int:list_id>/gia-han")
@role_required(*MANAGERS)
def extend(list_id: int):
    """A new due date for the list, or (organisation-wide lists) for one branch."""
    reading_list = service.managed_list(current_user, list_id)
    try:
        due = date.fromisoformat(request.form.get("due", ""))
    except ValueError:
        flash(_("Hạn hoàn thành không hợp lệ."), "error")
        return redirect(url_for("reading_lists.report_page", list_id=list_id))
    try:
        if code := request.form.get("branch"):
            service.extend_branch(current_user, reading_list, code, due)
        else:
            service.update_list(current_user, reading_list, due=due)
    except ReadingListError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("reading_lists.report_page", list_id=list_id))
    db.session.commit()
    flash(_("Đã gia hạn đến {due}.", due=format_date(due)), "info")
    return redirect(url_for("reading_lists.report_page", list_id=list_id))


@bp.post("/danh-sach-doc/<int:list_id>/sao-chep")
@role_required(*MANAGERS)
def copy(list_id: int):
    source = db.session.get(service.ReadingList, list_id)
    if source is None or not can_copy_reading_list(current_user, source):
        abort(404)
    try:
        reading_list = service.copy_list(current_user, source)
    except ReadingListError as exc:  # e.g. one of its books was withdrawn since
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("reading_lists.manage"))
    db.session.commit()
    flash(_("Đã sao chép danh sách; kiểm tra rồi giao cho chi bộ."), "info")
    return redirect(url_for("reading_lists.edit", list_id=reading_list.id))


def _report_scope(reading_list):
    """(branch id or None, Branch or None): `?branch=CODE` narrows an organisation list."""
    code = request.args.get("branch")
    if not code:
        return None
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        abort(404)
    return branch.id


@bp.get("/danh-sach-doc/<int:list_id>")
@role_required(*MANAGERS)
def report_page(list_id: int):
    reading_list, branch_id, manages = _reportable_or_404(list_id)
    if reading_list.branch_id is None and branch_id is None and service.branch_dues(reading_list):
        return render_template("reading_lists/overview.html", reading_list=reading_list,
                               lines=report.overview(reading_list),
                               items=report.item_infos(reading_list))
    built = report.build(reading_list, branch_id)
    overdue_only = request.args.get("overdue") == "1"
    incomplete_only = request.args.get("incomplete") == "1"
    return render_template("reading_lists/report.html", report=built,
                           rows=built.filtered(overdue_only, incomplete_only),
                           overdue_only=overdue_only, incomplete_only=incomplete_only,
                           branch_code=request.args.get("branch") if manages else None,
                           manages=manages)


@bp.get("/danh-sach-doc/<int:list_id>/bao-cao.<fmt>")
@role_required(*MANAGERS)
def export_report(list_id: int, fmt: str):
    reading_list, branch_id, _manages = _reportable_or_404(list_id)
    built = report.build(reading_list, branch_id)
    name = f"bao-cao-danh-sach-{list_id}"
    if fmt == "csv":
        body, mimetype = export.to_csv(built), export.CSV_TYPE
    elif fmt == "xlsx":
        body, mimetype = export.to_xlsx(built), export.XLSX_TYPE
    else:
        abort(404)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
