"""The administrator's lists: users, branches with member counts, audit events; filters only."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from library.audit import AuditEvent
from library.auth.models import ROLES, Branch, User
from library.extensions import db
from library.security import MAX_ID
from library.vietnamese import fold

# Every action the account side writes, offered in the audit filter even before it happens;
# the catalogue side's actions are found in the log itself.
ACCOUNT_ACTIONS = ("user.create", "user.edit", "user.role", "user.branch", "user.deactivate",
                   "user.reactivate", "user.password_reset", "branch.create", "branch.edit",
                   "users.import", "auth.login", "auth.login_failed", "auth.sign_out_everywhere",
                   "user.activation_codes", "user.activation_code", "user.activate",
                   "user.activate_failed", "user.directory_sync", "token.create", "token.revoke")


def folded_query(text: str) -> str:
    return " ".join(fold(unicodedata.normalize("NFC", text or "")).split())


@dataclass
class UserFilter:
    q: str = ""
    role: str = ""
    branch: str = ""  # a branch code
    active: str = ""  # "", "1" (active) or "0" (deactivated)

    def query(self) -> Select:
        stmt = select(User).order_by(User.username)
        key = folded_query(self.q)[:200]
        if key:
            stmt = stmt.where(User.search_key.contains(key, autoescape=True))
        if self.role in ROLES:
            stmt = stmt.where(User.role == self.role)
        if self.branch:
            stmt = stmt.join(Branch, User.branch_id == Branch.id).where(Branch.code == self.branch)
        if self.active in ("0", "1"):
            stmt = stmt.where(User.active.is_(self.active == "1"))
        return stmt


def branches_query(q: str = "") -> Select:
    """Branches by code; `q` matches code or name, without diacritics too."""
    stmt = select(Branch).order_by(Branch.code)
    text = " ".join((q or "").split())[:200]
    if text:
        # Branch names are few (hundreds): folding them in Python beats a second stored column.
        key = folded_query(text)
        matching = [bid for bid, code, name in
                    db_rows(select(Branch.id, Branch.code, Branch.name))
                    if key in folded_query(f"{code} {name}")]
        stmt = stmt.where(Branch.id.in_(matching))
    return stmt


def member_counts(branch_ids: list[int]) -> dict[int, int]:
    return dict(db_rows(select(User.branch_id, func.count(User.id))
                        .where(User.branch_id.in_(branch_ids)).group_by(User.branch_id)))


def db_rows(stmt):
    return db.session.execute(stmt).all()


def branch_codes() -> list[str]:
    return [code for (code,) in db_rows(select(Branch.code).order_by(Branch.code))]


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None

    def query(self) -> Select:
        stmt = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        if self.actor:
            stmt = stmt.where(AuditEvent.actor_name == self.actor.strip().lower())
        if self.action:
            stmt = stmt.where(AuditEvent.action == self.action)
        target = (self.target or "").strip()[:200]
        if target:
            # "user:12" finds one object; any other text searches what targets were called.
            kind, _, ident = target.partition(":")
            if ident.isdigit():
                # Past 64 bits no row can match, and the driver would refuse the number.
                wanted = int(ident) if int(ident) <= MAX_ID else -1
                stmt = stmt.where(AuditEvent.target_type == kind, AuditEvent.target_id == wanted)
            else:
                # icontains: SQLite's LIKE ignores (ASCII) case, PostgreSQL's does not; ILIKE there.
                stmt = stmt.where(or_(AuditEvent.target_label.icontains(target, autoescape=True),
                                      AuditEvent.target_type == target))
        if self.since:
            stmt = stmt.where(AuditEvent.created_at >= datetime.combine(self.since, time.min))
        if self.until:
            stmt = stmt.where(AuditEvent.created_at < datetime.combine(self.until + timedelta(days=1),
                                                                       time.min))
        return stmt


def audit_actions() -> list[str]:
    seen = {a for (a,) in db_rows(select(AuditEvent.action).distinct())}
    return sorted(seen | set(ACCOUNT_ACTIONS))
