"""Account operations shared by the CLI, the profile page and (later) the admin pages."""
from __future__ import annotations

import unicodedata

from sqlalchemy import select

from library.auth import passwords, throttle, tokens
from library.auth.models import (
    LDAP as LDAP_SOURCE, LOCAL, MEMBER, ROLES, SECRETARY, Branch, User, normalize_username, utcnow, valid_branch_code,
    valid_username,
)
from library.extensions import db
from library.translatable import N_
from library.i18n import gettext as _

MSG_BAD_CREDENTIALS = N_("Tên đăng nhập hoặc mật khẩu không đúng")
MSG_THROTTLED = N_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {wait}.")


class AccountError(ValueError):
    """A refused account operation; the message is for the user, in Vietnamese."""


class Throttled(AccountError):
    """Too many failed sign-ins for this account from this address, or from this address."""

    def __init__(self, retry_after: int):
        super().__init__(MSG_THROTTLED.format(wait=wait_words(retry_after)))
        self.retry_after = retry_after

    def message(self) -> str:
        """The same, in the reader's language (in a request)."""
        from library.i18n import gettext as _

        return _(MSG_THROTTLED, wait=wait_words(self.retry_after, _))


def wait_words(seconds: int, translate=lambda text, **values: text.format(**values)) -> str:
    """How long to wait, as people say it: "45 giây", "15 phút", "1 giờ 5 phút" (rounded up)."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        return translate(N_("{n} giây"), n=seconds)
    minutes = -(-seconds // 60)
    if minutes < 60:
        return translate(N_("{n} phút"), n=minutes)
    hours, minutes = divmod(minutes, 60)
    return translate(N_("{h} giờ {m} phút"), h=hours, m=minutes) if minutes else translate(N_("{n} giờ"), n=hours)


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalize_username(username)))


def find_branch(code: str) -> Branch | None:
    return db.session.scalar(select(Branch).where(Branch.code == (code or "").strip()))


def _checked_branch_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise AccountError(N_("Mã chi bộ không được để trống."))
    if not valid_branch_code(code):
        raise AccountError(
            _("Mã chi bộ không hợp lệ: {code} (chữ không dấu, số, . _ -; tối đa 50 ký tự).", code=repr(code[:60]))
        )
    return code


def _checked_branch_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise AccountError(N_("Tên chi bộ không được để trống."))
    if len(name) > 300:
        raise AccountError(N_("Tên chi bộ dài tối đa 300 ký tự."))
    return unicodedata.normalize("NFC", name)


def branch_for_code(code: str, name: str | None = None) -> Branch:
    """The branch with that code, created (named after its code) when absent."""
    code = _checked_branch_code(code)
    branch = find_branch(code)
    if branch is None:
        branch = Branch(code=code, name=_checked_branch_name(name or code))
        db.session.add(branch)
        db.session.flush()
    return branch


def create_branch(code: str, name: str) -> Branch:
    code = _checked_branch_code(code)
    if find_branch(code) is not None:
        raise AccountError(_("Mã chi bộ đã tồn tại: {code}", code=code))
    branch = Branch(code=code, name=_checked_branch_name(name))
    db.session.add(branch)
    db.session.flush()
    return branch


def edit_branch(branch: Branch, code: str, name: str) -> dict:
    """Rename a branch or change its code; returns {field: [old, new]} of what changed."""
    code, name = _checked_branch_code(code), _checked_branch_name(name)
    other = find_branch(code)
    if other is not None and other.id != branch.id:
        raise AccountError(_("Mã chi bộ đã tồn tại: {code}", code=code))
    changes = {field: [getattr(branch, field), new]
               for field, new in (("code", code), ("name", name)) if getattr(branch, field) != new}
    branch.code, branch.name = code, name
    db.session.flush()
    return changes


def create_user(username: str, role: str, *, branch_code: str | None = None,
                full_name: str = "", password: str | None = None) -> User:
    username = normalize_username(username)
    if not valid_username(username):
        raise AccountError(
            _("Tên đăng nhập không hợp lệ: {username} (chữ thường không dấu, số, . _ @ -).", username=repr(username))
        )
    if role not in ROLES:
        raise AccountError(_("Vai trò không hợp lệ: {role} (một trong {roles}).", role=repr(role), roles=", ".join(ROLES)))
    if role == SECRETARY and not branch_code:
        raise AccountError(N_("Bí thư chi bộ phải thuộc một chi bộ (--branch)."))
    if find_user(username) is not None:
        raise AccountError(_("Tên đăng nhập đã tồn tại: {username}", username=username))
    user = User(username=username, role=role, full_name=_checked_full_name(full_name))
    if branch_code:
        user.branch = branch_for_code(branch_code)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def end_everything(user: User) -> int:
    """End every session and revoke every API token of the user (a password change or
    reset, a deactivation, "sign out everywhere"); returns the number of tokens revoked.
    A revoked token stays revoked: reactivating the account brings none back."""
    user.revoke_sessions()
    return tokens.revoke_all(user)


def set_password(user: User, password: str) -> None:
    """Set a new password; every existing session and API token of the user ends."""
    problem = passwords.password_problem(password, user.username)
    if problem:
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(password)
    user.auth_source = LOCAL
    end_everything(user)


def claim_attempt(username: str, ip: str) -> None:
    """Count a sign-in (or activation) attempt before any secret is checked; Throttled if it must wait."""
    try:
        throttle.claim_attempt(username, ip)
    except throttle.Blocked as blocked:
        raise Throttled(blocked.retry_after) from None


def change_password(user: User, current: str, new: str, ip: str) -> None:
    """The user's own change: the current password is checked, and throttled like a sign-in."""
    claim_attempt(user.username, ip)
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError(N_("Mật khẩu hiện tại không đúng."))
    throttle.succeeded(user.username, ip)
    set_password(user, new)


