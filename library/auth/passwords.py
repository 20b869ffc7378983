"""Password hashing with argon2id, and a dummy check that costs the same for unknown users."""
from __future__ import annotations

import re
import secrets
from library.translatable import N_
from library.i18n import gettext as _
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1, chosen by measurement
# (bench/argon2_bench.py on the 2-core machine: 21 ms per check, 48 sign-ins/s per core;
# 46 MiB/t=1, the other OWASP setting, took 48 ms). At 30 sign-ins/s this costs 0.63 of a
# core and leaves the rest for the pages that 400 sites read at the start of a meeting.
# Hashes made with other parameters are remade at the next good sign-in (needs_rehash).
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
# Generous for passphrases, yet bounded so a megabyte "password" costs nothing to refuse.
MAX_LENGTH = 256

_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; unknown users pass None and pay the same cost."""
    if not password_hash:
        _dummy_verify(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def _dummy_verify(password: str) -> None:
    # Verifying against a real hash of a random secret takes as long as a real
    # check, so response time does not tell whether an account exists.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hasher.hash(secrets.token_urlsafe(16))
    try:
        hasher.verify(_dummy_hash, password)
    except VerificationError:
        pass


# No 0/O, 1/l/I: a generated password is read off a screen and typed on a phone.
_GENERATED_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def generate_password(groups: int = 4, size: int = 4) -> str:
    """A random password like 'k7qm-x2vd-9hte-wpa3' (80 bits), for an admin to hand over once."""
    return "-".join("".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(size))
                    for _ in range(groups))


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("data") / "common_passwords.txt"
    return frozenset(line.strip() for line in path.read_text("utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def _is_sequence(text: str) -> bool:
    """'aaaaaaaa', '12345678', 'abcdefgh', '87654321': one step repeated."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused (Vietnamese, for the user), or None."""
    if len(password) < MIN_LENGTH:
        return _("Mật khẩu cần ít nhất {n} ký tự.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Mật khẩu dài tối đa {n} ký tự.", n=MAX_LENGTH)
    folded = password.lower()
    bare = re.sub(r"[\W_]+", "", folded)
    if folded in _common_passwords() or bare in _common_passwords() or _is_sequence(folded):
        return N_("Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác.")
    name = (username or "").lower()
    if name and len(name) >= 3 and (name in folded or folded in name):
        return N_("Mật khẩu không được chứa tên đăng nhập.")
    return None
