"""Accounts: branches (chi bộ), users and their roles, API tokens, sign-in throttling,
activation codes."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.vietnamese import fold
from library.translatable import N_

# The four roles of BRIEF.md, in one place; the strings are stored and shown by the CLI.
MEMBER = "member"
LIBRARIAN = "librarian"
SECRETARY = "secretary"
ADMIN = "admin"
ROLES = (MEMBER, LIBRARIAN, SECRETARY, ADMIN)
# Where an account's password is checked.
LOCAL, LDAP, OIDC = "local", "ldap", "oidc"
ROLE_LABELS = {  # Vietnamese; translated where shown
    MEMBER: N_("Đảng viên"),
    LIBRARIAN: N_("Cán bộ thư viện"),
    SECRETARY: N_("Bí thư chi bộ"),
    ADMIN: N_("Quản trị viên"),
}

# ASCII only: usernames are typed on phones and in scripts, and must not have
# look-alike Unicode twins ("admin" with a Cyrillic "а").
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@-]{0,79}")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def normalize_username(raw: str) -> str:
    """The stored form of a username: NFC, trimmed, lowercased."""
    return unicodedata.normalize("NFC", raw or "").strip().lower()


def valid_username(username: str) -> bool:
    return USERNAME_RE.fullmatch(username) is not None


# Branch codes appear in URLs of reports, CSV sheets and the CLI: no spaces, no look-alikes.
BRANCH_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")


def valid_branch_code(code: str) -> bool:
    return BRANCH_CODE_RE.fullmatch(code) is not None


def search_key(username: str, full_name: str) -> str:
    """What the admin's user search matches: 'nguyen van an' finds 'Nguyễn Văn An'."""
    text = unicodedata.normalize("NFC", f"{username or ''} {full_name or ''}")
    return " ".join(fold(text).split())[:300]


class Branch(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(300))

    users: Mapped[list[User]] = relationship(back_populates="branch")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default=MEMBER)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    # None: no password (e.g. imported, or a script account); only tokens work then.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session cookie (see get_id): bumping it signs out every session.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Folded username and full name (search_key), kept up to date by the listeners below.
    search_key: Mapped[str] = mapped_column(String(300), default="")
    # Where the password is checked: LOCAL (the hash above), LDAP or OIDC (the directory).
    auth_source: Mapped[str] = mapped_column(String(10), default=LOCAL)

    branch: Mapped[Branch | None] = relationship(back_populates="users")
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    def get_id(self) -> str:
        # Flask-Login stores this in the session; the user loader compares the
        # version, so an old cookie stops working once the version moves on.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def revoke_sessions(self) -> None:
        self.session_version = (self.session_version or 0) + 1

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _refresh_search_key(mapper, connection, user: User) -> None:
    # Bulk statements (the member import) bypass these events and set the key themselves.
    user.search_key = search_key(user.username, user.full_name)


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Only the SHA-256 of the token is kept: a leaked database gives no usable token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # KOReader's sync plugin sends the MD5 hex of the token as its key; this is the SHA-256
    # of that MD5, so a leaked database gives no usable key either. NULL: an older token.
    sync_key_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class LoginThrottle(db.Model):
    """Failed sign-ins of one key ("pair:<account>|<address>" or "ip:<address>").

    Counted with single UPDATE statements (see throttle.py), so parallel guesses
    are counted exactly; rows quiet for longer than the window are pruned.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    # No attempt of this key is checked before this time (the growing delay).
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ActivationCode(db.Model):
    """The one live activation code of an account: a new one replaces the old."""

    __tablename__ = "activation_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # SHA-256 of "username:code": the code itself is printed once and never stored.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    issued_by: Mapped[str] = mapped_column(String(80), default="")
