"""The ingest job runner: persisted jobs, atomic claims, per-file results, staged files cleaned,
quiet workers' jobs re-queued, the background thread and the CLI going through it."""
import io
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from library import jobs, tasks
from library.audit import AuditEvent
from library.catalog.models import Book, utcnow
from library.catalog.manifest import BookMetadata
from library.extensions import db
from library.jobs import runner
from library.jobs.models import FileStatus, IngestJob, JobStatus
from library.search import get_index
from library.tasks import queue
from library.tasks.models import Task
from tests.books import FILLER, epub_book, pdf_book


def _upload(path, name=None, metadata=None):
    return runner.Upload(name or path.name, io.BytesIO(path.read_bytes()), metadata)


def _staged_files(app):
    staging = app.config["BOOKS_DIR"] + "/staging"
    return [n for n in os.listdir(staging) if not n.startswith(".")] if os.path.isdir(staging) else []


@pytest.fixture
def files(tmp_path):
    return {
        "pdf": pdf_book(tmp_path / "so-tay.pdf", [FILLER, "Nghị quyết về phòng chống tham nhũng."]),
        "epub": epub_book(tmp_path / "chuyen-de.epub"),
        "broken": tmp_path / "hong.pdf",
    }


@pytest.fixture(autouse=True)
def _broken(files):
    files["broken"].write_bytes(b"%PDF-1.4\nnot really a pdf at all")


def test_a_job_imports_each_file_records_why_and_removes_its_staged_copies(app, files):
    with app.app_context():
        job = runner.create_job(
            [_upload(files["pdf"], metadata=BookMetadata(title="Sổ tay phòng chống tham nhũng")),
             _upload(files["epub"]), _upload(files["broken"]),
             runner.Upload("ghi-chu.docx", io.BytesIO(b"PK\x03\x04 a word file"))],
            shelf=None, source="web")
        assert len(_staged_files(app)) == 3, "the .docx must not even be written"
        assert job.files[3].status == FileStatus.FAILED and ".pdf" in job.files[3].reason
        jobs.submit(job.id)
        assert tasks.run_until_idle(app) == 1

        db.session.expire_all()
        job = db.session.get(IngestJob, job.id)
        assert job.status == JobStatus.FINISHED and job.finished_at is not None
        statuses = [f.status for f in job.files]
        assert statuses == ["imported", "imported", "failed", "failed"]
        assert db.session.get(Book, job.files[0].book_id).title == "Sổ tay phòng chống tham nhũng"
        assert job.files[2].reason and job.files[2].book_id is None
        assert all(f.staged_name is None and f.finished_at for f in job.files)
        assert _staged_files(app) == []
        uploads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "book.upload")).all()
        assert sorted(e.target_id for e in uploads) == sorted(f.book_id for f in job.files[:2])
        assert get_index().search_hits("phong chong tham nhung").total > 0


def test_the_same_bytes_twice_is_a_duplicate_naming_the_first(app, files):
    with app.app_context():
        job = runner.create_job([_upload(files["pdf"]), _upload(files["pdf"], "ban-sao.pdf")],
                                shelf=None, source="web")
        jobs.submit(job.id)
        tasks.run_until_idle(app)
        db.session.expire_all()
        first, second = db.session.get(IngestJob, job.id).files
        assert (first.status, second.status) == ("imported", "duplicate")
        assert second.book_id == first.book_id and "trùng lặp" in second.reason
        assert db.session.scalar(select(func.count(Book.id))) == 1


def _claim(app):
    return queue.claim([jobs.INGEST], tasks.host_id(app))


