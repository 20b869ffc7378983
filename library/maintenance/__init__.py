"""Keeping an instance whole: the reconciler, backups, pruning the index change log. It calls
the indexer and the ingest pipeline; they never call it (their crash checkpoints are
library.faults)."""
import threading


def init_app(app) -> None:
    from library.maintenance import cli, pruning, reconcile  # noqa: F401 (pruning: its loop)

    cli.init_app(app)
    # The book page shows librarians a book whose file went missing (see reconcile).
    app.jinja_env.globals["file_missing"] = reconcile.file_missing
    _settle_on_first_request(app)


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
