"""Admin pages for users: the overview, the list with search and filters, create, edit,
deactivate and reactivate, password reset."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import func, select

from library.admin import bp, operations
from library.admin.directory import UserFilter, branch_codes
from library.admin.forms import ButtonForm, PasswordResetForm, UserCreateForm, UserEditForm
from library.audit import AuditEvent
from library.auth.accounts import AccountError
from library.auth.models import ROLE_LABELS, ROLES, Branch, User
from library.extensions import db
from library.i18n import gettext as _
from library.security import page_arg

PER_PAGE = 50


def _actor() -> User:
    return current_user._get_current_object()


def _page_arg() -> int:
    return page_arg()


@bp.get("/")
def index():
    count = lambda stmt: db.session.scalar(stmt) or 0  # noqa: E731
    figures = {
        "users": count(select(func.count(User.id))),
        "inactive": count(select(func.count(User.id)).where(User.active.is_(False))),
        "no_password": count(select(func.count(User.id)).where(User.password_hash.is_(None))),
        "branches": count(select(func.count(Branch.id))),
    }
    recent = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10)).all()
    return render_template("admin/index.html", figures=figures, recent=recent)


@bp.get("/nguoi-dung")
def users():
    filters = UserFilter(q=request.args.get("q", "")[:200], role=request.args.get("role", ""),
                         branch=request.args.get("branch", "")[:50],
                         active=request.args.get("active", ""))
    page = db.paginate(filters.query(), page=_page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, filters=filters,
                           roles=[(r, ROLE_LABELS[r]) for r in ROLES])


@bp.route("/nguoi-dung/moi", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = operations.create_user(_actor(), form.username.data, form.role.data,
                                          form.branch_code.data, form.full_name.data or "",
                                          form.password.data or None)
        except AccountError as exc:
            db.session.rollback()
            error, status = str(exc), 400
        else:
            db.session.commit()
            flash(_("Đã tạo tài khoản {username}.", username=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/user_new.html", form=form, error=error,
                           branch_codes=branch_codes()), status


def _edit_page(user: User, status: int = 200, *, form=None, error=None, new_password=None):
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "user", AuditEvent.target_id == user.id)
        .order_by(AuditEvent.id.desc()).limit(20)).all()
    if form is None:
        form = UserEditForm(formdata=None, full_name=user.full_name, role=user.role,
                            branch_code=user.branch.code if user.branch else "")
    response = make_response(render_template(
        "admin/user_edit.html", user=user, form=form, error=error, new_password=new_password,
        password_form=PasswordResetForm(formdata=None), button_form=ButtonForm(formdata=None),
        events=events, branch_codes=branch_codes()), status)
    # A generated password is in this page once; no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        return _edit_page(user)
    form = UserEditForm()
    if not form.validate_on_submit():
        return _edit_page(user, 400, form=form)
    try:
        # Only the form's three fields reach the account, whatever else was posted.
        done = operations.edit_user(_actor(), user, full_name=form.full_name.data or "",
                                    role=form.role.data, branch_code=form.branch_code.data or "")
    except AccountError as exc:
        db.session.rollback()
        return _edit_page(db.get_or_404(User, user_id), 400, form=form, error=str(exc))
    db.session.commit()
    flash(_("Đã lưu thay đổi.") if done else _("Không có gì thay đổi."), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    ButtonForm()  # the CSRF token was checked by the guard; nothing else is read
    try:
        changed = operations.set_active(_actor(), user, active)
    except AccountError as exc:
        db.session.rollback()
        return _edit_page(user, 400, error=str(exc))
    db.session.commit()
    if changed:
        flash(_("Đã mở khoá tài khoản.") if active else
              _("Đã khoá tài khoản: mọi phiên đăng nhập và token của người này ngừng hoạt động."),
              "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/nguoi-dung/<int:user_id>/khoa")
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/nguoi-dung/<int:user_id>/mo-khoa")
def user_reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/nguoi-dung/<int:user_id>/mat-khau")
def user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return _edit_page(user, 400, error=_("Mật khẩu không hợp lệ."))
    try:
        generated = operations.reset_password(_actor(), user, form.password.data or None)
    except AccountError as exc:
        db.session.rollback()
        return _edit_page(user, 400, error=str(exc))
    db.session.commit()
    if user.id == _actor().id:
        # The new password ended every session, this one too: keep the admin signed in here.
        session.clear()
        login_user(user)
    if generated:
        # Shown in this response only, never flashed: flashes live in the cookie.
        return _edit_page(user, new_password=generated)
    flash(_("Đã đặt mật khẩu mới; các phiên đăng nhập của người này đã kết thúc."), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))
