"""Admin pages for branches (chi bộ): the list with member counts, create, rename."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from library.admin import bp, operations
from library.admin.directory import branches_query, member_counts
from library.admin.forms import BranchForm
from library.auth.accounts import AccountError
from library.auth.models import Branch
from library.extensions import db
from library.i18n import gettext as _
from library.security import page_arg

PER_PAGE = 50


def _list_page(form: BranchForm | None = None, error: str | None = None, status: int = 200):
    q = request.args.get("q", "")[:200]
    page = db.paginate(branches_query(q), page=page_arg(),
                       per_page=PER_PAGE, error_out=False)
    counts = member_counts([branch.id for branch in page.items])
    return render_template("admin/branches.html", page=page, counts=counts, q=q,
                           form=form or BranchForm(formdata=None), error=error), status


@bp.get("/chi-bo")
def branches():
    return _list_page()


@bp.post("/chi-bo")
def branch_create():
    form = BranchForm()
    if not form.validate_on_submit():
        return _list_page(form, status=400)
    try:
        branch = operations.create_branch(current_user, form.code.data, form.name.data)
    except AccountError as exc:
        db.session.rollback()
        return _list_page(form, str(exc), 400)
    db.session.commit()
    flash(_("Đã tạo chi bộ {code}.", code=branch.code), "success")
    return redirect(url_for("admin.branches", q=branch.code))


@bp.route("/chi-bo/<int:branch_id>", methods=["GET", "POST"])
def branch_edit(branch_id: int):
    branch = db.get_or_404(Branch, branch_id)
    form = BranchForm(obj=branch) if request.method == "GET" else BranchForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                changes = operations.edit_branch(current_user, branch, form.code.data, form.name.data)
            except AccountError as exc:
                db.session.rollback()
                error, status = str(exc), 400
            else:
                db.session.commit()
                flash(_("Đã lưu thay đổi.") if changes else _("Không có gì thay đổi."), "success")
                return redirect(url_for("admin.branch_edit", branch_id=branch.id))
        else:
            status = 400
    members = member_counts([branch.id]).get(branch.id, 0)
    return render_template("admin/branch_edit.html", branch=branch, form=form, error=error,
                           members=members), status
