"""Making an instance ready: the explicit steps create_app leaves out.

The schema brought to the newest migration (with the shelves), the secret key kept in the
instance folder when none is configured, and a new instance's empty search index. Every CLI
command that works on the library runs `prepare` first (what `pip install -e . && flask --app
wsgi books import ...` on a new instance needs), as do the worker, `./bin/serve` (through
`demo`) and the tests' fixtures; `flask --app wsgi db upgrade` does the key and the schema.
A web process reads the key the steps made; it writes nothing at start, and only on an
instance no step has readied does its first request prepare it.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path

from flask import Flask, current_app
from flask.cli import with_appcontext

from library import config, database
from library.extensions import migrate

_PREPARED = "instance_prepared"


def prepare(app: Flask) -> Flask:
    """Once per app object: the secret key, the schema, a new instance's index. Returns the app."""
    if not app.extensions.get(_PREPARED):
        ensure_secret_key(app)
        # Each step only for what the app wires: a partial app of one area (a test's) has no
        # migrations and no index; it makes its own tables.
        if "migrate" in app.extensions:
            database.upgrade_schema(app)
        if "search_index" in app.extensions:
            _new_instance_index(app)
        app.extensions[_PREPARED] = True
    return app


def prepare_before_first_request(app: Flask) -> None:
    """A safety net for a web process on an instance no step has readied yet (a bare
    `flask run` or `gunicorn wsgi:app` on a new clone, `create_app()` driven by a test client):
    its first request prepares it, outside any request context, because the session needs the
    secret key before a request's context exists. Once prepared, a flag check per request."""
    serve = app.wsgi_app
    lock = threading.Lock()

    def wsgi_app(environ, start_response):
        if not app.extensions.get(_PREPARED):
            with lock:
                prepare(app)
        return serve(environ, start_response)

    app.wsgi_app = wsgi_app


def ensure_secret_key(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.write_secret_key(Path(app.instance_path))


def _new_instance_index(app: Flask) -> None:
    """A new instance gets an empty index; an instance with books never gets one silently
    (the reconciler decides: library.maintenance)."""
    from sqlalchemy import func, select

    from library.catalog.models import Book, BookStatus
    from library.database import exclusive
    from library.extensions import db
    from library.search import get_index
    from library.tasks import does_background_work

    if not does_background_work(app):
        return  # web processes under LIBRARY_JOBS=worker write no index: a worker makes it
    with app.app_context():
        search_index = get_index()
        if search_index.store.exists() or search_index.store.older_versions():
            return
        with exclusive(Path(app.instance_path) / "migrate.lock"):
            books = db.session.scalar(select(func.count(Book.id))
                                      .where(Book.status == BookStatus.READY))
            if not books and not search_index.store.exists():
                search_index.store.create_empty()


@with_appcontext
def prepare_current() -> None:
    """The callback of the CLI groups whose commands work on the library (books, users,
    index, lists): Click runs it before any of their commands."""
    prepare(current_app._get_current_object())


def prepared(command):
    """For a CLI command of its own (demo, worker, backup...): the instance made ready first."""
    @functools.wraps(command)
    @with_appcontext
    def wrapper(*args, **kwargs):
        prepare(current_app._get_current_object())
        return command(*args, **kwargs)

    return wrapper


@migrate.configure
def _before_db_commands(alembic_config):
    """`flask --app wsgi db upgrade` on a new instance: the SQLite folder and the secret key
    made first, so that this one step readies an instance for its web processes."""
    app = current_app._get_current_object()
    database.sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    ensure_secret_key(app)
    return alembic_config
