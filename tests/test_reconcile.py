"""The reconciler after real crashes: a child process importing a book is killed with SIGKILL
at each step of the import, then `index check --repair` brings files, rows and index back into
agreement: the book is searchable or cleanly absent, and a second check has nothing to do."""
import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from library import create_app, indexing
from library.instance import prepare
from library.catalog.models import Book, IndexStatus, utcnow
from library.extensions import db
from library.ingest import import_file
from library import faults
from library.maintenance import reconcile
from library.search import get_index
from library.search.layout import INDEX_NAME
from tests.books import pdf_book
from tests.conftest import another_app

REPO = Path(__file__).resolve().parent.parent
PASSAGE = "Chống suy thoái tư tưởng chính trị trong đội ngũ đảng viên trẻ."


def instance_env(root: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
    env.update({
        "LIBRARY_DATABASE_URL": f"sqlite:///{root / 'library.db'}",
        "LIBRARY_BOOKS_DIR": str(root / "books"),
        "LIBRARY_INDEX_DIR": str(root / "index"),
        "LIBRARY_SECRET_KEY": "reconcile-test-secret-key-0123456789abcdef",
    }, **extra)
    return env


def flask(root: Path, *args, fault: str | None = None) -> subprocess.CompletedProcess:
    extra = {faults.ENV: fault} if fault else {}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO,
                          env=instance_env(root, **extra), capture_output=True, text=True,
                          timeout=240)


def open_instance(root: Path):
    return prepare(create_app({
        "TESTING": True, "SECRET_KEY": "reconcile-test-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True,
    }))


def agreement(app):
    """(rows, stored files, files the rows name, ready books, indexed books)."""
    with app.app_context():
        books = db.session.scalars(select(Book)).all()
        root = Path(app.config["BOOKS_DIR"])
        stored = {str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and reconcile.QUARANTINE not in p.parts}
        named = {n for b in books for n in (b.stored_name, b.cover_name) if n}
        ready = {b.id for b in books if b.status == "ready"}
        indexed = get_index().indexed_book_ids()
        get_index().close()
        return len(books), stored, named, ready, indexed


@pytest.fixture
def book_file(tmp_path):
    return pdf_book(tmp_path / "so-tay.pdf", [PASSAGE], title="Sổ tay chống suy thoái")


