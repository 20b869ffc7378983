"""Configuration: embedded defaults, overridden by LIBRARY_* environment variables."""
import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """Generated once and kept in the instance folder, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def from_environment(instance_path: Path, generate_secret: bool = True) -> dict:
    env = os.environ.get
    secret = env("LIBRARY_SECRET_KEY") or (_secret_key(instance_path) if generate_secret else None)
    return {
        "SQLALCHEMY_DATABASE_URI": env("LIBRARY_DATABASE_URL")
        or f"sqlite:///{instance_path / 'library.db'}",
        "BOOKS_DIR": env("LIBRARY_BOOKS_DIR") or str(REPO_ROOT / "books"),
        "INDEX_DIR": env("LIBRARY_INDEX_DIR") or str(REPO_ROOT / "index"),
        "SECRET_KEY": secret,
        "ENV_PRODUCTION": env("LIBRARY_ENV") == "production",
    }


DEFAULTS = {
    # Extraction runs in a child process under these limits (see extraction/sandbox.py).
    "EXTRACT_TIMEOUT_SECONDS": 60,
    "EXTRACT_MEMORY_MB": 1536,
    "MAX_CONTENT_LENGTH": 300 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}
