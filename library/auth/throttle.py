"""Sign-in throttling per account and per IP, kept in the database so all workers share it."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from library.auth.models import LoginAttempt, utcnow
from library.extensions import db

DEFAULTS = {
    "LOGIN_THROTTLE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    # Higher than per account: a whole branch often signs in from one site
    # behind one NAT address, and a few typos there must not lock everyone out.
    "LOGIN_MAX_FAILURES_PER_IP": 100,
}


def _setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def _since():
    return utcnow() - timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS"))


def _failures(column, value: str) -> int:
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(column == value, LoginAttempt.created_at > _since())
    ) or 0


def is_blocked(username: str, ip: str) -> bool:
    """True when this account or this address failed too often lately.

    Called before the password is hashed, so a blocked guess costs the
    server nothing. The key is the submitted name whether or not such an
    account exists, so throttling does not reveal which accounts exist.
    """
    return (_failures(LoginAttempt.username, username) >= _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT")
            or _failures(LoginAttempt.ip, ip) >= _setting("LOGIN_MAX_FAILURES_PER_IP"))


def record_failure(username: str, ip: str) -> None:
    # Pruning here keeps the table at one window's worth of rows without a cron job.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at <= _since()))
    db.session.add(LoginAttempt(username=username[:80], ip=ip[:45]))
    db.session.flush()


def clear_account(username: str) -> None:
    """Forget an account's failures after a good sign-in; the address keeps its count,
    so one valid account cannot be used to reset the per-IP limit."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
