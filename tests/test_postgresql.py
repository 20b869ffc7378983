"""PostgreSQL for real: a plain postgresql:// URL, hosts that start together migrate once,
a SQLite library moved to PostgreSQL keeps its rows and links. (Every other test that uses
`app` runs on PostgreSQL too: see conftest.py.)"""
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, text

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user, find_user
from library.catalog.models import Book, Shelf
from library.extensions import db
from library.ingest import import_file
from library.reader.progress import record_seen, save_position, seen_positions
from library.search import get_index
from tests.books import pdf_book
from tests.conftest import REPO

HOSTS = 4

# Each process imports the app, waits for the start signal (a file), then creates the app:
# the migrations of all of them begin within milliseconds of each other.
# Each is a host of its own: file locks (the instance folder's migrate.lock) do not reach
# across machines, so here they lock nothing; only PostgreSQL's advisory lock remains.
STARTING_HOST = """
import contextlib, logging, os, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s %(message)s")
import library.database
library.database.exclusive = lambda path: contextlib.nullcontext()
from library import create_app
from library.instance import prepare
while not os.path.exists(sys.argv[1]):
    time.sleep(0.005)
prepare(create_app())  # what each host's worker (or `flask db upgrade`) does at start
print("started", flush=True)
"""


def instance(root, url, **extra):
    return prepare(create_app({"TESTING": True, "SECRET_KEY": "pg-test-secret-key-0123456789abcdef0123",
                               "SQLALCHEMY_DATABASE_URI": url, "BOOKS_DIR": str(root / "books"),
                               "INDEX_DIR": str(root / "index"), "INDEX_INLINE": True, **extra}))


def test_a_plain_postgresql_url_works_as_given_with_pool_options(postgres, tmp_path):
    name = "plain_url"
    url = postgres.create_database(name)
    assert url.startswith("postgresql://")
    app = instance(tmp_path, url)
    try:
        with app.app_context():
            assert db.engine.dialect.driver == "psycopg"
            assert db.engine.pool.size() == 5 and db.engine.pool._pre_ping
            # timestamps are naive UTC: the session's time zone agrees whatever the server says
            assert db.session.scalar(text("SHOW timezone")) == "UTC"
            assert db.session.scalar(select(func.count(Shelf.id))) == 3
            db.session.remove()
            db.engine.dispose()
    finally:
        postgres.drop_database(name)


def test_sqlite_keeps_its_pragmas_and_no_pool_options(tmp_path):
    app = instance(tmp_path, f"sqlite:///{tmp_path / 'library.db'}")
    with app.app_context():
        assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        db.session.remove()
        db.engine.dispose()