@pytest.mark.slow
@pytest.mark.parametrize("point", faults.POINTS)
def test_kill_at_each_import_step_then_repair_leaves_nothing_half_imported(tmp_path, book_file, point):
    root = tmp_path / "instance"
    killed = flask(root, "books", "import", str(book_file), fault=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    repaired = flask(root, "index", "check", "--repair", "--grace", "0")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    again = flask(root, "index", "check", "--grace", "0")
    assert again.returncode == 0 and "Không có gì cần sửa" in again.stdout, again.stdout

    app = open_instance(root)
    rows, stored, named, ready, indexed = agreement(app)
    assert stored == named and indexed == ready
    with app.app_context():
        found = get_index().search_hits("suy thoái tư tưởng").total
        get_index().close()
    if point == faults.AFTER_STORE:
        # killed before the row: the file is set aside, the book cleanly absent
        assert rows == 0 and found == 0
        assert list((root / "books" / reconcile.QUARANTINE).iterdir())
        assert "tệp không thuộc sách nào" in repaired.stdout
    else:
        assert rows == 1 and found >= 1
    # and importing the file again now works as on a clean instance
    retry = flask(root, "books", "import", str(book_file))
    assert retry.returncode == 0
    assert ("duplicate" if rows else "imported") in retry.stdout


def test_check_on_a_consistent_instance_reports_nothing_and_exits_0(app, tmp_path):
    with app.app_context():
        import_file(pdf_book(tmp_path / "a.pdf", [PASSAGE]))
    result = app.test_cli_runner().invoke(args=["index", "check"])
    assert result.exit_code == 0 and "Không có gì cần sửa" in result.output


@pytest.fixture
def two_books(app, tmp_path):
    with app.app_context():
        ids = [import_file(pdf_book(tmp_path / f"{n}.pdf", [f"{PASSAGE} Số {n}."], title=f"Sách {n}")).book_id
               for n in ("mot", "hai")]
    return ids


def run_check(app, *args):
    return app.test_cli_runner().invoke(args=["index", "check", "--grace", "0", *args])


def test_every_kind_of_drift_is_found_then_repaired_once(app, two_books):
    first, second = two_books
    root = Path(app.config["BOOKS_DIR"])
    with app.app_context():
        book = db.session.get(Book, first)
        stored_name = book.stored_name
        get_index().remove_book(first)                      # visible, not in the index
        book.status = "withdrawn"
        db.session.commit()
        get_index().index_books([indexing.book_document(book)])  # withdrawn, still in the index
        book.status = "ready"
        db.session.commit()
        get_index().remove_book(first)
        other = db.session.get(Book, second)
        other.status = "withdrawn"                          # in the index, not visible
        db.session.commit()
    (root / stored_name).rename(root.parent / "away.pdf")   # a row without its file
    (root / ("f" * 32 + ".pdf")).write_bytes(b"%PDF-1.4 orphan")  # a file without a row
    (root / ".incoming-abc").write_bytes(b"half")          # a half-written temporary file

    report = run_check(app)
    assert report.exit_code == 1
    for words in ("chưa có trong chỉ mục", "vẫn có trong chỉ mục", "mất tệp (chưa đánh dấu)",
                  "tệp không thuộc sách nào", "tệp tạm ghi dở"):
        assert words in report.output, report.output

    repaired = run_check(app, "--repair")
    assert "Đã chuyển 1 tệp" in repaired.output and "Đã đánh dấu 1 sách mất tệp" in repaired.output
    with app.app_context():
        assert get_index().indexed_book_ids() == {first}
        assert reconcile.FILE_MISSING in db.session.get(Book, first).warnings
    assert not (root / ".incoming-abc").exists()
    assert (root / reconcile.QUARANTINE / ("f" * 32 + ".pdf")).exists()

    # a second run repairs nothing; the missing file stays reported (exit 1) until it is back
    again = run_check(app, "--repair")
    assert "Đã" not in again.output and "đã đánh dấu" in again.output and again.exit_code == 1
    (root.parent / "away.pdf").rename(root / stored_name)
    back = run_check(app, "--repair")
    assert "bỏ đánh dấu" in back.output
    assert run_check(app).exit_code == 0


def test_librarians_see_the_missing_file_warning_members_do_not(app, two_books, client, librarian_client):
    root = Path(app.config["BOOKS_DIR"])
    with app.app_context():
        (root / db.session.get(Book, two_books[0]).stored_name).unlink()
    run_check(app, "--repair")
    words = "Tệp sách không còn trong kho lưu trữ"
    assert words in librarian_client.get(f"/sach/{two_books[0]}").get_data(as_text=True)
    assert words not in client.get(f"/sach/{two_books[0]}").get_data(as_text=True)


def test_a_failed_index_write_is_shown_reported_and_retried_until_it_holds(
        app, two_books, librarian_client, monkeypatch):
    import errno

    from library import tasks
    from library.search.engine import SearchIndex

    real = SearchIndex.index_books

    def full_disk(self, docs, progress=None):
        list(docs)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SearchIndex, "index_books", full_disk)
    with app.app_context():
        db.session.get(Book, two_books[0]).title = "Sổ tay đảng viên (bản sửa)"
        db.session.commit()
        indexing.enqueue(two_books[0])
        book = db.session.get(Book, two_books[0])
        assert book.index_status == IndexStatus.FAILED and book.index_error == "Hết dung lượng lưu trữ"
    page = librarian_client.get(f"/thu-vien/sach/{two_books[0]}").get_data(as_text=True)
    assert "Lỗi lập chỉ mục" in page and "Hết dung lượng lưu trữ" in page
    jobs_page = librarian_client.get("/thu-vien/tac-vu")
    text = jobs_page.get_data(as_text=True)
    assert jobs_page.status_code == 200 and "Tác vụ nền cần chú ý" in text
    assert "Ghi chỉ mục tìm kiếm" in text and f"#{two_books[0]}" in text and "Sẽ thử lại lúc" in text
    assert "<title>" in text and "console-table" not in text.split("<title>")[1].split("</title>")[0]
    report = run_check(app)
    assert report.exit_code == 1 and "cũ hơn lần sửa gần nhất" in report.output, report.output
    assert f"#{two_books[0]}" in report.output

    monkeypatch.setattr(SearchIndex, "index_books", real)
    with app.app_context():
        retry = tasks.status(f"index:{tasks.host_id()}:{two_books[0]}")
        assert retry.status == "queued" and retry.run_after > utcnow(), "after a backoff"
        db.session.execute(update(tasks.models.Task).where(tasks.models.Task.id == retry.id)
                           .values(run_after=utcnow()))
        db.session.commit()
    assert tasks.run_until_idle(app) >= 1
    with app.app_context():
        assert db.session.get(Book, two_books[0]).index_status == IndexStatus.INDEXED
        assert tasks.status(retry.id).status == "done"
        assert get_index().search("bản sửa").total == 1
    assert run_check(app).exit_code == 0


