"""The queue: claims exclusive under threads, retries with backoff, stale recovery, cancel,
key dedupe, progress, and the worker's graceful stop."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from library import tasks
from library.catalog.models import utcnow
from library.extensions import db
from library.tasks import queue
from library.tasks.models import Task

RUNS: list = []


@tasks.handler("test.record", max_attempts=3)
def _record(ctx, payload):
    ctx.heartbeat(done=1, total=2)
    RUNS.append((ctx.task_id, ctx.attempt, payload.get("n")))
    if payload.get("fail"):
        raise RuntimeError("hỏng: " + payload["fail"])
    if payload.get("retry"):
        raise tasks.Retry("chưa sẵn sàng", delay_seconds=payload["retry"])
    ctx.heartbeat(done=2, total=2)


@tasks.handler("test.wait")
def _wait(ctx, payload):
    """Runs until told to go on (an Event in GATES), heartbeating; stops if cancelled."""
    RUNS.append((ctx.task_id, ctx.attempt, payload.get("n")))
    gate = GATES[payload["gate"]]
    STARTED.set()
    while not gate.wait(0.02):
        ctx.heartbeat()
        if ctx.cancel_requested():
            return


GATES: dict[str, threading.Event] = {}
STARTED = threading.Event()


@pytest.fixture(autouse=True)
def _fresh(app):
    RUNS.clear()
    GATES.clear()
    STARTED.clear()
    app.config.update(JOBS_RETRY_BASE_SECONDS=30, JOBS_RETRY_MAX_SECONDS=100,
                      JOBS_HEARTBEAT_SECONDS=0.1, JOBS_BACKGROUND=False)


def _add(app, kind="test.record", payload=None, **options):
    with app.app_context():
        task_id = tasks.enqueue(kind, payload or {}, **options)
        db.session.commit()
        return task_id


def _status(app, key_or_id):
    with app.app_context():
        return tasks.status(key_or_id)


def _due_now(app, task_id):
    with app.app_context():
        db.session.execute(update(Task).where(Task.id == task_id).values(run_after=utcnow()))
        db.session.commit()


def test_a_task_runs_once_and_shows_its_progress(app):
    task_id = _add(app, payload={"n": 1})
    assert _status(app, task_id).status == "queued"
    assert tasks.run_until_idle(app) == 1
    view = _status(app, task_id)
    assert (view.status, view.done, view.total, view.attempts, view.error) == ("done", 2, 2, 1, None)
    assert RUNS == [(task_id, 1, 1)]
    assert tasks.run_until_idle(app) == 0


def test_enqueue_joins_the_callers_transaction(app):
    with app.app_context():
        tasks.enqueue("test.record", {"n": 1})
        db.session.rollback()
    assert tasks.run_until_idle(app) == 0 and RUNS == []


def test_a_failing_task_is_retried_with_growing_delays_then_failed_with_its_reason(app):
    task_id = _add(app, payload={"fail": "ổ đĩa đầy"})
    delays = []
    for attempt in (1, 2):
        started = utcnow()
        assert tasks.run_until_idle(app) == 1
        view = _status(app, task_id)
        assert view.status == "queued" and view.attempts == attempt
        assert "ổ đĩa đầy" in view.error
        delays.append((view.run_after - started).total_seconds())
        assert tasks.run_until_idle(app) == 0, "not due before its backoff"
        _due_now(app, task_id)
    assert 29 <= delays[0] <= 32 and 59 <= delays[1] <= 62, delays
    assert tasks.run_until_idle(app) == 1
    view = _status(app, task_id)
    assert view.status == "failed" and view.attempts == 3 and "ổ đĩa đầy" in view.error
    assert view.finished_at is not None
    assert len(RUNS) == 3


def test_retry_from_a_handler_waits_the_time_it_asks(app):
    task_id = _add(app, payload={"retry": 5})
    started = utcnow()
    tasks.run_until_idle(app)
    view = _status(app, task_id)
    assert view.status == "queued" and view.error == "chưa sẵn sàng"
    assert 4 <= (view.run_after - started).total_seconds() <= 7


def test_a_delayed_task_waits_and_priority_orders_the_due_ones(app):
    later = _add(app, payload={"n": "later"}, delay_seconds=60)
    low = _add(app, payload={"n": "low"})
    high = _add(app, payload={"n": "high"}, priority=5)
    tasks.run_until_idle(app)
    assert [n for _, _, n in RUNS] == ["high", "low"]
    assert _status(app, later).status == "queued"


def test_a_key_while_queued_returns_the_same_task(app):
    first = _add(app, payload={"n": 1}, key="sach:7")
    assert _add(app, payload={"n": 2}, key="sach:7") == first
    other = _add(app, payload={"n": 3}, key="sach:8")
    assert other != first
    tasks.run_until_idle(app)
    assert sorted(n for _, _, n in RUNS) == [1, 3]
    assert _status(app, "sach:7").status == "done"
    again = _add(app, payload={"n": 4}, key="sach:7")
    assert again != first, "a finished task's key is free again"


def test_a_key_while_running_runs_once_more_afterwards(app):
    GATES["g"] = threading.Event()
    task_id = _add(app, "test.wait", {"gate": "g", "n": 1}, key="k")
    worker = threading.Thread(target=tasks.run_until_idle, args=(app,))
    worker.start()
    assert STARTED.wait(5)
    assert _add(app, "test.wait", {"gate": "g", "n": 2}, key="k") == task_id
    assert _add(app, "test.wait", {"gate": "g", "n": 3}, key="k") == task_id
    GATES["g"].set()
    worker.join(10)
    assert [(i, n) for i, _, n in RUNS] == [(task_id, 1), (task_id, 1)], "twice, not three times"
    assert _status(app, task_id).status == "done"


def test_claims_are_exclusive_under_threads(app):
    with app.app_context():
        ids = [tasks.enqueue("test.record", {"n": n}) for n in range(60)]
        db.session.commit()
    errors = []

    def work():
        try:
            tasks.run_until_idle(app)
        except Exception as exc:  # a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(i for i, _, _ in RUNS) == sorted(ids), "each task ran exactly once"
    with app.app_context():
        assert set(db.session.scalars(select(Task.status))) == {"done"}


def test_a_task_whose_worker_died_is_queued_again_and_its_old_claim_refused(app):
    task_id = _add(app, payload={"n": 1})
    with app.app_context():
        claim = queue.claim(["test.record"], tasks.host_id())
        assert claim.task_id == task_id
        assert queue.recover_stale(120, lambda kind: 3) == [], "alive and beating"
        old = utcnow() - timedelta(seconds=121)
        db.session.execute(update(Task).where(Task.id == task_id).values(heartbeat_at=old))
        db.session.commit()
        assert queue.recover_stale(120, lambda kind: 3) == [task_id]
        assert tasks.status(task_id).error == queue.WORKER_STOPPED
        assert not queue.beat(task_id, claim.token), "the quiet worker finds its claim gone"
        assert not queue.finish(task_id, claim.token)
    assert tasks.run_until_idle(app) == 1
    view = _status(app, task_id)
    assert view.status == "done" and view.attempts == 2


def test_a_task_of_a_process_that_is_gone_is_recovered_at_once(app):
    task_id = _add(app, payload={"n": 1})
    with app.app_context():
        queue.claim(["test.record"], tasks.host_id())
        import socket
        dead = f"{socket.gethostname()}:999999999:abc"
        db.session.execute(update(Task).where(Task.id == task_id).values(claimed_by=dead))
        db.session.commit()
        assert queue.recover_stale(3600, lambda kind: 3) == [task_id]


def test_a_task_out_of_attempts_when_its_worker_dies_is_failed_not_run_again(app):
    task_id = _add(app, payload={"n": 1})
    with app.app_context():
        queue.claim(["test.record"], tasks.host_id())
        db.session.execute(update(Task).where(Task.id == task_id)
                           .values(heartbeat_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert queue.recover_stale(120, lambda kind: 1) == [task_id]
    view = _status(app, task_id)
    assert view.status == "failed" and view.error == queue.WORKER_STOPPED


def test_cancel_a_queued_task_and_a_running_one(app):
    queued = _add(app, payload={"n": 1}, key="bo")
    with app.app_context():
        assert tasks.cancel("bo") is True
        db.session.commit()
        assert tasks.cancel("bo") is False, "nothing active is left to cancel"
    assert _status(app, queued).status == "cancelled"

    GATES["g"] = threading.Event()
    running = _add(app, "test.wait", {"gate": "g"})
    worker = threading.Thread(target=tasks.run_until_idle, args=(app,))
    worker.start()
    assert STARTED.wait(5)
    with app.app_context():
        assert tasks.cancel(running) is True
        db.session.commit()
    worker.join(10)
    assert not worker.is_alive()
    assert _status(app, running).status == "cancelled"
    assert [n for _, _, n in RUNS] == [None], "the cancelled queued task never ran"


def test_a_stopping_worker_gives_its_task_back_without_spending_an_attempt(app):
    GATES["g"] = threading.Event()
    task_id = _add(app, "test.wait", {"gate": "g"})
    runner = tasks.Runner(app, threads=1)
    runner.start()
    assert STARTED.wait(5)
    runner.stop(10)
    assert not runner.running
    view = _status(app, task_id)
    assert view.status == "queued" and view.attempts == 0
    GATES["g"].set()
    assert tasks.run_until_idle(app) == 1
    assert _status(app, task_id).status == "done"


def test_a_task_for_another_host_is_left_to_it(app):
    task_id = _add(app, payload={"n": 1}, host="may-khac")
    assert tasks.run_until_idle(app) == 0
    assert _status(app, task_id).status == "queued"
    mine = _add(app, payload={"n": 2}, host=tasks.host_id(app))
    assert tasks.run_until_idle(app) == 1 and _status(app, mine).status == "done"


def test_an_enqueue_wakes_the_runner_after_commit(app):
    app.config.update(JOBS_POLL_SECONDS=30, JOBS_BACKGROUND=True)
    runner = app.extensions["task_runner"]
    try:
        with app.test_request_context("/"):  # a web request queues work: its runner starts
            task_id = tasks.enqueue("test.record", {"n": 1})
            db.session.commit()
        deadline = time.monotonic() + 10
        while _status(app, task_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _status(app, task_id).status == "done"
    finally:
        runner.stop(10)


def test_finished_tasks_are_forgotten_after_a_while_failed_ones_later(app):
    done, failed = _add(app, payload={"n": 1}), _add(app, payload={"n": 2})
    tasks.run_until_idle(app)
    with app.app_context():
        db.session.execute(update(Task).where(Task.id == failed).values(status="failed"))
        db.session.execute(update(Task).values(finished_at=utcnow() - timedelta(days=40)))
        db.session.commit()
        assert queue.prune() == 1
        assert tasks.status(done) is None and tasks.status(failed).status == "failed"