def _checked_full_name(full_name: str) -> str:
    full_name = unicodedata.normalize("NFC", " ".join((full_name or "").split()))
    if len(full_name) > 200:
        raise AccountError(N_("Họ và tên dài tối đa 200 ký tự."))
    return full_name


def set_full_name(user: User, full_name: str) -> None:
    user.full_name = _checked_full_name(full_name)


def set_role(user: User, role: str) -> None:
    """Change a role; sessions opened under the old role end."""
    if role not in ROLES:
        raise AccountError(_("Vai trò không hợp lệ: {role}", role=repr(role)))
    if role == SECRETARY and user.branch_id is None and user.branch is None:
        raise AccountError(N_("Bí thư chi bộ phải thuộc một chi bộ."))
    if role != user.role:
        user.role = role
        user.revoke_sessions()


def set_branch(user: User, branch: Branch | None) -> None:
    if branch is None and user.role == SECRETARY:
        raise AccountError(N_("Bí thư chi bộ phải thuộc một chi bộ."))
    user.branch = branch


def set_active(user: User, active: bool) -> None:
    """Deactivate (every session and token ends for good) or reactivate (with none back)."""
    if user.active != active:
        user.active = active
        end_everything(user)


def authenticate(username: str, password: str, ip: str) -> User:
    """The user these credentials belong to, or AccountError with one message for every
    failure (unknown user, wrong password, no password, deactivated account).

    A local account with a password is checked here; any other name goes to the
    organisation's directory when one is configured (LIBRARY_LDAP_URL), whose
    first good sign-in creates the account.
    """
    from library.auth import ldap

    username = normalize_username(username)[:80]
    claim_attempt(username, ip)
    user = find_user(username) if username else None
    facts = None
    if ldap.enabled() and (user is None or user.auth_source != LOCAL or not user.password_hash):
        facts = ldap.check(username, password)
        ok = facts is not None
    else:
        # verify_password runs the same argon2 work when there is no user or no hash.
        ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or (user is not None and not user.active) or (user is None and facts is None):
        raise AccountError(MSG_BAD_CREDENTIALS)
    # Before any write of this session: the throttle commits on a connection of its own,
    # which SQLite would make wait for this one's write lock.
    throttle.succeeded(username, ip)
    if facts is not None:
        from library import audit

        user = sync_directory_user(username, facts, user, LDAP_SOURCE, audit)
    elif passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def sync_directory_user(username: str, facts: dict, user: User | None, source: str, audit) -> User:
    """Create or bring up to date the account of a member the directory (LDAP or OpenID
    Connect) vouched for: its name, role and branch come from there at each sign-in.

    facts: {"full_name", "role", "branch"} (branch: a code, possibly empty).
    """
    code = (facts.get("branch") or "").strip()
    branch = branch_for_code(code) if code and valid_branch_code(code) else None
    role = facts.get("role") or MEMBER
    if role == SECRETARY and branch is None:
        role = MEMBER  # a secretary of no branch would see nothing to manage
    if user is None:
        user = create_user(username, role, branch_code=branch.code if branch else None,
                           full_name=facts.get("full_name") or "")
        user.auth_source = source
        audit.record("user.create", "user", user.id, user.username, actor=user, role=role,
                     branch=branch.code if branch else None, source=source)
        return user
    changes = {}
    if user.auth_source != source:
        changes["source"] = [user.auth_source, source]
        user.auth_source = source
    if branch is not None and user.branch_id != branch.id:
        changes["branch"] = [user.branch.code if user.branch else None, branch.code]
        user.branch = branch
    if role != user.role:
        changes["role"] = [user.role, role]
        user.role = role
        user.revoke_sessions()  # sessions opened under the old role end; this sign-in starts anew
    name = _checked_full_name(facts.get("full_name") or "")
    if name and name != user.full_name:
        changes["full_name"] = [user.full_name, name]
        user.full_name = name
    if changes:
        audit.record("user.directory_sync", "user", user.id, user.username, actor=user, **changes)
    return user
