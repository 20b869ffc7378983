"""Pages of onboarding: the first sign-in with a code (its API, `POST /api/activate`, is
library.api.accounts), and a branch's members with their slips and codes (admins: any branch; a secretary: the own)."""
from __future__ import annotations

from flask import (Response, abort, current_app, flash, make_response, redirect,
                   render_template, request, session, url_for)
from flask_login import current_user, login_user
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from library.auth import bearer_token
from library.auth.accounts import AccountError, Throttled, find_branch
from library.auth.models import ROLE_LABELS, User
from library.auth.passwords import MAX_LENGTH, MIN_LENGTH
from library.auth.permissions import (can_issue_activation_code, can_manage_accounts,
                                      can_manage_branch_members, deny_unauthenticated, public)
from library.extensions import db
from library.i18n import FlaskForm, current_language, lazy_gettext
from library.i18n import gettext as _
from library.members import activation, bp, slips

REQUIRED = lazy_gettext("Vui lòng nhập trường này.")
FORMATS = {"pdf": ("application/pdf", slips.to_pdf),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", slips.to_xlsx),
           "csv": ("text/csv; charset=utf-8", slips.to_csv)}


class ActivateForm(FlaskForm):
    username = StringField(lazy_gettext("Tên đăng nhập"), [DataRequired(REQUIRED), Length(max=80)])
    code = StringField(lazy_gettext("Mã kích hoạt"), [DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(lazy_gettext("Mật khẩu mới"), [DataRequired(REQUIRED), Length(max=MAX_LENGTH)])
    confirm = PasswordField(lazy_gettext("Nhập lại mật khẩu mới"), [
        DataRequired(REQUIRED), EqualTo("password", lazy_gettext("Hai mật khẩu không khớp."))])


class ButtonForm(FlaskForm):
    """Only the CSRF token: the print and re-issue buttons."""


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def activation_url() -> str:
    """The address printed on slips: LIBRARY_PUBLIC_URL, else the one this page came from."""
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return base.rstrip("/") + url_for("members.activate")


# --- the member's first sign-in ------------------------------------------------------------

@bp.route("/kich-hoat", methods=["GET", "POST"])
@public
def activate():
    form = ActivateForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = activation.activate(form.username.data, form.code.data, form.password.data,
                                       _client_ip())
        except Throttled as exc:
            db.session.commit()
            error, status = exc.message(), 429
        except AccountError as exc:
            db.session.commit()  # the failure's audit event
            error, status = str(exc), 400
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash(_("Đã đặt mật khẩu. Chào mừng bạn đến với Tủ sách điện tử!"), "success")
            return redirect(request.script_root + "/")
    elif request.method == "POST":
        status = 400
    response = make_response(render_template(
        "members/activate.html", form=form, error=error, min_length=MIN_LENGTH), status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- a branch's members --------------------------------------------------------------------

def _branch_or_404(code: str):
    """The branch, when the signed-in person may look after its members (else 404/403)."""
    if not current_user.is_authenticated:
        deny_unauthenticated()
    # Codes are credentials: only a person at a browser hands them out, never a token.
    if bearer_token(request) is not None:
        abort(403)
    branch = find_branch(code) or abort(404)
    if not can_manage_branch_members(current_user, branch.id):
        abort(403)
    return branch


@bp.get("/chi-bo")
def home():
    if can_manage_accounts(current_user):  # admins look after every branch from there
        return redirect(url_for("admin.branches"))
    if not can_manage_branch_members(current_user, current_user.branch_id):
        abort(403)
    return redirect(url_for("members.branch", code=current_user.branch.code))


def _codes_wanted(branch) -> list[User]:
    """The branch's accounts without a password that this person may give a code to."""
    return [user for user in activation.members_without_password(branch)
            if can_issue_activation_code(current_user, user)]


@bp.get("/chi-bo/<code>/thanh-vien")
def branch(code: str):
    branch = _branch_or_404(code)
    members = list(db.session.scalars(
        select(User).where(User.branch_id == branch.id).order_by(User.username)))
    codes = activation.status([m.id for m in members])
    waiting = _codes_wanted(branch)
    response = make_response(render_template(
        "members/branch.html", branch=branch, members=members, codes=codes, waiting=len(waiting),
        now=activation.utcnow(), ROLE_LABELS=ROLE_LABELS, button_form=ButtonForm(formdata=None),
        may_issue=lambda member: can_issue_activation_code(current_user, member),
        local_date=slips.local_date))
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(issued, kind: str, name: str) -> Response:
    mime, writer = FORMATS[kind]
    # The sheet speaks the language of the person printing it (the CSV keeps machine names).
    response = make_response(writer(issued, activation_url(), language=current_language()))
    response.headers["Content-Type"] = mime
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/chi-bo/<code>/phieu-kich-hoat")
def print_slips(code: str):
    """New codes for every member of the branch without a password, as PDF or XLSX."""
    branch = _branch_or_404(code)
    kind = request.form.get("format", "pdf")
    if kind not in FORMATS:
        abort(400)
    users = _codes_wanted(branch)
    if not users:
        flash(_("Mọi thành viên của chi bộ đã đặt mật khẩu: không có phiếu nào để in."), "info")
        return redirect(url_for("members.branch", code=branch.code))
    try:
        issued = activation.issue_many(users, current_user._get_current_object(), branch)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("members.branch", code=branch.code))
    response = _download(issued, kind, f"ma-kich-hoat-{branch.code}")
    db.session.commit()
    return response


@bp.post("/chi-bo/<code>/thanh-vien/<int:user_id>/cap-ma")
def reissue(code: str, user_id: int):
    """A new code for one member (the old one dies), shown once or as a one-slip PDF."""
    branch = _branch_or_404(code)
    member = db.session.get(User, user_id)
    if member is None or member.branch_id != branch.id:
        abort(404)
    if not can_issue_activation_code(current_user, member):
        abort(403)
    try:
        slip = activation.reissue(member, current_user._get_current_object())
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("members.branch", code=branch.code))
    if request.form.get("format") == "pdf":
        response = _download([slip], "pdf", f"ma-kich-hoat-{member.username}")
    else:
        response = make_response(render_template(
            "members/code.html", branch=branch, member=member, slip=slip, url=activation_url(),
            local_date=slips.local_date))
        response.headers["Cache-Control"] = "no-store"
    db.session.commit()
    return response
