"""Admin pages for the member import: the upload form, the per-row report and its CSV."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from library.admin import bp
from library.admin.forms import ImportForm
from library.admin.member_import import (
    ERROR, MAX_BYTES, STATUS_LABELS, import_members, report_csv,
)
from library.admin.sheets import SheetError
from library.audit import AuditEvent
from library.extensions import db

ROWS_PER_PAGE = 200
SAMPLE = ("Tên đăng nhập,Họ và tên,Mã chi bộ,Vai trò\r\n"
          "nguyenvanan,Nguyễn Văn An,CB-001,đảng viên\r\n"
          "tranthibinh,Trần Thị Bình,CB-001,bí thư\r\n")


def _recent_imports():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "users.import")
                              .order_by(AuditEvent.id.desc()).limit(10)).all()


@bp.route("/nhap-thanh-vien", methods=["GET", "POST"])
def member_import():
    form = ImportForm()
    error, status = None, 200
    if form.validate_on_submit():
        upload = form.sheet.data
        try:
            data = upload.stream.read(MAX_BYTES + 1)
        finally:
            upload.close()  # a large upload is spooled to a temporary file
        try:
            _, event_id = import_members(data, current_user._get_current_object(),
                                         upload.filename or "")
        except SheetError as exc:
            db.session.rollback()
            error, status = str(exc), 400
        else:
            db.session.commit()
            return redirect(url_for("admin.import_report", event_id=event_id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/import.html", form=form, error=error,
                           recent=_recent_imports(), max_mb=MAX_BYTES // (1024 * 1024)), status


@bp.get("/nhap-thanh-vien/mau.csv")
def import_sample():
    return Response("\ufeff" + SAMPLE, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=mau-danh-sach.csv"})


def _import_event(event_id: int) -> AuditEvent:
    event = db.session.get(AuditEvent, event_id)
    if event is None or event.action != "users.import":
        abort(404)
    return event


@bp.get("/nhap-thanh-vien/<int:event_id>")
def import_report(event_id: int):
    event = _import_event(event_id)
    rows = event.details.get("rows", [])
    shown = request.args.get("status", ERROR if event.details["counts"].get(ERROR) else "")
    if shown in STATUS_LABELS:
        rows = [row for row in rows if row[2] == shown]
    else:
        shown = ""
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template(
        "admin/import_report.html", event=event, counts=event.details["counts"],
        rows=rows[(page - 1) * ROWS_PER_PAGE:page * ROWS_PER_PAGE], total=len(rows),
        page=page, pages=pages, shown=shown, labels=STATUS_LABELS)


@bp.get("/nhap-thanh-vien/<int:event_id>/bao-cao.csv")
def import_report_csv(event_id: int):
    event = _import_event(event_id)
    return Response(report_csv(event.details.get("rows", [])), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=bao-cao-nhap-{event.id}.csv"})
