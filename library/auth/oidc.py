"""Sign-in through the organisation's OpenID Connect provider (Authlib).

    LIBRARY_OIDC_ISSUER=https://id.example.vn/realms/dang      (discovery at /.well-known/...)
    LIBRARY_OIDC_CLIENT_ID=tu-sach
    LIBRARY_OIDC_CLIENT_SECRET=...
    LIBRARY_OIDC_SCOPE=openid profile                         (default)
    LIBRARY_OIDC_USERNAME_CLAIM=preferred_username            (default)
    LIBRARY_OIDC_NAME_CLAIM=name                              (default)
    LIBRARY_OIDC_BRANCH_CLAIM=branch                          (unset: no branch from the provider)
    LIBRARY_OIDC_ROLE_CLAIM=groups                            (default)
    LIBRARY_OIDC_ROLE_GROUPS=admin=tusach-admins;secretary=bi-thu;librarian=thu-vien
    LIBRARY_OIDC_LABEL=Cổng định danh                         (the sign-in button's words)

The provider's redirect URI for this site is <site>/dang-nhap/oidc/ve. The ID token is
checked by Authlib (signature from the provider's JWKS, issuer, audience, nonce). A first
sign-in creates the account; a local account that has its own password is never taken
over by a provider's account of the same name.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import login_user

from library import audit
from library.auth import accounts, bp
from library.auth.models import LOCAL, MEMBER, OIDC, ROLES, valid_username
from library.auth.permissions import public
from library.extensions import db
from library.redirects import safe_next
from library.translatable import N_

log = logging.getLogger(__name__)
EXTENSION = "tu_sach_oidc"
ROLE_STRENGTH = {MEMBER: 0, "secretary": 1, "librarian": 2, "admin": 3}
DEFAULTS = {"SCOPE": "openid profile", "USERNAME_CLAIM": "preferred_username",
            "NAME_CLAIM": "name", "ROLE_CLAIM": "groups", "LABEL": "Cổng định danh"}
MSG_FAILED = N_("Không đăng nhập được qua nhà cung cấp định danh. Vui lòng thử lại.")


def _config(app: Flask, name: str) -> str:
    return app.config.get(f"OIDC_{name}") or DEFAULTS.get(name, "")


def enabled(app: Flask | None = None) -> bool:
    return EXTENSION in (app or current_app).extensions


def label() -> str:
    return _config(current_app, "LABEL")


def init_app(app: Flask) -> None:
    """Register the provider when LIBRARY_OIDC_ISSUER is set (discovery is lazy: the
    provider is asked for its metadata at the first sign-in, not at start-up)."""
    issuer = _config(app, "ISSUER")
    if not issuer:
        return
    # imported only then: Authlib and requests are ~25 MB in every web worker otherwise
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register(
        "oidc", client_id=_config(app, "CLIENT_ID"), client_secret=_config(app, "CLIENT_SECRET"),
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": _config(app, "SCOPE"), "timeout": 10},
    )
    app.extensions[EXTENSION] = oauth


def role_for(groups) -> str:
    mapping = {}
    for entry in _config(current_app, "ROLE_GROUPS").split(";"):
        role, _, group = entry.strip().partition("=")
        if role.strip() in ROLES and group.strip():
            mapping[group.strip()] = role.strip()
    if isinstance(groups, str):
        groups = [groups]
    roles = [mapping[g] for g in (groups or []) if isinstance(g, str) and g in mapping] or [MEMBER]
    return max(roles, key=ROLE_STRENGTH.__getitem__)


def facts_from(claims: dict) -> tuple[str, dict]:
    """(username, {"full_name", "role", "branch"}) from the ID token's or userinfo's claims."""
    app = current_app
    username = accounts.normalize_username(str(claims.get(_config(app, "USERNAME_CLAIM")) or ""))
    branch_claim = _config(app, "BRANCH_CLAIM")
    return username, {
        "full_name": str(claims.get(_config(app, "NAME_CLAIM")) or ""),
        "branch": str(claims.get(branch_claim) or "") if branch_claim else "",
        "role": role_for(claims.get(_config(app, "ROLE_CLAIM"))),
    }


def _client():
    return current_app.extensions[EXTENSION].create_client("oidc")


@bp.post("/dang-nhap/oidc")
@public
def oidc_start():
    if not enabled():
        return redirect(url_for("auth.login"))
    session["oidc_next"] = safe_next(request.form.get("next")) or ""
    return _client().authorize_redirect(url_for("auth.oidc_callback", _external=True))


def _refuse(reason: str, username: str = ""):
    log.info("OIDC sign-in refused: %s", reason)
    audit.record("auth.login_failed", "user", None, username, actor=None, source=OIDC, reason=reason)
    db.session.commit()
    flash(MSG_FAILED, "error")
    return redirect(url_for("auth.login"))


@bp.get("/dang-nhap/oidc/ve")
@public
def oidc_callback():
    if not enabled():
        return redirect(url_for("auth.login"))
    from authlib.integrations.base_client.errors import OAuthError

    try:
        token = _client().authorize_access_token()
    except (OAuthError, ValueError, KeyError) as exc:
        return _refuse(f"token: {exc}")
    except Exception as exc:  # the provider unreachable, or an answer that is not JSON
        return _refuse(f"provider: {type(exc).__name__}")
    claims = dict(token.get("userinfo") or {})
    username, facts = facts_from(claims)
    if not valid_username(username):
        return _refuse(f"username {username[:80]!r}", username[:80])
    user = accounts.find_user(username)
    if user is not None and user.auth_source == LOCAL and user.password_hash:
        return _refuse("a local account with a password has that name", username)
    user = accounts.sync_directory_user(username, facts, user, OIDC, audit)
    if not user.active:
        return _refuse("account deactivated", username)
    user.last_login_at = accounts.utcnow()
    audit.record("auth.login", "user", user.id, user.username, actor=user, source=OIDC)
    db.session.commit()
    target = session.pop("oidc_next", "") or ""
    session.clear()
    login_user(user)
    return redirect(safe_next(target) or request.script_root + "/")
