"""Ingest job benchmark: what the persisted job runner costs over the bare import pipeline,
and how fast an upload request returns.

    python bench/jobs_bench.py [--library bench/out/library] [--limit 20]

On the same files (the first --limit PDFs/EPUBs of the generated library, see
bench/make_library.py), each on a fresh instance in a temporary folder, indexing left out:
1. `library.ingest.import_files` alone (two parses at once), as before jobs existed;
2. the job path: files staged (copied, fsync'd) and a job created, then its task claimed and run
   with its per-file transactions, audit events and staged copies removed;
3. the console: POST /thu-vien/tai-len with all the files through the Flask test client,
   the runner thread in the background: time until the 303 answer, then until the job is done.
"""
import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


class NoIndexer:
    """Indexing is measured by ingest_bench.py; here it would only blur the figures."""

    def __getattr__(self, name):  # wake, drain, and whatever else the app asks of it
        return lambda *args, **kwargs: 0


def make_app(root: Path, **extra):
    from library import create_app
    from library.instance import prepare

    app = prepare(create_app({
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index"),
        "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": True, **extra,
    }))
    app.extensions["indexer"] = NoIndexer()
    from library.tasks.runner import LOOPS

    LOOPS.pop("index-follower", None)  # nor the host's index following the change log
    return app


def pages_of(app) -> int:
    from sqlalchemy import func, select

    from library.catalog.models import Section
    from library.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(Section.id)))


def bare_pipeline(files, root: Path) -> tuple[float, int]:
    from library.ingest import ImportJob, import_files

    app = make_app(root)
    with app.app_context():
        start = time.perf_counter()
        results = list(import_files(ImportJob(p) for p in files))
        elapsed = time.perf_counter() - start
    assert all(r.status == "imported" for r in results), [r.reason for r in results if r.failed]
    return elapsed, pages_of(app)


def job_path(files, root: Path) -> tuple[float, float, int]:
    from library import jobs, tasks
    from library.jobs import runner

    app = make_app(root)
    with app.app_context():
        start = time.perf_counter()
        job = runner.create_job([runner.Upload(p.name, open(p, "rb")) for p in files],
                                shelf=None, source="web")
        staged = time.perf_counter() - start
        task_id = jobs.submit(job.id)  # the queue's claim, then the job run in this thread
        tasks.run_now(app, task_id)
        elapsed = time.perf_counter() - start
    return elapsed, staged, pages_of(app)


def console_upload(files, root: Path) -> tuple[float, float, int]:
    from sqlalchemy import select

    from library.auth.accounts import create_user
    from library.extensions import db
    from library.jobs.models import IngestJob

    app = make_app(root, JOBS_HEARTBEAT_SECONDS=5)
    with app.app_context():
        user = create_user("bench-librarian", "librarian", branch_code="cb01")
        db.session.commit()
        session_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    data = {"shelf": "chi-bo-dien-tu",
            "files": [(io.BytesIO(p.read_bytes()), p.name) for p in files]}
    start = time.perf_counter()
    response = client.post("/thu-vien/tai-len", data=data, content_type="multipart/form-data")
    answered = time.perf_counter() - start
    assert response.status_code == 303, response.status_code
    with app.app_context():
        while db.session.scalar(select(IngestJob.status)) != "finished":
            db.session.rollback()
            time.sleep(0.05)
    done = time.perf_counter() - start
    app.extensions["task_runner"].stop()
    return answered, done, pages_of(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default=str(HERE / "out" / "library"))
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    files = sorted(p for p in Path(args.library).iterdir() if p.suffix in (".pdf", ".epub"))[:args.limit]
    if not files:
        sys.exit(f"no books in {args.library}: run bench/make_library.py first")
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} files, {megabytes:.1f} MB")
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, \
            tempfile.TemporaryDirectory() as c:
        bare, pages = bare_pipeline(files, Path(a))
        print(f"import_files alone:            {bare:7.1f} s  {pages / bare:6.0f} pages/s  (1.00×)")
        total, staged, pages_b = job_path(files, Path(b))
        print(f"job (stage + claim + run):     {total:7.1f} s  {pages_b / total:6.0f} pages/s  "
              f"({bare / total:.2f}×; staging {staged:.2f} s)")
        answered, done, pages_c = console_upload(files, Path(c))
        print(f"console upload, answer in:     {answered:7.2f} s")
        print(f"console upload, job done in:   {done:7.1f} s  {pages_c / done:6.0f} pages/s  ({bare / done:.2f}×)")


if __name__ == "__main__":
    main()
