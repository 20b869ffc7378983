"""Configuration: embedded defaults, overridden by LIBRARY_* environment variables."""
import os
import secrets
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def stored_secret_key(instance_path: Path) -> str | None:
    """The key kept in the instance folder, if one was made (library.instance makes it)."""
    key_file = instance_path / "secret_key"
    try:
        return key_file.read_text().strip() or None
    except FileNotFoundError:
        return None


def write_secret_key(instance_path: Path) -> str:
    """Generated once and kept in the instance folder, so sessions survive restarts. Written
    whole under a temporary name and linked into place: of several processes starting at once,
    one key wins and every process reads that one."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    fd, tmp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return key_file.read_text().strip()


def instance_dir() -> Path:
    """What one host keeps for itself (secret key, host id, locks): LIBRARY_INSTANCE_DIR."""
    return Path(os.environ.get("LIBRARY_INSTANCE_DIR") or REPO_ROOT / "instance").absolute()


def from_environment(instance_path: Path) -> dict:
    """Reads, never writes: a missing secret key is made by library.instance."""
    env = os.environ.get
    secret = env("LIBRARY_SECRET_KEY") or stored_secret_key(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": env("LIBRARY_DATABASE_URL")
        or f"sqlite:///{instance_path / 'library.db'}",
        "BOOKS_DIR": env("LIBRARY_BOOKS_DIR") or str(REPO_ROOT / "books"),
        "INDEX_DIR": env("LIBRARY_INDEX_DIR") or str(REPO_ROOT / "index"),
        "SECRET_KEY": secret,
        "ENV_PRODUCTION": env("LIBRARY_ENV") == "production",
        # Accounts (issue 13): proxies, the address printed on activation slips, directories.
        "TRUSTED_PROXIES": env("LIBRARY_TRUSTED_PROXIES"),
        "PUBLIC_URL": env("LIBRARY_PUBLIC_URL"),
        **{f"LDAP_{name}": env(f"LIBRARY_LDAP_{name}") for name in LDAP_SETTINGS},
        **{f"OIDC_{name}": env(f"LIBRARY_OIDC_{name}") for name in OIDC_SETTINGS},
        **_limits(env),
        "BABEL_DEFAULT_TIMEZONE": time_zone(env("LIBRARY_TIMEZONE")),
    }


DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def time_zone(name: str | None) -> str:
    """LIBRARY_TIMEZONE, checked here: a misspelt zone stops the start with a clear error."""
    import pytz  # Flask-Babel's own time zone database

    name = (name or "").strip() or DEFAULT_TIMEZONE
    if name not in pytz.all_timezones_set:
        raise ValueError(f"LIBRARY_TIMEZONE={name!r} is not a time zone name of the IANA "
                         f"database (for example {DEFAULT_TIMEZONE!r} or 'UTC')")
    return name


# LIBRARY_LDAP_* and LIBRARY_OIDC_* (see library/auth/ldap.py and library/auth/oidc.py).
LDAP_SETTINGS = ("URL", "BIND_DN", "BIND_PASSWORD", "USER_BASE", "USER_FILTER", "GROUP_BASE",
                 "GROUP_FILTER", "ROLE_GROUPS", "BRANCH_ATTRIBUTE", "NAME_ATTRIBUTE", "TIMEOUT")
OIDC_SETTINGS = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "SCOPE", "USERNAME_CLAIM", "NAME_CLAIM",
                 "BRANCH_CLAIM", "ROLE_CLAIM", "ROLE_GROUPS", "LABEL")


def _limits(env) -> dict:
    """Limits an operator may change (README, "Limits"); a bad value keeps the default."""
    found = {}
    for key, name in (("MAX_BOOK_PAGES", "LIBRARY_MAX_BOOK_PAGES"),):
        value = (env(name) or "").strip()
        if value.isdigit() and int(value) > 0:
            found[key] = int(value)
    return found


DEFAULTS = {
    # Extraction runs in a child process under these limits (see extraction/sandbox.py).
    "EXTRACT_TIMEOUT_SECONDS": 60,
    "EXTRACT_MEMORY_MB": 1536,
    # Pages of a PDF, or chapters of an EPUB, one book may have (LIBRARY_MAX_BOOK_PAGES).
    "MAX_BOOK_PAGES": 5000,
    "MAX_CONTENT_LENGTH": 300 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}
