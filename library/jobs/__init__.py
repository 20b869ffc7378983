"""Persisted ingest jobs and the runner that works through them off the request thread."""
from flask import Flask, current_app

from library.jobs import models  # noqa: F401  (tables known to the metadata)

DEFAULTS = {
    "JOBS_INLINE": False,          # tests: run a job in the request that queued it
    "JOBS_BACKGROUND": True,       # start this process's runner thread on the first request
    "JOBS_HEARTBEAT_SECONDS": 10,
    # A running job whose worker has been quiet this long is re-queued: well above the
    # heartbeat, which a separate thread keeps up even during a long parse.
    "JOBS_STALE_SECONDS": 120,
}


def submit(job_id: int) -> None:
    """Have a queued job run: now, in this thread (JOBS_INLINE), else by the runner thread."""
    from library.jobs import runner

    if current_app.config["JOBS_INLINE"]:
        if runner.claim(job_id) is not None:
            runner.run_job(job_id)
    else:
        current_app.extensions["job_runner"].wake()


def init_app(app: Flask) -> None:
    from library.jobs.background import JobRunner

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions["job_runner"] = job_runner = JobRunner(app)
    started = []

    @app.before_request
    def _start_runner():
        # At start-up (the first request of this process: safe under a forking server),
        # pick up jobs left queued or cut short by a restart.
        if started or not app.config["JOBS_BACKGROUND"] or app.config["JOBS_INLINE"]:
            return
        started.append(True)
        from library.jobs import runner

        if not app.testing or runner.unfinished_jobs_exist():
            job_runner.wake()
