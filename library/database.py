"""Database set-up: SQLite pragmas, the schema brought to the latest migration, the shelves."""
import fcntl
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from library.extensions import db


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


def ensure_shelves() -> None:
    from library.catalog.models import SHELVES, Shelf

    existing = set(db.session.scalars(select(Shelf.slug)))
    for position, (slug, name) in enumerate(SHELVES, start=1):
        if slug not in existing:
            db.session.add(Shelf(slug=slug, name=name, position=position))
    db.session.commit()


def prepare(app: Flask) -> None:
    """Bring the schema to the newest migration and make sure the shelves exist."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with app.app_context(), exclusive(Path(app.instance_path) / "migrate.lock"):
        # "heads": parallel branches of migrations apply without a merge revision.
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        ensure_shelves()


def init_app(app: Flask) -> None:
    prepare(app)
