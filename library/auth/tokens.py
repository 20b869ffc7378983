"""API tokens for scripts and apps: shown once, stored as a SHA-256, revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from library.auth.models import ApiToken, User, utcnow
from library.extensions import db

# A recognisable prefix lets secret scanners and people tell a leaked token apart.
PREFIX = "tsdt_"
NAME_MAX = 100
# last_used_at is informative only; writing it on every API call would make
# each read a write, so it is refreshed at most this often.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def sync_key_digest(md5_hex: str) -> str:
    """What is stored for the key KOReader's sync plugin sends (the MD5 hex of a token)."""
    return _digest("kosync:" + md5_hex.strip().lower())


def issue_token(user: User, name: str) -> str:
    """A new token for the user; the raw value is returned once and never stored."""
    raw = PREFIX + secrets.token_urlsafe(32)
    name = (name or "").strip()[:NAME_MAX] or "API"
    db.session.add(ApiToken(user=user, name=name, token_hash=_digest(raw),
                            sync_key_hash=sync_key_digest(hashlib.md5(raw.encode()).hexdigest())))
    db.session.flush()
    return raw


def user_for_token(raw: str | None) -> User | None:
    """The active user a live token belongs to, else None."""
    # A high-entropy token hashed before lookup: the database comparison leaks
    # nothing useful through timing, so no constant-time compare is needed.
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token.user


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def revoke_all(user: User) -> int:
    """Revoke every live token of the user; returns how many."""
    live = [token for token in user.tokens if token.revoked_at is None]
    now = utcnow()
    for token in live:
        token.revoked_at = now
    if live:
        db.session.flush()
    return len(live)


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ))


def own_token(user: User, token_id: int) -> ApiToken | None:
    """The user's own token with that id; another's is indistinguishable from none."""
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
