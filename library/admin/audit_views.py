"""The audit log page: newest first, filtered by actor, action, target and dates."""
from __future__ import annotations

from flask import render_template, request

from library.admin import bp
from library.admin.directory import AuditFilter, audit_actions
from library.admin.forms import AuditFilterForm
from library.extensions import db
from library.i18n import gettext as _
from library.security import page_arg

PER_PAGE = 50


@bp.get("/nhat-ky")
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = {"": _("Mọi thao tác"), **{a: a for a in audit_actions()}}
    form.validate()  # a bad date is shown as a field error and left out of the filter
    filters = AuditFilter(
        actor=(form.actor.data or "")[:80] if not form.actor.errors else "",
        action=form.action.data or "",
        target=(form.target.data or "") if not form.target.errors else "",
        since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None,
    )
    page = db.paginate(filters.query(), page=page_arg(),
                       per_page=PER_PAGE, error_out=False)
    return render_template("admin/audit.html", form=form, page=page)
