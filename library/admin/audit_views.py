"""The audit log page: newest first, filtered by actor, action, target and dates."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from library import audit
from library.admin import bp
from library.admin.directory import AuditFilter, audit_actions
from library.admin.forms import AuditFilterForm
from library.catalog.models import Shelf
from library.extensions import db
from library.i18n import gettext as _
from library.security import page_arg

PER_PAGE = 50


@bp.get("/nhat-ky")
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    words = sorted(((audit.action_words(a), a) for a in audit_actions()), key=lambda pair: pair[0])
    form.action.choices = {"": _("Mọi thao tác"), **{a: label for label, a in words}}
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


@bp.context_processor
def audit_words():
    """admin/_event.html (the log, the overview, a user's page) reads events out in words."""
    shelves = {}

    def describe(event):
        if not shelves:
            shelves.update(db.session.execute(select(Shelf.slug, Shelf.name)).all())
        return audit.describe(event, shelves)

    return {"describe_event": describe, "action_words": audit.action_words,
            "target_link": audit.target_link}
