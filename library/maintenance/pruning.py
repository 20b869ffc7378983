"""Background maintenance of the index change log: pruned once an hour in each process that
does background work (a loop of the task runner, never a request's thread). Pruning is one
DELETE that any number of hosts may run at once; it keeps what a following host still needs."""
from __future__ import annotations

from flask import Flask

from library import tasks
from library.extensions import db
from library.indexing import pruning

PRUNE_EVERY = 3600.0  # seconds


@tasks.loop("index-log-pruning", seconds=PRUNE_EVERY)
def prune_index_log(app: Flask) -> None:
    with app.app_context():
        try:
            pruning.prune()
        except Exception:
            db.session.rollback()
            raise  # the runner logs it; the next hour tries again
        finally:
            db.session.remove()
