"""Database set-up: the URL and engine options for SQLite or PostgreSQL, SQLite pragmas,
and the schema upgrade (once, however many processes start) that library.instance runs."""
import fcntl
import json
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from library.extensions import db

# Any fixed 64-bit number: the key of the session-level advisory lock all hosts migrate under.
MIGRATION_LOCK_KEY = 0x7475_7361_6368_0001  # "tusach" 1

# Per web process (gunicorn worker): request threads plus the background threads. Operators
# size PostgreSQL's max_connections from it (deploy/README.md).
PG_POOL_SIZE = 5
PG_MAX_OVERFLOW = 10


def database_url(url: str) -> str:
    """A plain postgresql:// URL (as libpq and operators write it) means psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def engine_options(url: str, configured: dict | None) -> dict:
    """Options that suit the backend; what the configuration sets explicitly wins."""
    if make_url(url).get_backend_name() == "postgresql":
        # Pre-ping: a connection the server or a proxy closed while idle is replaced, not
        # handed to a request. Recycle before typical idle timeouts of poolers and firewalls.
        defaults = {"pool_pre_ping": True, "pool_size": PG_POOL_SIZE, "max_overflow": PG_MAX_OVERFLOW,
                    "pool_recycle": 1800, "pool_timeout": 30,
                    "connect_args": {"connect_timeout": 10, "application_name": "tu-sach",
                                     # Timestamps are stored naive in UTC: the session agrees.
                                     "options": "-c timezone=UTC"}}
    else:
        # A local file: nothing to ping, and SQLAlchemy's default pool suits it.
        defaults = {}
    # JSON columns (warnings, stored messages) as an operator reads them: "Thiếu", not "Thi\u1ebfu".
    defaults["json_serializer"] = _readable_json
    return {**defaults, **(configured or {})}


def _readable_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def configure(app: Flask) -> None:
    """Before the engine exists: the driver behind the URL and its engine options."""
    url = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url, app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers go on while an import writes; the busy timeout makes a second
    # writer wait instead of failing with "database is locked".
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@contextmanager
def exclusive(lock_path: Path):
    """Several gunicorn workers start at once; only one may migrate."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def migration_lock(app: Flask):
    """Only one process migrates at a time: every process of every host for PostgreSQL
    (a session-level advisory lock on a connection of its own, held around the upgrade),
    every process of this host for SQLite (a file lock beside the database)."""
    if db.engine.dialect.name != "postgresql":
        with exclusive(Path(app.instance_path) / "migrate.lock"):
            yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()  # the lock is the session's: no transaction may stay open on it
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


def sqlite_folder(uri: str) -> None:
    # SQLite makes the file on first connection, not the folder it goes in.
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def upgrade_schema(app: Flask) -> None:
    """Bring the schema (and its data: the shelves) to the newest migration, under the
    migration lock: an explicit step (library.instance), never part of create_app."""
    sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context(), migration_lock(app):
        # "heads": parallel branches of migrations apply without a merge revision.
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
