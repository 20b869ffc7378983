"""Running tasks: the handler registry, a task's context, and the runner threads of a process.

A process that does background work (a web process under LIBRARY_JOBS=inline, or
`flask worker`) runs N task threads, each claiming one task at a time, and the loops other
areas register (the host's index follower). A heartbeat thread per running task keeps its
claim alive through a long step; a worker that stops (SIGTERM) ends the step in hand and
gives its task back to the queue without spending an attempt.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from library.extensions import db
from library.tasks import queue
from library.translatable import N_, Message

log = logging.getLogger(__name__)
DEFAULT_MAX_ATTEMPTS = 5


class TaskLost(Exception):
    """This worker's claim on the task was taken away (it was thought dead), or the worker
    is stopping: the handler ends at once; whatever it committed stays."""


class WorkerStopping(TaskLost):
    """The worker was asked to stop: the task goes back to the queue for another worker."""


class Retry(Exception):
    """Raised by a handler: try again later (after `delay_seconds`, else the backoff)."""

    def __init__(self, reason: str, delay_seconds: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.delay_seconds = delay_seconds


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable
    max_attempts: int


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, max_attempts: int = DEFAULT_MAX_ATTEMPTS):
    """Register `run(ctx, payload)` for tasks of this kind (at import of its module)."""
    def register(run: Callable) -> Callable:
        HANDLERS[kind] = Handler(kind, run, max_attempts)
        return run
    return register


def max_attempts_of(kind: str) -> int:
    found = HANDLERS.get(kind)
    return found.max_attempts if found else DEFAULT_MAX_ATTEMPTS


@dataclass(frozen=True)
class Loop:
    """Work a process doing background work repeats every `seconds` (not claimed: per host)."""

    name: str
    run: Callable[[Flask], None]
    seconds: float


LOOPS: dict[str, Loop] = {}
AT_START: list[Callable[[Flask], None]] = []


def at_start(hook: Callable[[Flask], None]) -> Callable[[Flask], None]:
    """Called (in an app context) when a process's runner first starts: e.g. to queue the
    reconciler's start-up pass for this host."""
    AT_START.append(hook)
    return hook


def loop(name: str, seconds: float):
    def register(run: Callable[[Flask], None]) -> Callable[[Flask], None]:
        LOOPS[name] = Loop(name, run, seconds)
        return run
    return register


class TaskContext:
    """What a handler may ask of the queue while it runs."""

    def __init__(self, claim: queue.Claim, app: Flask, stopping: threading.Event | None = None,
                 listener: Callable | None = None):
        self.task_id = claim.task_id
        self.kind = claim.kind
        self.attempt = claim.attempt  # 1 on the first run
        self.app = app
        self.listener = listener      # set by a caller running the task in the foreground (CLI)
        self._token = claim.token
        self._lost = threading.Event()
        self._stopping = stopping or threading.Event()

    def heartbeat(self, done: int | None = None, total: int | None = None) -> None:
        """Record progress and that this worker is alive; raises TaskLost when the claim was
        taken away, WorkerStopping when the worker is asked to stop. Commit your own work
        before calling it: the heartbeat writes on a connection of its own."""
        if self._stopping.is_set():
            raise WorkerStopping(self.task_id)
        if self._lost.is_set() or not queue.beat(self.task_id, self._token, done, total):
            self._lost.set()
            raise TaskLost(self.task_id)

    def cancel_requested(self) -> bool:
        return queue.cancel_requested(self.task_id)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()


@contextmanager
def _pulse(app: Flask, ctx: TaskContext):
    """Heartbeats from a thread of their own, so a long step does not look like a dead worker."""
    stop = threading.Event()
    seconds = app.config["JOBS_HEARTBEAT_SECONDS"]

    def beat():
        while not stop.wait(seconds):
            with app.app_context():
                try:
                    if not queue.beat(ctx.task_id, ctx._token):
                        ctx._lost.set()
                        return
                except Exception:
                    log.exception("heartbeat of task %s", ctx.task_id)

    thread = threading.Thread(target=beat, name=f"task-{ctx.task_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def execute(app: Flask, claim: queue.Claim, stopping: threading.Event | None = None,
            listener: Callable | None = None) -> str:
    """Run one claimed task to its outcome: done, queued again (retry), failed or cancelled."""
    ctx = TaskContext(claim, app, stopping, listener)
    config = app.config
    try:
        with _pulse(app, ctx):
            HANDLERS[claim.kind].run(ctx, claim.payload)
        db.session.commit()
    except WorkerStopping:
        db.session.rollback()
        queue.release(claim.task_id, claim.token)
        return "released"
    except TaskLost:
        db.session.rollback()
        log.warning("task %s (%s) was taken over by another worker", claim.task_id, claim.kind)
        return "lost"
    except Exception as exc:
        db.session.rollback()
        if isinstance(exc, Retry):
            reason, delay = exc.reason, exc.delay_seconds
        else:
            log.exception("task %s (%s) failed", claim.task_id, claim.kind)
            reason, delay = _reason(exc), None
        if delay is None:
            delay = queue.backoff(claim.attempt, config["JOBS_RETRY_BASE_SECONDS"],
                                  config["JOBS_RETRY_MAX_SECONDS"])
        return queue.retry_or_fail(claim.task_id, claim.token, reason, claim.attempt,
                                   max_attempts_of(claim.kind), delay)
    queue.finish(claim.task_id, claim.token)
    return "done"


