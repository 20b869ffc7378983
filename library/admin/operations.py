"""What an administrator changes on accounts and branches, each change written to the audit log.

Functions flush and never commit: the view commits the change and its audit event together.
"""
from __future__ import annotations

from library import audit
from library.auth import accounts, passwords
from library.auth.accounts import AccountError
from library.auth.models import Branch, User
from library.reading_lists import moves
from library.translatable import N_
from library.i18n import gettext as _


def create_user(actor: User, username: str, role: str, branch_code: str, full_name: str,
                password: str | None = None) -> User:
    if branch_code and accounts.find_branch(branch_code) is None:
        raise AccountError(_("Không có chi bộ mã {code}; hãy tạo chi bộ trước.", code=branch_code))
    user = accounts.create_user(username, role, branch_code=branch_code or None,
                                full_name=full_name, password=password)
    audit.record("user.create", "user", user.id, user.username, actor=actor, role=user.role,
                 branch=user.branch.code if user.branch else None,
                 password="set" if password else "none")
    return user


def edit_user(actor: User, user: User, *, full_name: str, role: str, branch_code: str) -> list[str]:
    """Apply the edit form's three fields, and only those; returns the audit actions written."""
    # An admin demoting themself could leave nobody able to undo it.
    if user.id == actor.id and role != user.role:
        raise AccountError(N_("Bạn không thể tự đổi vai trò của mình."))
    branch = None
    if branch_code:
        branch = accounts.find_branch(branch_code)
        if branch is None:
            raise AccountError(_("Không có chi bộ mã {code}.", code=branch_code))
    done = []
    old_branch = user.branch.code if user.branch else None
    new_branch = branch.code if branch else None
    if new_branch != old_branch:
        moves.record(user.id, user.branch_id, branch.id if branch else None)
        accounts.set_branch(user, branch)
        audit.record("user.branch", "user", user.id, user.username, actor=actor,
                     old=old_branch, new=new_branch)
        done.append("user.branch")
    if role != user.role:
        old_role = user.role
        accounts.set_role(user, role)  # ends the user's sessions
        audit.record("user.role", "user", user.id, user.username, actor=actor,
                     old=old_role, new=role)
        done.append("user.role")
    old_name = user.full_name
    accounts.set_full_name(user, full_name)
    if user.full_name != old_name:
        audit.record("user.edit", "user", user.id, user.username, actor=actor,
                     field="full_name", old=old_name, new=user.full_name)
        done.append("user.edit")
    return done


def set_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate or reactivate; False when there was nothing to change."""
    if user.id == actor.id and not active:
        raise AccountError(N_("Bạn không thể tự khoá tài khoản của mình."))
    if user.active == active:
        return False
    accounts.set_active(user, active)
    audit.record("user.reactivate" if active else "user.deactivate", "user", user.id,
                 user.username, actor=actor)
    return True


def reset_password(actor: User, user: User, password: str | None = None) -> str | None:
    """Set the given password, or a generated one which is returned to show once.

    Either way every session of the user ends (accounts.set_password).
    """
    generated = None
    if not password:
        password = generated = passwords.generate_password()
    accounts.set_password(user, password)
    audit.record("user.password_reset", "user", user.id, user.username, actor=actor,
                 how="generated" if generated else "given")
    return generated


def create_branch(actor: User, code: str, name: str) -> Branch:
    branch = accounts.create_branch(code, name)
    audit.record("branch.create", "branch", branch.id, branch.code, actor=actor, name=branch.name)
    return branch


def edit_branch(actor: User, branch: Branch, code: str, name: str) -> dict:
    changes = accounts.edit_branch(branch, code, name)
    if changes:
        audit.record("branch.edit", "branch", branch.id, branch.code, actor=actor, **changes)
    return changes
