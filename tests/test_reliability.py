"""Faults a deployment meets: a corrupt or deleted index, a full disk while storing or
indexing, many concurrent SQLite writers during an import, several gunicorn workers
importing and searching at once."""
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library import create_app
from library.instance import prepare
from library.catalog.models import Book, IndexStatus
from library.extensions import db
from library.ingest import FAILED, import_file
from library.search import get_index
from tests.books import pdf_book
from tests.conftest import another_app, bearer, make_user, sign_in

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["suy thoái", "chi bo", '"đảng viên"']


def same_instance(app, **extra):
    return another_app(app, **extra)


def results(client):
    return [[(h["book_id"], h["page"]) for h in client.get(f"/api/search?q={q}").get_json()["hits"]]
            for q in QUERIES]


@pytest.fixture
def library(app, tmp_path):
    with app.app_context():
        for n, text in enumerate(["Chống suy thoái tư tưởng của đảng viên.", "Chi bộ sinh hoạt định kỳ."]):
            import_file(pdf_book(tmp_path / f"{n}.pdf", [text], title=f"Sách {n}"))
        get_index().close()
    return app


def break_index(app, how):
    index_dir = Path(app.config["INDEX_DIR"])
    if how == "deleted":
        shutil.rmtree(index_dir)
    else:
        for toc in index_dir.glob("*.toc"):
            toc.write_bytes(b"not a table of contents")


@pytest.mark.parametrize("how,reason", [("deleted", "missing"), ("corrupt", "cannot be read")])
def test_broken_index_says_unavailable_then_rebuild_restores_identical_results(library, client, how, reason):
    before = results(client)
    assert any(before)
    break_index(library, how)
    app = same_instance(library)  # a restart: the app starts whatever the index is like
    member = sign_in(app.test_client(), app, "member1")
    page = member.get("/tim-kiem?q=suy+thoái")
    assert page.status_code == 503 and "Tạm thời không tìm kiếm được" in page.get_data(as_text=True)
    api = member.get("/api/search?q=suy+thoái")
    assert api.status_code == 503 and "Tạm thời không tìm kiếm được" in api.get_json()["error"]
    health = member.get("/healthz")
    assert health.status_code == 503 and health.get_json()["failing"] == ["index"]
    assert reason in health.get_json()["reasons"]["index"]
    assert member.get("/").status_code == 200  # the rest of the site works on

    rebuilt = app.test_cli_runner().invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0 and "2" in rebuilt.output
    assert member.get("/healthz").status_code == 200
    assert results(member) == before


def enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_storing_leaves_no_file_no_row(app, tmp_path, monkeypatch):
    book = pdf_book(tmp_path / "a.pdf", ["Chống suy thoái tư tưởng."])
    monkeypatch.setattr(os, "fsync", enospc)  # where a full disk surfaces for a buffered write
    with app.app_context():
        result = import_file(book)
        assert result.status == FAILED and result.reason == "Hết dung lượng lưu trữ"
        assert db.session.scalar(select(func.count(Book.id))) == 0
    books_dir = Path(app.config["BOOKS_DIR"])
    assert not [p for p in books_dir.rglob("*") if p.is_file()]


def test_disk_full_while_indexing_keeps_the_index_readable_and_unlocked(library, tmp_path, monkeypatch):
    from whoosh.filedb.structfile import StructFile

    index_dir = Path(library.config["INDEX_DIR"])
    files_before = sorted(p.name for p in index_dir.iterdir())
    real_write, calls = StructFile.write, [0]

    def filling(self, data):
        calls[0] += 1
        if calls[0] > 3:
            enospc()
        return real_write(self, data)

    monkeypatch.setattr(StructFile, "write", filling)
    with library.app_context():
        result = import_file(pdf_book(tmp_path / "late.pdf", ["Đảng viên trẻ học tập."], title="Muộn"))
        book = db.session.get(Book, result.book_id)
        assert book.index_status == IndexStatus.FAILED and book.index_error == "Hết dung lượng lưu trữ"
        monkeypatch.setattr(StructFile, "write", real_write)
        assert sorted(p.name for p in index_dir.iterdir()) == files_before  # partial files gone
        assert not get_index().write_locked()
        assert get_index().search_hits("suy thoái").total >= 1  # the last commit still answers
        # once there is room again the reconciler indexes it
        repaired = library.test_cli_runner().invoke(args=["index", "check", "--repair", "--grace", "0"])
        assert repaired.exit_code == 0, repaired.output
        assert result.book_id in get_index().indexed_book_ids()


