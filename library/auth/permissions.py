"""Who may do what: the role_required decorator for views and pure predicates for rules."""
from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, make_response, request
from flask_login import current_user

from library.auth.models import ADMIN, LIBRARIAN, MEMBER, ROLES, SECRETARY
from library.translatable import N_

READER_ROLES = (MEMBER, SECRETARY)  # the bí thư is a đảng viên of the branch too

MSG_UNAUTHENTICATED = N_("Cần đăng nhập hoặc token API hợp lệ.")
MSG_FORBIDDEN = N_("Bạn không có quyền thực hiện thao tác này.")


def is_api_request() -> bool:
    """JSON clients (the API and the OPDS feed) get JSON errors, never a login page."""
    path = request.path
    return path.startswith("/api/") or path == "/api" or path == "/opds" or path.startswith("/opds/")


def json_error(status: int, message: str):
    """A JSON error in the caller's language (Accept-Language, or the lang cookie)."""
    from library.i18n import gettext

    response = make_response(jsonify({"error": gettext(message)}), status)
    if status == 401:
        challenge = 'Bearer realm="tu-sach"'
        if request.path == "/opds" or request.path.startswith("/opds/"):
            # E-reader apps that know only Basic ask for a name and a password (an API token).
            challenge += ', Basic realm="tu-sach", charset="UTF-8"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def deny_unauthenticated():
    """Abort the request as not signed in: 401 JSON for the API, else the sign-in page."""
    if is_api_request() or request.authorization is not None:
        abort(json_error(401, MSG_UNAUTHENTICATED))
    from library.auth import login_manager  # the extension lives in the package

    abort(login_manager.unauthorized())


def public(view):
    """Let anyone reach this view, signed in or not (read by the guard in init_app)."""
    view.is_public = True
    return view


def role_required(*roles: str):
    """Allow the view only to signed-in users with one of these roles (exactly these:
    an admin is let in only when ADMIN is listed). Others get 403."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"unknown roles: {sorted(unknown) or 'none given'}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                deny_unauthenticated()
            if current_user.role not in roles:
                if is_api_request():
                    abort(json_error(403, MSG_FORBIDDEN))
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _role(user) -> str | None:
    # Anonymous users have no role; every predicate is False for them.
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "role", None)


def can_manage_catalog(user) -> bool:
    """Upload, edit, replace, withdraw and delete books."""
    return _role(user) in (LIBRARIAN, ADMIN)


def can_manage_reading_lists(user) -> bool:
    """Build reading lists and follow their reports (CONTRACT: secretary, librarian, admin)."""
    return _role(user) in (SECRETARY, LIBRARIAN, ADMIN)


def can_assign_to_branch(user, branch_id: int | None) -> bool:
    """A secretary assigns only within the own branch; librarians and admins anywhere."""
    role = _role(user)
    if role in (LIBRARIAN, ADMIN):
        return True
    return role == SECRETARY and branch_id is not None and branch_id == user.branch_id


def can_manage_organisation_lists(user) -> bool:
    """Librarians and admins: the organisation-wide reading lists, and any branch's."""
    return _role(user) in (LIBRARIAN, ADMIN)


def can_manage_branch_lists(user) -> bool:
    """A secretary with a branch: that branch's lists, and the branch's rows of the
    organisation-wide lists assigned to it (read-only)."""
    return _role(user) == SECRETARY and user.branch_id is not None


def can_manage_reading_list(user, reading_list) -> bool:
    """A branch's list: whoever may assign within that branch; an organisation-wide one: staff."""
    if reading_list.branch_id is None:
        return can_manage_organisation_lists(user)
    return can_assign_to_branch(user, reading_list.branch_id)


def can_copy_reading_list(user, source) -> bool:
    """Organisation-wide lists and the own branch's; other branches' only for staff."""
    if can_manage_organisation_lists(user):
        return True
    return _role(user) == SECRETARY and source.branch_id in (None, user.branch_id)


def can_receive_reading_lists(user) -> bool:
    """Lists are given to members and secretaries to read; librarians and admins follow them."""
    return _role(user) in READER_ROLES


def can_manage_accounts(user) -> bool:
    """Create and edit users, roles and branches."""
    return _role(user) == ADMIN


def can_manage_branch_members(user, branch_id: int | None) -> bool:
    """See a branch's members, print their activation slips, re-issue their codes:
    admins for every branch, a secretary for the own branch only."""
    role = _role(user)
    if role == ADMIN:
        return branch_id is not None
    return role == SECRETARY and branch_id is not None and branch_id == user.branch_id


def can_issue_activation_code(user, member) -> bool:
    """A new code sets a password, so it is an account takeover in the wrong hands: admins
    for anyone but themselves, a secretary only for plain members of the own branch
    (never another secretary, a librarian or an admin)."""
    role = _role(user)
    if member is None or member.id == getattr(user, "id", None):
        return False
    if role == ADMIN:
        return True
    return (role == SECRETARY and member.role == MEMBER
            and member.branch_id is not None and member.branch_id == user.branch_id)