def test_hosts_starting_together_migrate_once(postgres, tmp_path):
    name = "fresh_for_hosts"
    url = postgres.create_database(name)  # empty: no template, no schema
    go = tmp_path / "go"
    try:
        hosts = []
        for n in range(HOSTS):
            env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
            env.update(LIBRARY_DATABASE_URL=url, LIBRARY_SECRET_KEY="x" * 40,
                       LIBRARY_BOOKS_DIR=str(tmp_path / "books"),
                       LIBRARY_INDEX_DIR=str(tmp_path / f"index-{n}"),
                       LIBRARY_INSTANCE_DIR=str(tmp_path / f"instance-{n}"))
            hosts.append(subprocess.Popen([sys.executable, "-c", STARTING_HOST, str(go)], cwd=REPO, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        time.sleep(2)  # every process has imported the app and waits
        go.touch()
        outputs = [host.communicate(timeout=120)[0] for host in hosts]
        assert [host.returncode for host in hosts] == [0] * HOSTS, outputs
        assert all("started" in output for output in outputs)
        migrating = [output for output in outputs if "Running upgrade  ->" in output]
        assert len(migrating) == 1, outputs  # the first revision ran once, in one process
        assert sum(output.count("Running upgrade") for output in outputs) == \
            migrating[0].count("Running upgrade")
        app = instance(tmp_path / "check", url)
        with app.app_context():
            assert db.session.scalar(select(func.count(Shelf.id))) == 3  # not 3 per host
            db.session.remove()
            db.engine.dispose()
    finally:
        postgres.drop_database(name)


def test_a_sqlite_library_copied_to_postgresql_keeps_rows_links_and_ids(postgres, tmp_path):
    source = instance(tmp_path / "old", f"sqlite:///{tmp_path / 'old.db'}")
    with source.app_context():
        book_id = import_file(pdf_book(tmp_path / "a.pdf", ["Đảng viên sinh hoạt chi bộ.", "Trang hai."])).book_id
        member = create_user("dangvien1", "member", branch_code="cb07")
        db.session.flush()
        record_seen(member.id, book_id, 2, to_end=True)
        save_position(member.id, book_id, 3, 0.5)
        db.session.commit()
        member_id = member.id
        book = db.session.get(Book, book_id)
        expected = (book.title, book.authors, book.year, book.created_at, book.sha256)
        db.session.remove()
        db.engine.dispose()
    name = "copied"
    url = postgres.create_database(name, template="tusach_template")
    target = instance(tmp_path / "new", url, BOOKS_DIR=str(tmp_path / "old" / "books"))
    try:
        runner = target.test_cli_runner()
        done = runner.invoke(args=["db-copy", f"sqlite:///{tmp_path / 'old.db'}"])
        assert done.exit_code == 0, done.output
        again = runner.invoke(args=["db-copy", f"sqlite:///{tmp_path / 'old.db'}"])
        assert again.exit_code != 0 and "đã có sách" in again.output  # never over a library
        assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
        with target.app_context():
            copied = db.session.get(Book, book_id)
            # JSON, datetimes and text arrive as they were
            assert (copied.title, copied.authors, copied.year, copied.created_at, copied.sha256) == expected
            assert [s.page for s in copied.sections] == [1, 2, 3]
            assert find_user("dangvien1").id == member_id and find_user("dangvien1").branch.code == "cb07"
            assert seen_positions(member_id, book_id, to_end_only=True) == {2}
            assert db.session.scalar(select(func.count(Shelf.id))) == 3
            # the sequences follow the copied ids: the next rows get new ids, no clash
            newcomer = create_user("member2", "member", branch_code="cb08")
            db.session.commit()
            assert newcomer.id > member_id and newcomer.branch.id > find_user("dangvien1").branch.id
            hits = get_index().search_hits("dang vien", per_page=5).hits
            assert [hit.book_id for hit in hits] == [book_id]
            get_index().close()
            db.session.remove()
            db.engine.dispose()
    finally:
        postgres.drop_database(name)


@pytest.mark.parametrize("bad", ["sqlite:////nonexistent/nothing.db"])
def test_copying_from_something_else_is_refused(postgres, tmp_path, bad):
    name = "refusing"
    url = postgres.create_database(name, template="tusach_template")
    target = instance(tmp_path, url)
    try:
        done = target.test_cli_runner().invoke(args=["db-copy", bad])
        assert done.exit_code != 0
        with target.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        postgres.drop_database(name)




# Claims racing on separate connections: tests/test_tasks.py's exclusivity test runs on both
# backends through the `app` fixture (the queue replaced the ingest and indexing claims).


@pytest.mark.parametrize("given, used", [
    ("postgresql://tusach:p%40ss@db:5432/tusach?sslmode=require",
     "postgresql+psycopg://tusach:p%40ss@db:5432/tusach?sslmode=require"),
    ("postgres://tusach@db/tusach", "postgresql+psycopg://tusach@db/tusach"),
    ("postgresql+psycopg2://tusach@db/tusach", "postgresql+psycopg2://tusach@db/tusach"),  # chosen: kept
    ("sqlite:////srv/tusach/library.db", "sqlite:////srv/tusach/library.db"),
])
def test_database_urls_as_operators_write_them(given, used):
    from library.database import database_url

    assert database_url(given) == used
