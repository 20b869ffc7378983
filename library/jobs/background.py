"""One runner thread per process that claims queued ingest jobs and works through them."""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from library.extensions import db
from library.jobs import runner

log = logging.getLogger(__name__)


class JobRunner:
    """Started by the first upload (or the first request when jobs are waiting); then it
    checks the queue every `poll_seconds` and looks for quiet workers every `stale_check_seconds`."""

    def __init__(self, app: Flask, poll_seconds: float = 5.0, stale_check_seconds: float = 60.0):
        self.app = app
        self.poll_seconds = poll_seconds
        self.stale_check_seconds = stale_check_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        with self._lock:
            if not self.running:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name="ingest-jobs", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the current file's job step and end the thread (tests, shutdown)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        worker = runner.worker_id()
        last_check = 0.0
        while not self._stopping.is_set():
            with self.app.app_context():
                try:
                    if time.monotonic() - last_check >= self.stale_check_seconds:
                        last_check = time.monotonic()
                        runner.requeue_stale(self.app.config["JOBS_STALE_SECONDS"])
                        runner.sweep_staging()
                    while not self._stopping.is_set() and (job_id := runner.claim(worker=worker)):
                        try:
                            runner.run_job(job_id, worker)
                        except runner.JobLost:
                            log.warning("ingest job %s was taken over by another worker", job_id)
                        except Exception:
                            log.exception("ingest job %s broke the runner: closed", job_id)
                            runner.abandon(job_id)
                except Exception:
                    log.exception("ingest job runner")
                finally:
                    db.session.remove()
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
