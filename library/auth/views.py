"""Sign-in, sign-out and the user's own profile: API tokens and password."""
from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from library import audit
from library.auth import accounts, bearer_token, bp, oidc, tokens
from library.auth.passwords import MAX_LENGTH
from library.auth.permissions import json_error
from library.extensions import db
from library.i18n import FlaskForm, lazy_gettext
from library.i18n import gettext as _
from library.i18n import ngettext
from library.redirects import safe_next

REQUIRED = lazy_gettext("Vui lòng nhập trường này.")
TOO_LONG = lazy_gettext("Tối đa %(max)d ký tự.")


class LoginForm(FlaskForm):
    username = StringField(lazy_gettext("Tên đăng nhập"),
                           [DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)])
    password = PasswordField(lazy_gettext("Mật khẩu"),
                             [DataRequired(REQUIRED), Length(max=MAX_LENGTH, message=TOO_LONG)])
    next = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(lazy_gettext("Tên token (để nhớ dùng cho việc gì)"),
                       [DataRequired(REQUIRED), Length(max=tokens.NAME_MAX, message=TOO_LONG)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(lazy_gettext("Mật khẩu hiện tại"), [DataRequired(REQUIRED)])
    new_password = PasswordField(lazy_gettext("Mật khẩu mới"), [DataRequired(REQUIRED)])
    confirm = PasswordField(lazy_gettext("Nhập lại mật khẩu mới"), [
        DataRequired(REQUIRED), EqualTo("new_password", lazy_gettext("Hai mật khẩu mới không khớp.")),
    ])


class ButtonForm(FlaskForm):
    """A form with only its CSRF token: the revoke and sign-out buttons."""


class EverywhereForm(FlaskForm):
    tokens = BooleanField(lazy_gettext("Thu hồi cả mọi token API"))


def _home() -> str:
    return request.script_root + "/"


def _client_ip() -> str:
    return request.remote_addr or "unknown"


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next") or form.next.data)
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(target or _home())
    form.next.data = target or ""
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data, _client_ip())
        except accounts.Throttled as exc:
            error, status = exc.message(), 429
        except accounts.AccountError as exc:
            db.session.rollback()
            # Checked and refused: logged with the name as typed and the client's address
            # (refusals by the throttle are not, or a flood would fill the log).
            audit.record("auth.login_failed", "user", None,
                         accounts.normalize_username(form.username.data)[:80], actor=None)
            db.session.commit()
            error = str(exc)
        else:
            audit.record("auth.login", "user", user.id, user.username, actor=user,
                         source=user.auth_source)
            db.session.commit()
            # A fresh session at sign-in: nothing set before it (by an attacker
            # who planted a cookie, or a previous user) carries over.
            session.clear()
            login_user(user)
            return redirect(target or _home())
    # The first sign-in with a code belongs to the members area, when the app has it.
    activate = "members.activate" in current_app.view_functions
    return render_template("auth/login.html", form=form, error=error,
                           oidc_label=oidc.label() if oidc.enabled() else None,
                           activate_url=url_for("members.activate") if activate else None), status


@bp.post("/dang-xuat")
def logout():
    if current_user.is_authenticated:
        # Every session of this user ends, not only this browser's: a copied
        # cookie is as good as the original until the version changes.
        current_user.revoke_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def _refuse_token_requests() -> None:
    # Tokens are for reading and writing library data; managing tokens and the
    # password needs a person signed in, so a leaked token cannot mint more.
    if bearer_token(request) is not None:
        abort(json_error(403, _("Thao tác này cần đăng nhập trên trình duyệt, không dùng token.")))


def _profile_page(status: int = 200, *, new_token: str | None = None,
                  token_form: TokenForm | None = None, password_form: PasswordForm | None = None,
                  password_error: str | None = None):
    response = make_response(render_template(
        "auth/profile.html",
        user=current_user,
        tokens=tokens.tokens_of(current_user),
        new_token=new_token,
        token_form=token_form or TokenForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        password_error=password_error,
        button_form=ButtonForm(formdata=None),
        everywhere_form=EverywhereForm(formdata=None),
    ), status)
    # The page may show a new token once; no cache should keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tai-khoan")
@login_required
def profile():
    return _profile_page()


@bp.post("/tai-khoan/token")
@login_required
def create_token():
    _refuse_token_requests()
    form = TokenForm()
    if not form.validate_on_submit():
        return _profile_page(400, token_form=form)
    raw = tokens.issue_token(current_user, form.name.data)
    audit.record("token.create", "user", current_user.id, current_user.username,
                 name=form.name.data.strip()[:tokens.NAME_MAX])
    db.session.commit()
    # Shown in this response only, never flashed: flashes live in the cookie.
    return _profile_page(201, new_token=raw)


@bp.post("/tai-khoan/token/<int:token_id>/thu-hoi")
@login_required
def revoke_token(token_id: int):
    _refuse_token_requests()
    token = tokens.own_token(current_user, token_id)
    if token is None:
        abort(404)  # also for another user's token: its existence is not told
    tokens.revoke(token)
    audit.record("token.revoke", "user", current_user.id, current_user.username, name=token.name)
    db.session.commit()
    flash(_("Đã thu hồi token “{name}”.", name=token.name), "info")
    return redirect(url_for("auth.profile"))


@bp.post("/tai-khoan/mat-khau")
@login_required
def change_password():
    _refuse_token_requests()
    form = PasswordForm()
    if not form.validate_on_submit():
        return _profile_page(400, password_form=form)
    user = current_user._get_current_object()
    try:
        accounts.change_password(user, form.current_password.data, form.new_password.data,
                                 _client_ip())
    except accounts.AccountError as exc:
        db.session.commit()  # keep a recorded failure
        status = 429 if isinstance(exc, accounts.Throttled) else 400
        return _profile_page(status, password_form=form, password_error=exc.message()
                             if isinstance(exc, accounts.Throttled) else str(exc))
    db.session.commit()
    # The new session version signed out every browser, this one included;
    # sign this one back in with a fresh session.
    session.clear()
    login_user(user)
    flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."), "success")
    return redirect(url_for("auth.profile"))


@bp.post("/tai-khoan/dang-xuat-moi-noi")
@login_required
def sign_out_everywhere():
    """End every other session (phones, other computers), and the API tokens when asked;
    this browser stays signed in with a fresh session."""
    _refuse_token_requests()
    form = EverywhereForm()
    if not form.validate_on_submit():
        return _profile_page(400)
    user = current_user._get_current_object()
    user.revoke_sessions()
    revoked = tokens.revoke_all(user) if form.tokens.data else 0
    audit.record("auth.sign_out_everywhere", "user", user.id, user.username, tokens=revoked)
    db.session.commit()
    session.clear()
    login_user(user)
    if form.tokens.data:
        flash(ngettext("Đã đăng xuất mọi thiết bị khác và thu hồi {num} token.", "Đã đăng xuất mọi thiết bị khác và thu hồi {num} token.", revoked), "success")
    else:
        flash(_("Đã đăng xuất mọi thiết bị khác."), "success")
    return redirect(url_for("auth.profile"))