def _quiet(task_id, minutes=10):
    db.session.execute(update(Task).where(Task.id == task_id)
                       .values(heartbeat_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_a_job_is_claimed_by_one_worker_only(app, files):
    with app.app_context():
        job = runner.create_job([_upload(files["pdf"])], shelf=None, source="web")
        task_id = jobs.submit(job.id)
        assert _claim(app).task_id == task_id
        assert _claim(app) is None
        assert jobs.submit(job.id) == task_id, "one task per job, however often it is submitted"


def test_a_quiet_workers_job_is_requeued_and_finished_without_redoing_done_files(app, files):
    with app.app_context():
        job = runner.create_job([_upload(files["pdf"]), _upload(files["epub"])], shelf=None, source="web")
        task_id = jobs.submit(job.id)
        claim = _claim(app)
        # That worker finished the first file, then its machine went away mid-way.
        runner._record(job.id, job.files[0].id,
                       runner.ImportResult("failed", "so-tay.pdf", reason="giả lập"),
                       runner.Progress(None, 2, 0), None)
        _quiet(task_id)
        assert queue.recover_stale(120, lambda kind: 3) == [task_id]
        assert not queue.beat(task_id, claim.token), "the quiet worker's claim is gone"
        assert tasks.run_until_idle(app) == 1
        db.session.expire_all()
        done = db.session.get(IngestJob, job.id)
        assert [f.status for f in done.files] == ["failed", "imported"]
        assert done.files[0].reason == "giả lập", "a finished file is not run again"
        assert done.status == JobStatus.FINISHED
        view = tasks.status(task_id)
        assert (view.status, view.attempts, view.done, view.total) == ("done", 2, 2, 2)


def test_a_busy_worker_keeps_its_job(app, files):
    with app.app_context():
        job = runner.create_job([_upload(files["pdf"])], shelf=None, source="web")
        task_id = jobs.submit(job.id)
        _claim(app)
        assert queue.recover_stale(120, lambda kind: 3) == []
        assert tasks.status(task_id).status == "running"


def test_a_worker_that_lost_its_claim_stops_writing(app, files):
    with app.app_context():
        job = runner.create_job([_upload(files["pdf"])], shelf=None, source="web")
        task_id = jobs.submit(job.id)
        claim = _claim(app)
        # re-queued and taken by another worker meanwhile
        db.session.execute(update(Task).where(Task.id == task_id).values(claimed_by="other:2:x"))
        db.session.commit()
        with pytest.raises(tasks.TaskLost):
            runner.run_job(job.id, tasks.TaskContext(claim, app))
        assert db.session.scalar(select(func.count(Book.id))) == 0


def test_a_dead_cli_import_is_closed_not_run_again(app, files):
    with app.app_context():
        job = runner.create_cli_job([files["pdf"]], shelf=None, metadata_for=lambda p: None)
        claim = _claim(app)  # the `books import` process, which then died
        _quiet(claim.task_id, minutes=60)
        assert queue.recover_stale(120, lambda kind: 3) == [claim.task_id]
        tasks.run_until_idle(app)
        db.session.expire_all()
        closed = db.session.get(IngestJob, job.id)
        assert closed.status == JobStatus.FINISHED
        assert closed.files[0].status == FileStatus.FAILED and "dừng" in closed.files[0].reason
        assert db.session.scalar(select(func.count(Book.id))) == 0


@pytest.fixture
def background_app(app):
    app.config.update(JOBS_INLINE=False, JOBS_BACKGROUND=True, JOBS_HEARTBEAT_SECONDS=0.2)
    yield app
    app.extensions["task_runner"].stop()


def _wait_for(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_background_thread_runs_a_queued_job_and_heartbeats(background_app, files):
    app = background_app
    with app.test_request_context("/"):  # an upload's request: the runner starts on commit
        job = runner.create_job([_upload(files["pdf"]), _upload(files["epub"])], shelf=None, source="web")
        job_id = job.id
        task_id = jobs.submit(job_id)  # returns at once: the runner thread does the work

        def finished():
            db.session.expire_all()
            return db.session.get(IngestJob, job_id).status == JobStatus.FINISHED

        assert _wait_for(finished), "the runner thread did not finish the job"
        done = db.session.get(IngestJob, job_id)
        assert [f.status for f in done.files] == ["imported", "imported"]
        assert _staged_files(app) == []
        assert _wait_for(lambda: tasks.status(task_id).status == "done")
        view = tasks.status(task_id)
        assert (view.done, view.total, view.attempts) == (2, 2, 1)


def test_the_runner_picks_up_a_job_left_by_a_dead_process_at_startup(background_app, files):
    app = background_app
    with app.app_context():
        job = runner.create_job([_upload(files["epub"])], shelf=None, source="web")
        task_id = jobs.submit(job.id)
        _claim(app)
        db.session.execute(update(Task).where(Task.id == task_id).values(claimed_by="gone-host:1:x"))
        _quiet(task_id, minutes=60)
        job_id = job.id
    # The first request of this process starts the runner, which finds the quiet job.
    app.test_client().get("/healthz")
    with app.app_context():
        def finished():
            db.session.expire_all()
            return db.session.get(IngestJob, job_id).status == JobStatus.FINISHED

        assert _wait_for(finished), "the stale job was not re-queued and run"
        assert db.session.get(IngestJob, job_id).files[0].status == FileStatus.IMPORTED


def test_books_import_runs_as_a_cli_job(app, runner_cli, files):
    result = runner_cli.invoke(args=["books", "import", str(files["pdf"]), str(files["broken"])])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0].startswith("imported: so-tay.pdf → #")
    assert result.output.splitlines()[1].startswith("failed: hong.pdf — ")
    with app.app_context():
        job = db.session.scalars(select(IngestJob)).one()
        assert job.source == "cli" and job.status == JobStatus.FINISHED
        assert [f.status for f in job.files] == ["imported", "failed"]
        assert job.files[0].source_path == str(files["pdf"].absolute())
        event = db.session.scalars(select(AuditEvent)).one()
        assert (event.action, event.actor_name) == ("book.upload", "cli")


@pytest.fixture
def runner_cli(app):
    return app.test_cli_runner()


def test_a_job_that_breaks_the_runner_is_retried_then_closed_not_retried_for_ever(
        background_app, files, monkeypatch):
    app = background_app
    app.config.update(JOBS_RETRY_BASE_SECONDS=0.05, JOBS_POLL_SECONDS=0.1)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the pipeline")
        yield  # a generator, like the real one

    monkeypatch.setattr(runner, "import_files", broken)
    with app.test_request_context("/"):
        job = runner.create_job([_upload(files["pdf"])], shelf=None, source="web")
        job_id = job.id
        task_id = jobs.submit(job_id)

        def finished():
            db.session.expire_all()
            return db.session.get(IngestJob, job_id).status == JobStatus.FINISHED

        assert _wait_for(finished), "the broken job was left running"
        row = db.session.get(IngestJob, job_id).files[0]
        assert row.status == FileStatus.FAILED and "Lỗi máy chủ" in row.reason
        assert _staged_files(app) == []
        assert _wait_for(lambda: tasks.status(task_id).status == "failed")
        view = tasks.status(task_id)
        assert view.attempts == 3 and "a bug in the pipeline" in view.error


def test_forgotten_staged_uploads_are_swept_but_not_those_of_a_job(app, files):
    with app.app_context():
        job = runner.create_job([_upload(files["pdf"])], shelf=None, source="web")
        orphan = get_store_root(app) / "staging" / ("0" * 32 + ".upl")
        orphan.write_bytes(b"left by a killed process")
        old = time.time() - 2 * 86400
        for path in (get_store_root(app) / "staging").iterdir():
            os.utime(path, (old, old))
        assert runner.sweep_staging() == 1
        assert not orphan.exists()
        assert _staged_files(app) == [job.files[0].staged_name.split("/")[1]]


def get_store_root(app):
    from pathlib import Path

    return Path(app.config["BOOKS_DIR"])
