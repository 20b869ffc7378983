"""Keeping an instance whole: the reconciler, backups and fault checkpoints.

Kept light on import: library.maintenance.faults is called from the ingest pipeline and
the search engine, which know nothing of Flask.
"""
import threading
from pathlib import Path


def init_app(app) -> None:
    from library.maintenance import cli, reconcile

    cli.init_app(app)
    # The book page shows librarians a book whose file went missing (see reconcile).
    app.jinja_env.globals["file_missing"] = reconcile.file_missing
    _new_instance_index(app)
    _settle_on_first_request(app)


def _new_instance_index(app) -> None:
    """A new instance gets an empty index; an instance with books never gets one silently."""
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


def _settle_on_first_request(app) -> None:
    """The reconciler's start-up pass, once per host and start, off the request's thread: a
    `maintenance.settle` task for this host, queued when this process's runner starts
    (reconcile.queue_settle).

    Not at import or in create_app: CLI commands (index rebuild, backup) create the app
    too and must not find a background rebuild racing them. Off by default under TESTING,
    where the tests that want it turn it on (RECONCILE_ON_START); under INDEX_INLINE the
    pass runs in the first request itself.
    """
    from library.maintenance.reconcile import settle

    lock = threading.Lock()
    pending = [app.config.get("RECONCILE_ON_START", not app.testing)]

    @app.before_request
    def _settle_once():
        if not pending[0] or not app.config.get("INDEX_INLINE"):
            return
        with lock:
            if not pending[0]:
                return
            pending[0] = False
        settle()