def _reason(exc: Exception) -> str:
    import errno

    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return N_("Hết dung lượng lưu trữ")
    if exc.args and isinstance(exc.args[0], Message):  # our own message, raised with its values
        return exc.args[0]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def registered(kinds: list[str] | None = None) -> list[str]:
    return [k for k in HANDLERS if kinds is None or k in kinds]


def run_until_idle(app: Flask, kinds: list[str] | None = None) -> int:
    """Run every due task (of these kinds) in this thread, then this process's loops once;
    returns how many tasks ran. For tests and the CLI."""
    from library.tasks import host_id

    ran = 0
    with app.app_context():
        try:
            while claim := queue.claim(registered(kinds), host_id(app)):
                execute(app, claim)
                ran += 1
            for each in list(LOOPS.values()):
                each.run(app)
        finally:
            db.session.remove()
    return ran


def run_now(app: Flask, task_id: int, listener: Callable | None = None) -> str | None:
    """Claim this one task and run it here; None when it is not due or not queued."""
    from library.tasks import host_id

    claim = queue.claim(registered(), host_id(app), task_id=task_id)
    return execute(app, claim, listener=listener) if claim else None


class Runner:
    """The task threads and loops of one process; started lazily by `wake()`."""

    def __init__(self, app: Flask, threads: int = 1, kinds: list[str] | None = None):
        self.app = app
        self.threads = max(1, threads)
        self.kinds = kinds
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._started: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._last_recovery = 0.0
        self._hooks_run = False

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._started)

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self.stopping.clear()
            self._started = [threading.Thread(target=self._work, name=f"tasks-{n}", daemon=True)
                             for n in range(self.threads)]
            self._started += [threading.Thread(target=self._repeat, args=(each,),
                                               name=f"loop-{each.name}", daemon=True)
                              for each in LOOPS.values()]
            for thread in self._started:
                thread.start()
            if not self._hooks_run:
                self._hooks_run = True
                threading.Thread(target=self._run_hooks, name="tasks-at-start", daemon=True).start()

    def _run_hooks(self) -> None:
        for hook in AT_START:
            with self.app.app_context():
                try:
                    hook(self.app)
                except Exception:
                    log.exception("start-up hook %s", getattr(hook, "__name__", hook))
                finally:
                    db.session.remove()

    def wake(self) -> None:
        """Start the threads if they are not running, and have them look at the queue now."""
        self.start()
        self._wake.set()

    def wake_only(self) -> None:
        """Have idle threads look now (at the queue, or at `stopping`), starting none."""
        self._wake.set()

    def stop(self, timeout: float = 60.0) -> None:
        """End the step in hand, give unfinished tasks back, and end the threads."""
        self.stopping.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._started:
            thread.join(max(0.0, deadline - time.monotonic()))

    def join(self) -> None:
        while self.running:
            time.sleep(0.2)

    def _work(self) -> None:
        from library.tasks import host_id

        app = self.app
        while not self.stopping.is_set():
            with app.app_context():
                try:
                    self._recover_if_due()
                    host = host_id(app)
                    while not self.stopping.is_set() and (
                            claim := queue.claim(registered(self.kinds), host)):
                        execute(app, claim, self.stopping)
                except Exception:
                    log.exception("task runner")
                finally:
                    db.session.remove()
            self._wake.wait(app.config["JOBS_POLL_SECONDS"])
            self._wake.clear()

    def _recover_if_due(self) -> None:
        check = min(60.0, self.app.config["JOBS_STALE_SECONDS"] / 2)
        with self._lock:
            if time.monotonic() - self._last_recovery < check:
                return
            self._last_recovery = time.monotonic()
        queue.recover_stale(self.app.config["JOBS_STALE_SECONDS"], max_attempts_of)
        queue.prune()

    def _repeat(self, each: Loop) -> None:
        while not self.stopping.is_set():
            try:
                each.run(self.app)
            except Exception:
                log.exception("background loop %s", each.name)
            self.stopping.wait(each.seconds)
