"""Sign-in throttling that cannot be turned against members, kept in the database so all
workers and hosts share it.

Two counters are claimed before any password is hashed:
- per account *and* address ("pair"): a few free failures, then a delay that doubles with
  each further failure (1 s, 2 s, 4 s … up to 15 min). A stranger who knows a username
  slows down only their own guesses from their own address; the member signing in from
  elsewhere never waits for them.
- per address: many more free failures (a whole branch signs in from one meeting site
  behind one NAT address, some mistyping), then the same growing delay.

A claim is one UPDATE that increments the counter and sets the next allowed time in the
same statement, only when that time has come: parallel guesses are counted exactly (with
5 free failures, 30 simultaneous wrong passwords get 5 checks, not 10). A good sign-in
gives the address its claim back and clears the pair.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from library.auth.models import LoginThrottle, utcnow
from library.extensions import db

DEFAULTS = {
    "LOGIN_THROTTLE_WINDOW_SECONDS": 15 * 60,
    # Free failures of one account from one address before the delay starts.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    # Free failures from one address over all accounts (a meeting site's NAT).
    "LOGIN_MAX_FAILURES_PER_IP": 100,
    "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
}
EPOCH = datetime(2000, 1, 1)


class Blocked(Exception):
    """Not now: retry after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def pair_key(username: str, ip: str) -> str:
    return f"pair:{username[:80]}|{ip[:45]}"


def ip_key(ip: str) -> str:
    return f"ip:{ip[:45]}"


def _next_allowed(now: datetime, free: int):
    """SQL for the time the next attempt may run, given the count this claim reaches:
    no wait while under `free`, then 1 s, 2 s, 4 s … up to the cap."""
    reached = LoginThrottle.failures + 1
    cap = _setting("LOGIN_MAX_DELAY_SECONDS")
    # Under `free` the time is left as it was: moving it to this request's "now" would
    # refuse a parallel request whose clock was read a moment earlier.
    steps, extra, delay = [(reached < free, LoginThrottle.not_before)], 0, 1
    while delay < cap:
        steps.append((reached == free + extra, literal(now + timedelta(seconds=delay))))
        extra, delay = extra + 1, delay * 2
    return case(*steps, else_=literal(now + timedelta(seconds=cap)))


def _ensure_row(conn, key: str, now: datetime) -> None:
    values = {"key": key, "failures": 0, "not_before": EPOCH, "updated_at": now}
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(LoginThrottle).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(LoginThrottle).values(**values).on_conflict_do_nothing()
    conn.execute(stmt)


def _claim(conn, key: str, free: int, now: datetime) -> int | None:
    """Count one attempt of `key`; None when allowed, else the seconds to wait."""
    _ensure_row(conn, key, now)
    window = timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS"))
    # A key quiet for a whole window starts again from zero.
    conn.execute(update(LoginThrottle)
                 .where(LoginThrottle.key == key, LoginThrottle.updated_at < now - window,
                        LoginThrottle.not_before <= now)
                 .values(failures=0))
    claimed = conn.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.not_before <= now)
        .values(failures=LoginThrottle.failures + 1, updated_at=now,
                not_before=_next_allowed(now, free))
    ).rowcount
    if claimed:
        return None
    not_before = conn.execute(
        select(LoginThrottle.not_before).where(LoginThrottle.key == key)).scalar_one()
    return max(1, int((not_before - now).total_seconds() + 0.999))


def claim_attempt(username: str, ip: str) -> None:
    """Count this attempt before the password is checked; Blocked when it must wait.

    The key is the submitted name whether or not such an account exists, so
    throttling tells nothing about which accounts exist. Committed at once, on a
    connection of its own, so that parallel requests see each other's claims.
    """
    now = utcnow()
    with db.engine.begin() as conn:
        wait = _claim(conn, ip_key(ip), _setting("LOGIN_MAX_FAILURES_PER_IP"), now)
        if wait is None:
            wait = _claim(conn, pair_key(username, ip), _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT"), now)
            if wait is not None:
                _give_back(conn, ip)  # the pair refused it: the address's claim was not used
        if wait is not None:
            raise Blocked(wait)
        if now.second == 0:  # now and then, without a cron job
            conn.execute(delete(LoginThrottle).where(
                LoginThrottle.updated_at < now - timedelta(
                    seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS") + _setting("LOGIN_MAX_DELAY_SECONDS")),
                LoginThrottle.not_before <= now))


def _give_back(conn, ip: str) -> None:
    conn.execute(update(LoginThrottle)
                 .where(LoginThrottle.key == ip_key(ip), LoginThrottle.failures > 0)
                 .values(failures=LoginThrottle.failures - 1))


def succeeded(username: str, ip: str) -> None:
    """A good sign-in: the pair starts again, and the address gets its claim back, so
    40 members signing in from one site use none of its free failures."""
    with db.engine.begin() as conn:
        conn.execute(delete(LoginThrottle).where(LoginThrottle.key == pair_key(username, ip)))
        _give_back(conn, ip)


def failures(username: str, ip: str) -> int:
    """The counted attempts of this account from this address (for tests and the admin)."""
    return db.session.scalar(select(LoginThrottle.failures)
                             .where(LoginThrottle.key == pair_key(username, ip))) or 0
