"""Persisted ingest jobs: the rows users see, run as `ingest.job` tasks of library.tasks."""
from flask import Flask, current_app

from library.jobs import models  # noqa: F401  (tables known to the metadata)

INGEST = "ingest.job"


def submit(job_id: int) -> int:
    """Queue a job's run (commits): now, in this thread (JOBS_INLINE), else by a runner."""
    from library import tasks
    from library.extensions import db

    task_id = tasks.enqueue(INGEST, {"job_id": job_id}, key=f"ingest:{job_id}", priority=10)
    db.session.commit()
    if current_app.config["JOBS_INLINE"]:
        tasks.run_now(current_app._get_current_object(), task_id)
    return task_id


def run_and_wait(job_id: int) -> bool:
    """Queue a job and see it done before returning (the API answers with the outcome): in
    this thread where this process does background work, else by a worker, waited for up
    to the extraction's time limit and a margin. True when the job finished."""
    import time

    from library import tasks
    from library.extensions import db
    from library.jobs.models import IngestJob, JobStatus

    app = current_app._get_current_object()
    task_id = tasks.enqueue(INGEST, {"job_id": job_id}, key=f"ingest:{job_id}", priority=20)
    db.session.commit()
    if tasks.does_background_work(app):
        tasks.run_now(app, task_id)
    deadline = time.monotonic() + app.config["EXTRACT_TIMEOUT_SECONDS"] + 30
    while True:
        db.session.expire_all()
        if db.session.get(IngestJob, job_id).status == JobStatus.FINISHED:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def init_app(app: Flask) -> None:
    from library.jobs import runner  # noqa: F401  (registers the ingest.job handler)