def test_many_progress_writers_during_an_import_never_see_a_locked_database(library, tmp_path):
    with library.app_context():
        book_ids = list(db.session.scalars(select(Book.id)))
    clients = []
    for n in range(12):
        make_user(library, f"reader{n}", "member", "cb02")
        clients.append((library.test_client(), bearer(library, f"reader{n}")))
    failures, stop = [], threading.Event()

    def reading(client, headers):
        page = 1
        while not stop.is_set() or page < 20:
            response = client.post("/api/progress", headers=headers,
                                   json={"book_id": book_ids[page % 2], "page": 1 + page % 3})
            if response.status_code >= 500 or "locked" in response.get_data(as_text=True):
                failures.append((response.status_code, response.get_data(as_text=True)[:200]))
            page += 1

    threads = [threading.Thread(target=reading, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    try:
        with library.app_context():
            for n in range(3):
                imported = import_file(pdf_book(tmp_path / f"busy{n}.pdf", [f"Sách bận số {n} của chi bộ."] * 30,
                                                 title=f"Sách bận {n}"))
                assert imported.status == "imported", imported.reason
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []


# Several gunicorn workers: uploads and searches at once


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url, headers, data=None, content_type=None):
    request = urllib.request.Request(url, data=data, headers=dict(headers))
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(path: Path, fields: dict) -> tuple[bytes, str]:
    boundary = "----tusach" + os.urandom(8).hex()
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.slow
def test_uploads_and_searches_under_several_gunicorn_workers(tmp_path):
    root = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
    env.update(LIBRARY_DATABASE_URL=f"sqlite:///{root / 'library.db'}", LIBRARY_BOOKS_DIR=str(root / "books"),
               LIBRARY_INDEX_DIR=str(root / "index"), LIBRARY_SECRET_KEY="gunicorn-test-secret-0123456789abcdef")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "users", "create", "thuthu", "--role", "librarian", "--password-stdin"],
                   input="mat-khau-thu-thu-2026\n", text=True, env=env, cwd=REPO, check=True, capture_output=True)
    token = subprocess.run([*flask, "users", "token", "thuthu"], env=env, cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    files = [pdf_book(tmp_path / f"up{n}.pdf", [f"Nghị quyết số {n} về đảng viên và chi bộ."] * 5,
                      title=f"Nghị quyết {n}") for n in range(6)]
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "3", "--threads", "2",
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(300):
            try:
                if call(f"{base}/healthz", {})[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        statuses, stop = [], threading.Event()

        def upload(path):
            body, kind = multipart(path, {"shelf": "chi-bo-dien-tu"})
            statuses.append(("upload", *call(f"{base}/api/books", headers, body, kind)))

        def searching():
            while not stop.is_set():
                statuses.append(("search", *call(f"{base}/api/search?q=nghi+quyet+dang+vien", headers)))

        searchers = [threading.Thread(target=searching) for _ in range(3)]
        uploaders = [threading.Thread(target=upload, args=(f,)) for f in files]
        for thread in searchers + uploaders:
            thread.start()
        for thread in uploaders:
            thread.join()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            listing = json.loads(call(f"{base}/api/books?per_page=100", headers)[1])
            if listing["total"] == len(files) and all(b["index_status"] == "indexed" for b in listing["books"]):
                break
            time.sleep(0.5)
        stop.set()
        for thread in searchers:
            thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    assert [s for s in statuses if s[1] >= 500] == []
    assert {s[1] for s in statuses if s[0] == "upload"} == {202}
    output = (tmp_path / "gunicorn.log").read_text()
    assert "LockError" not in output and "database is locked" not in output and "Traceback" not in output
    app = prepare(create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "BOOKS_DIR": str(root / "books"),
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}", "INDEX_DIR": str(root / "index")}))
    with app.app_context():
        ready = set(db.session.scalars(select(Book.id).where(Book.status == "ready")))
        assert len(ready) == len(files) and get_index().indexed_book_ids() == ready
        get_index().close()
        db.engine.dispose()
    last = json.loads(call_search_total(statuses))
    assert last >= 0


def call_search_total(statuses) -> str:
    """The number of hits in the last search answered: searches kept answering throughout."""
    answered = [s for s in statuses if s[0] == "search" and s[1] == 200]
    assert answered
    return str(json.loads(answered[-1][2])["total"])


def test_a_search_racing_another_workers_commit_still_answers(app, monkeypatch, tmp_path):
    """Another process's commit may delete the table of contents a search was about to
    open: the search opens the newer one instead of answering "unavailable"."""
    from whoosh import index as whoosh_index

    from library.search.store import IndexStore

    store = IndexStore(str(tmp_path / "race"), create_missing=True)
    store.create_empty()
    real_open_dir, calls = whoosh_index.open_dir, []

    def open_dir_after_a_commit(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first look finds the file gone, as after a commit
            raise FileNotFoundError(errno.ENOENT, "_library_v2_5.toc")
        return real_open_dir(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", open_dir_after_a_commit)
    assert store.open() is not None and len(calls) == 2
    store.close()
