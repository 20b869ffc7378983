"""One table-based queue for all background work: ingest, OCR, index repairs, the reconciler.

Why not a library: none of the well-kept ones serves both the embedded SQLite default and
PostgreSQL — huey (SQLite or Redis), procrastinate (PostgreSQL only), dramatiq and RQ
(a broker such as Redis or RabbitMQ beside the database). The queue is a table in the
library's own database, so a task is added in the same transaction as the rows it is about,
and one protocol (queue.py) claims, beats, retries and recovers on both databases.

    task_id = tasks.enqueue("ocr.book", {"book_id": 7}, key="ocr:7")
    @tasks.handler("ocr.book", max_attempts=5)
    def run(ctx: tasks.TaskContext, payload: dict) -> None: ...
"""
from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

from flask import Flask, current_app, has_request_context
from sqlalchemy import event

from library.extensions import db
from library.tasks import models  # noqa: F401  (the table known to the metadata)
from library.tasks.models import TaskStatus
from library.tasks.queue import TaskView, find, troubled
from library.tasks.queue import cancel as _cancel
from library.tasks.queue import enqueue as _enqueue
from library.tasks.runner import (
    Retry, Runner, TaskContext, TaskLost, WorkerStopping, at_start, handler, loop, run_now,
    run_until_idle,
)

__all__ = ["enqueue", "handler", "TaskContext", "TaskLost", "WorkerStopping", "Retry", "cancel",
           "status", "run_until_idle", "run_now", "TaskView", "TaskStatus", "loop", "host_id",
           "init_app", "does_background_work", "may_wake", "at_start", "troubled"]

DEFAULTS = {
    "JOBS_MODE": "inline",          # LIBRARY_JOBS: "inline" (web processes run tasks too) or "worker"
    "JOBS_INLINE": False,           # tests: an upload's ingest runs in the request that queued it
    "JOBS_BACKGROUND": True,        # inline mode: start this process's runner on the first request
    "JOBS_THREADS": 1,              # task threads of a web process in inline mode
    "JOBS_POLL_SECONDS": 2.0,       # how often an idle runner looks at the queue
    "JOBS_HEARTBEAT_SECONDS": 10,
    # A running task whose worker has been quiet this long is queued again: well above the
    # heartbeat, which a thread of its own keeps up even during a long parse.
    "JOBS_STALE_SECONDS": 120,
    "JOBS_RETRY_BASE_SECONDS": 15,  # first retry after this; doubled each time
    "JOBS_RETRY_MAX_SECONDS": 3600,
}


def enqueue(kind: str, payload: dict, *, key: str | None = None, delay_seconds: float = 0,
            priority: int = 0, host: str | None = None) -> int:
    """Queue a task in the caller's transaction (the caller commits; then this process's
    runner is woken). With `key`: while a task with that key is queued, its id is returned
    and no other is added; while it runs, it is marked to run once more afterwards.
    `host`: only that host's processes may run it (see `host_id`)."""
    task_id = _enqueue(kind, payload, key=key, delay_seconds=delay_seconds, priority=priority,
                       host=host)
    if may_wake(current_app):
        db.session.info.setdefault("tasks_wake", set()).add(current_app.extensions["task_runner"])
    return task_id


def may_wake(app: Flask) -> bool:
    """Whether this process's runner should look at the queue now: it runs already (a worker,
    a web process that started it), or this is a request of a web process that does
    background work. A CLI command never starts one behind its own back."""
    runner = app.extensions.get("task_runner")
    if runner is None:
        return False
    if runner.running:
        return True
    return has_request_context() and does_background_work(app) \
        and app.config["JOBS_BACKGROUND"] and not app.config["JOBS_INLINE"]


def cancel(key_or_id: str | int) -> bool:
    """Cancel a queued task or ask a running one to stop (its handler sees
    `ctx.cancel_requested()`); in the caller's transaction. False when none is active."""
    return _cancel(key_or_id)


def status(key_or_id: str | int) -> TaskView | None:
    """A task by id, or by key (the active one, else the latest)."""
    task = find(key_or_id)
    return TaskView.of(task) if task is not None else None


def does_background_work(app: Flask) -> bool:
    """Web processes under LIBRARY_JOBS=worker never parse, recognise or write an index;
    workers and command-line commands (books import, index rebuild) do."""
    import click

    return app.config["JOBS_MODE"] != "worker" or app.config.get("IS_WORKER", False) \
        or click.get_current_context(silent=True) is not None


def host_id(app: Flask | None = None) -> str:
    """This host's name in the queue and the change log: made once, kept in the instance folder
    (LIBRARY_INSTANCE_DIR), so every process of a host shares it and two hosts never do."""
    app = app or current_app
    if app.config.get("HOST_ID"):
        return app.config["HOST_ID"]
    path = Path(app.instance_path) / "host_id"
    try:
        name = path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        name = f"{socket.gethostname()[:60]}-{secrets.token_hex(4)}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "w") as fh:
                fh.write(name)
        except FileExistsError:  # another process of this host made it first
            name = path.read_text().strip()
    app.config["HOST_ID"] = name
    return name


@event.listens_for(db.session, "after_commit")
def _wake_after_commit(session) -> None:
    for runner in session.info.pop("tasks_wake", ()):
        runner.wake()


@event.listens_for(db.session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop("tasks_wake", None)


def init_app(app: Flask) -> None:
    from library.tasks import cli

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    mode = os.environ.get("LIBRARY_JOBS")
    if mode:
        app.config["JOBS_MODE"] = mode
    if app.config["JOBS_MODE"] not in ("inline", "worker"):
        raise ValueError(f"LIBRARY_JOBS must be 'inline' or 'worker', not {app.config['JOBS_MODE']!r}")
    app.extensions["task_runner"] = runner = Runner(app, app.config["JOBS_THREADS"])
    cli.init_app(app)
    started = []

    @app.before_request
    def _start_runner():
        # At the first request of this process (safe under a forking server), pick up tasks
        # left queued or cut short by a restart, and start following the index.
        if started:
            return
        started.append(True)
        if not does_background_work(app) or not app.config["JOBS_BACKGROUND"] \
                or app.config["JOBS_INLINE"]:
            return
        if not app.testing or queue_has_work():
            runner.wake()


def queue_has_work() -> bool:
    from library.tasks.queue import unfinished

    return unfinished()
