"""Accounts and sign-in: init_app makes every route but /healthz and sign-in need a user."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from library.auth.models import User, normalize_username
from library.auth.permissions import deny_unauthenticated, is_api_request, json_error
from library.auth.tokens import user_for_token
from library.extensions import db
from library.translatable import N_

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

login_manager.login_view = "auth.login"
login_manager.login_message = N_("Vui lòng đăng nhập để tiếp tục.")
login_manager.login_message_category = "warning"

# Reachable without signing in. /healthz is matched by path: its endpoint name
# belongs to another module. The language switch is in base.html, so the
# sign-in page offers it too. Other views opt in with permissions.public.
OPEN_ENDPOINTS = {"auth.login", "static", "i18n.choose"}
OPEN_PATHS = {"/healthz"}
MIN_SECRET_KEY_LENGTH = 32
MSG_CSRF_API = (N_("Thiếu hoặc sai mã CSRF: gửi header X-CSRFToken, "
                "hoặc dùng Authorization: Bearer <token>."))
MSG_CSRF_PAGE = N_("Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại.")


def bearer_token(req) -> str | None:
    """The token of an `Authorization: Bearer ...` header, else None."""
    auth = req.authorization
    if auth is not None and auth.type == "bearer" and auth.token:
        return auth.token
    return None


# Where HTTP Basic is accepted: the OPDS feeds and the two links their entries carry
# (the book file and its cover). Many e-reader apps speak only Basic; they send the
# username and an API token as the password. A real password is never accepted here:
# each guess would cost an argon2 hash without the sign-in form's throttle.
BASIC_ENDPOINTS = {"reader.download", "catalog.cover"}


def is_opds_path(path: str) -> bool:
    return path == "/opds" or path.startswith("/opds/")


def basic_credentials(req) -> tuple[str, str] | None:
    """(username, token) of an `Authorization: Basic` header where Basic is accepted."""
    auth = req.authorization
    if auth is None or auth.type != "basic" or req.method not in ("GET", "HEAD"):
        return None
    if not (is_opds_path(req.path) or req.endpoint in BASIC_ENDPOINTS):
        return None
    return auth.username or "", auth.password or ""


class _TokenRequestSession(SecureCookieSession):
    """The session of a Bearer request: starts empty, is never sent back."""


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions, except that a Bearer request ignores the cookie.

    A request carrying a token is authenticated by the token alone: a browser
    cannot add that header cross-site, so such requests may skip CSRF checks
    only because the cookie plays no part in them.
    """

    def open_session(self, app, request):
        if bearer_token(request) is not None:
            return _TokenRequestSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if isinstance(session, _TokenRequestSession):
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app):
        # Secure whenever the page itself came over HTTPS (behind a proxy this
        # needs ProxyFix), and always when the configuration asks for it.
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (
            has_request_context() and request.is_secure
        )


def check_secret_key(app: Flask) -> None:
    """Refuse to run in production with a missing, short or trivially repetitive key,
    since whoever knows it can forge any session."""
    if not app.config.get("ENV_PRODUCTION"):
        return
    key = app.config.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 8:
        raise RuntimeError(
            f"LIBRARY_SECRET_KEY must be a random string of at least {MIN_SECRET_KEY_LENGTH} "
            "characters in production (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )


def init_app(app: Flask) -> None:
    from library.auth.cli import users_cli

    check_secret_key(app)
    # Flask's own defaults hold these keys (SameSite None), so setdefault would not do.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("PREFER_HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config.setdefault("PREFERRED_URL_SCHEME", "https")
    # A reader page stays open for hours and posts progress with the token it
    # got on load; the token is tied to the session, which sign-in renews.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = SessionInterface()

    login_manager.init_app(app)
    csrf.init_app(app)
    # CSRF is checked by _guard below instead, so that Bearer requests skip it.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_guard)

    from library.auth import oidc

    oidc.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)


def _guard():
    view = current_app.view_functions.get(request.endpoint)
    is_open = (request.path in OPEN_PATHS or request.endpoint in OPEN_ENDPOINTS
               or getattr(view, "is_public", False))
    if not is_open and not current_user.is_authenticated:
        deny_unauthenticated()
    if bearer_token(request) is None and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            csrf.protect(apply_exemptions=True)
        except CSRFError:
            # Flask-WTF's reasons are English and technical; the app's error
            # pages (or the JSON below) show this instead.
            if is_api_request():
                abort(json_error(400, MSG_CSRF_API))
            raise CSRFError(description=MSG_CSRF_PAGE) from None


@login_manager.user_loader
def _load_user(user_id: str):
    # "id:session_version" (User.get_id): a cookie from before a sign-out,
    # password change or role change carries an old version and is refused.
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.request_loader
def _load_user_from_request(req):
    raw = bearer_token(req)
    if raw:
        return user_for_token(raw)
    basic = basic_credentials(req)
    if basic:
        username, token = basic
        user = user_for_token(token)
        # The name must match too: a token alone is enough, but a mismatch means confusion.
        if user is not None and user.username == normalize_username(username):
            return user
    return None


from library.auth import views  # noqa: E402,F401  (registers the routes on bp)