def test_a_change_this_host_has_not_applied_is_reported_then_applied(app, two_books):
    from library.indexing import changes

    with app.app_context():
        db.session.get(Book, two_books[1]).status = "withdrawn"
        changes.record([two_books[1]])  # logged, as by another host, not applied here yet
        db.session.commit()
    report = run_check(app)
    assert report.exit_code == 1 and "cũ hơn lần sửa gần nhất" in report.output, report.output
    repaired = run_check(app, "--repair")
    assert "Đã cập nhật lại chỉ mục cho 1 sách" in repaired.output, repaired.output
    with app.app_context():
        assert get_index().indexed_book_ids() == {two_books[0]}
    assert run_check(app).exit_code == 0


def test_an_index_of_an_older_format_is_reported_then_rebuilt(app, two_books, anonymous):
    index_dir = Path(app.config["INDEX_DIR"])
    with app.app_context():
        get_index().close()
    for path in index_dir.iterdir():  # what the previous version of the app left
        path.rename(index_dir / path.name.replace(INDEX_NAME, "library_v1"))
    fresh = another_app(app)  # a restart of the same instance
    health = fresh.test_client().get("/healthz")
    assert health.status_code == 503 and "older format" in health.get_json()["reasons"]["index"]
    result = fresh.test_cli_runner().invoke(args=["index", "check", "--repair"])
    assert "định dạng cũ" in result.output and result.exit_code == 0, result.output
    assert not any("library_v1" in p.name for p in index_dir.iterdir())
    assert fresh.test_client().get("/healthz").status_code == 200
    with fresh.app_context():
        assert get_index().indexed_book_ids() == set(two_books)
        get_index().close()


def test_start_up_pass_rebuilds_a_lost_index_and_indexes_what_was_left_pending(app, two_books):
    import shutil

    with app.app_context():
        get_index().close()
    shutil.rmtree(app.config["INDEX_DIR"])
    fresh = another_app(app, RECONCILE_ON_START=True)
    assert fresh.test_client().get("/healthz").status_code == 200  # the first request settles
    with fresh.app_context():
        assert get_index().indexed_book_ids() == set(two_books)
        get_index().close()


def test_a_kill_during_books_import_is_reported_and_repaired_inside_the_grace(tmp_path, book_file):
    """kill -9 while `books import` commits the index: its change is in the log, and no
    follower of this host is alive to apply it. Within the default grace, `index check` reports
    the book with its age and exits 1, and `--repair` indexes it."""
    root = tmp_path / "instance"
    killed = flask(root, "books", "import", str(book_file), fault=faults.DURING_INDEX_COMMIT)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    checked = flask(root, "index", "check")  # default grace: 300 s
    assert checked.returncode == 1, checked.stdout
    assert "1 sách chưa có trong chỉ mục tìm kiếm" in checked.stdout
    assert re.search(r"#1 \(chờ \d+ giây\)", checked.stdout), checked.stdout
    repaired = flask(root, "index", "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "Đã lập chỉ mục 1 sách" in repaired.stdout
    app = open_instance(root)
    with app.app_context():
        assert get_index().search_hits("suy thoái tư tưởng").total >= 1
        assert db.session.get(Book, 1).index_status == IndexStatus.INDEXED
        get_index().close()


def test_a_change_in_a_live_followers_hand_is_left_alone_else_listed_with_its_age(app, two_books):
    from library.indexing import changes, replica

    with app.app_context():
        db.session.execute(update(Book).where(Book.id == two_books[1])
                           .values(index_status=IndexStatus.PENDING,
                                   updated_at=utcnow() - timedelta(minutes=7)))
        changes.record([two_books[1]])
        db.session.commit()
        get_index().remove_book(two_books[1])
        with replica.replica_lock() as held:  # this host's follower at work
            assert held
            report = reconcile.check()
        assert report.unindexed == [] and report.young >= 1
        report = reconcile.check()  # nobody follows: the book waits, whatever its age
        assert report.unindexed == [two_books[1]]
        assert f"#{two_books[1]} (chờ 7 phút)" in "\n".join(report.lines())
