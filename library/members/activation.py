"""One-time activation codes: how an imported member gets a first password.

A code is printed once on a slip and stored only as a SHA-256; an account has at most
one live code (a new one replaces the old), it expires, and it works once: the update
that marks it used succeeds for one request only, however many arrive at once.

Functions flush and never commit: the caller commits the change with its audit event.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from library import audit
from library.auth import accounts, passwords, throttle
from library.auth.models import LOCAL, ActivationCode, Branch, User, utcnow
from library.extensions import db
from library.translatable import N_
from library.i18n import gettext as _

# No 0/O, 1/I/L: the code is read off paper and typed on a phone. 12 characters of 32:
# 60 bits, which with expiry and the sign-in throttle is far beyond guessing.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12
DEFAULT_DAYS = 30
MSG_BAD_CODE = N_("Tên đăng nhập hoặc mã kích hoạt không đúng, hoặc mã đã dùng hay hết hạn.")


@dataclass(frozen=True)
class Slip:
    """What a printed slip says: one member, the code, until when."""

    username: str
    full_name: str
    branch: str
    code: str
    expires_at: datetime


def _digest(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{normalize(code)}".encode()).hexdigest()


def normalize(code: str) -> str:
    """What was typed, as generated: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-–_.]", "", (code or "").upper())[:64]


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def valid_days() -> int:
    return int(current_app.config.get("ACTIVATION_CODE_DAYS", DEFAULT_DAYS))


def issue(user: User, issued_by: str) -> Slip:
    """A new code for the user; any previous code of theirs stops working."""
    if user.auth_source != LOCAL:
        raise accounts.AccountError(
            _("{username} đăng nhập qua hệ thống thư mục của tổ chức, không dùng mã kích hoạt.", username=user.username))
    if not user.active:
        raise accounts.AccountError(_("Tài khoản {username} đang bị khoá.", username=user.username))
    code = _new_code()
    expires = utcnow() + timedelta(days=valid_days())
    row = db.session.scalar(select(ActivationCode).where(ActivationCode.user_id == user.id))
    if row is None:
        row = ActivationCode(user_id=user.id)
        db.session.add(row)
    row.code_hash, row.created_at, row.expires_at = _digest(user.id, code), utcnow(), expires
    row.used_at, row.issued_by = None, issued_by[:80]
    db.session.flush()
    return Slip(user.username, user.full_name, user.branch.code if user.branch else "", code, expires)


def members_without_password(branch: Branch | None = None) -> list[User]:
    """Active local accounts that have no password yet (of one branch, when given)."""
    stmt = select(User).where(User.password_hash.is_(None), User.active.is_(True),
                              User.auth_source == LOCAL)
    if branch is not None:
        stmt = stmt.where(User.branch_id == branch.id)
    return list(db.session.scalars(stmt.order_by(User.branch_id, User.username)))


def issue_many(users: list[User], actor: User | None, branch: Branch | None = None) -> list[Slip]:
    """New codes for all these users (one audit event for the batch)."""
    name = actor.username if actor is not None else "cli"
    slips = [issue(user, name) for user in users]
    audit.record("user.activation_codes", "branch" if branch else "", branch.id if branch else None,
                 branch.code if branch else "", actor=actor, count=len(slips))
    return slips


def reissue(user: User, actor: User | None) -> Slip:
    slip = issue(user, actor.username if actor is not None else "cli")
    audit.record("user.activation_code", "user", user.id, user.username, actor=actor)
    return slip


def status(user_ids: list[int]) -> dict[int, ActivationCode]:
    """The code rows of these users, for the members' list."""
    if not user_ids:
        return {}
    rows = db.session.scalars(select(ActivationCode).where(ActivationCode.user_id.in_(user_ids)))
    return {row.user_id: row for row in rows}


def activate(username: str, code: str, password: str, ip: str) -> User:
    """Set the first password with a code; the code is used up. AccountError says why not.

    Throttled like a sign-in (same counters), so codes cannot be guessed in bulk.
    """
    username = accounts.normalize_username(username)[:80]
    problem = passwords.password_problem(password, username)
    if problem:
        raise accounts.AccountError(problem)
    accounts.claim_attempt(username, ip)
    user = accounts.find_user(username) if username else None
    row = db.session.scalar(select(ActivationCode).where(ActivationCode.user_id == user.id)) \
        if user is not None else None
    given = _digest(user.id if user else 0, code)
    matches = row is not None and hmac.compare_digest(row.code_hash, given)
    now = utcnow()
    if not matches or user is None or not user.active or row.used_at or row.expires_at <= now:
        audit.record("user.activate_failed", "user", user.id if user else None, username,
                     actor=user)
        raise accounts.AccountError(MSG_BAD_CODE)
    throttle.succeeded(username, ip)  # before this session writes (see accounts.authenticate)
    # The single use: only one request can move used_at from NULL.
    used = db.session.execute(update(ActivationCode)
                              .where(ActivationCode.id == row.id, ActivationCode.used_at.is_(None))
                              .values(used_at=now)).rowcount
    if used != 1:
        raise accounts.AccountError(MSG_BAD_CODE)
    accounts.set_password(user, password)
    user.last_login_at = now
    audit.record("user.activate", "user", user.id, user.username, actor=user)
    return user
