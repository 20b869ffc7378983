"""Sign-in against the organisation's directory (LDAP, with ldap3).

The password is checked by binding as the member's entry; the directory's groups give
the role and one attribute gives the branch, both mapped in configuration:

    LIBRARY_LDAP_URL=ldap://ldap.example.vn:389
    LIBRARY_LDAP_BIND_DN=cn=tusach,ou=services,dc=example,dc=vn   (unset: anonymous search)
    LIBRARY_LDAP_BIND_PASSWORD=...
    LIBRARY_LDAP_USER_BASE=ou=people,dc=example,dc=vn
    LIBRARY_LDAP_USER_FILTER=(uid={username})
    LIBRARY_LDAP_GROUP_BASE=ou=groups,dc=example,dc=vn
    LIBRARY_LDAP_ROLE_GROUPS=admin=cn=quantri,ou=groups,dc=example,dc=vn;secretary=cn=bithu,...
    LIBRARY_LDAP_BRANCH_ATTRIBUTE=departmentNumber
    LIBRARY_LDAP_NAME_ATTRIBUTE=cn

A directory user's first good sign-in creates the account; each sign-in brings its role,
branch and name up to date from the directory. Local accounts with a password are
checked locally and never reach the directory.
"""
from __future__ import annotations

import logging
import warnings

from flask import current_app

from library.auth.models import ADMIN, LIBRARIAN, MEMBER, ROLES, SECRETARY, valid_username
from library.translatable import N_

log = logging.getLogger(__name__)
# When a member is in several mapped groups, the strongest role wins.
ROLE_STRENGTH = {MEMBER: 0, SECRETARY: 1, LIBRARIAN: 2, ADMIN: 3}
DEFAULTS = {
    "LDAP_USER_FILTER": "(uid={username})",
    "LDAP_GROUP_FILTER": "(|(member={dn})(uniqueMember={dn})(memberUid={username}))",
    "LDAP_NAME_ATTRIBUTE": "cn",
    "LDAP_TIMEOUT": "5",
}


class DirectoryUnavailable(Exception):
    """The directory did not answer."""


def _ldap3():
    """ldap3, imported when first needed: it uses pyasn1 names that pyasn1 0.6 deprecates,
    a warning that is ldap3's business, not ours (the tests turn warnings into errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ldap3
        import ldap3.core.exceptions
        import ldap3.utils.conv
    return ldap3


def _config(name: str) -> str:
    return current_app.config.get(f"LDAP_{name}") or DEFAULTS.get(f"LDAP_{name}", "")


def enabled() -> bool:
    return bool(_config("URL"))


def role_groups() -> dict[str, str]:
    """{normalised group DN: role} from LIBRARY_LDAP_ROLE_GROUPS ("role=DN;role=DN")."""
    mapping = {}
    for entry in _config("ROLE_GROUPS").split(";"):
        role, _, dn = entry.strip().partition("=")
        if role.strip() in ROLES and dn.strip():
            mapping[_normal_dn(dn)] = role.strip()
    return mapping


def _normal_dn(dn: str) -> str:
    return ",".join(part.strip() for part in dn.lower().split(","))


def _connection(user: str | None = None, password: str | None = None):
    ldap3 = _ldap3()
    timeout = int(_config("TIMEOUT"))
    server = ldap3.Server(_config("URL"), get_info=ldap3.NONE, connect_timeout=timeout)
    return ldap3.Connection(server, user=user, password=password, receive_timeout=timeout,
                      raise_exceptions=False, read_only=True)


def _first(attributes: dict, name: str) -> str:
    value = attributes.get(name) if name else None
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value else ""


def lookup(username: str, password: str) -> dict | None:
    """The directory's facts about a member whose password binds, else None.

    {"dn", "full_name", "branch", "role"}; DirectoryUnavailable when it does not answer.
    """
    if not password or not valid_username(username):
        return None  # an empty password would be an anonymous bind, which always "succeeds"
    ldap3 = _ldap3()
    escape_filter_chars = ldap3.utils.conv.escape_filter_chars
    branch_attr, name_attr = _config("BRANCH_ATTRIBUTE"), _config("NAME_ATTRIBUTE")
    opened = []
    try:
        service = _connection(_config("BIND_DN") or None, _config("BIND_PASSWORD") or None)
        opened.append(service)
        if not service.bind():
            raise DirectoryUnavailable(service.result.get("description"))
        query = _config("USER_FILTER").replace("{username}", escape_filter_chars(username))
        service.search(_config("USER_BASE"), query,
                       attributes=[a for a in (branch_attr, name_attr) if a], size_limit=2)
        if len(service.entries) != 1:
            return None
        entry = service.entries[0]
        dn, attributes = entry.entry_dn, entry.entry_attributes_as_dict
        member = _connection(dn, password)
        opened.append(member)
        if not member.bind():
            return None
        groups = []
        if _config("GROUP_BASE"):
            group_query = (_config("GROUP_FILTER").replace("{dn}", escape_filter_chars(dn))
                           .replace("{username}", escape_filter_chars(username)))
            service.search(_config("GROUP_BASE"), group_query, attributes=[])
            groups = [_normal_dn(group.entry_dn) for group in service.entries]
    except ldap3.core.exceptions.LDAPException as exc:
        log.warning("LDAP: %s", exc)
        raise DirectoryUnavailable(str(exc)) from None
    finally:
        for connection in opened:
            try:
                connection.unbind()  # closes the socket, bound or not
            except ldap3.core.exceptions.LDAPException:
                pass
            # A socket whose connect() was refused is left open by ldap3.
            sock = getattr(connection, "socket", None)
            if sock is not None:
                sock.close()
    mapping = role_groups()
    roles = [mapping[group] for group in groups if group in mapping] or [MEMBER]
    return {"dn": dn, "full_name": _first(attributes, name_attr),
            "branch": _first(attributes, branch_attr),
            "role": max(roles, key=ROLE_STRENGTH.__getitem__)}


def check(username: str, password: str) -> dict | None:
    """lookup(), with an unreachable directory told to the member as such."""
    from library.auth import accounts

    try:
        return lookup(username, password)
    except DirectoryUnavailable:
        raise accounts.AccountError(
            N_("Máy chủ thư mục (LDAP) không trả lời; vui lòng thử lại sau.")) from None
