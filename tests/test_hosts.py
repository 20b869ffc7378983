"""Several hosts on one library, with real processes: gunicorn web servers and `flask worker`
processes on loopback ports, each host with its own index and instance folders, all over one
database and one books folder. Uploads, withdrawals, a new host, a worker killed in the middle
of a job and a rebuild under searches."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from library import faults
from tests.books import FILLER, pdf_book

REPO = Path(__file__).resolve().parent.parent
SECRET = "hosts-test-secret-key-0123456789abcdef0123"
PASSWORD = "mat-khau-thu-thu-2026"
FOLLOW_WITHIN = 60  # seconds: a change on one host shows in search on every host by then


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Host:
    """One host: its own index and instance folders; the shared database and books folder."""

    def __init__(self, name: str, root: Path, database_url: str, books: Path, jobs: str):
        self.name, self.jobs = name, jobs
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
        self.env.update({
            "LIBRARY_DATABASE_URL": database_url, "LIBRARY_BOOKS_DIR": str(books),
            "LIBRARY_INDEX_DIR": str(root / name / "index"),
            "LIBRARY_INSTANCE_DIR": str(root / name / "instance"),
            "LIBRARY_SECRET_KEY": SECRET, "LIBRARY_JOBS": jobs,
        })
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []
        self.logs = root / name / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def _start(self, args, label, **extra_env) -> subprocess.Popen:
        with open(self.logs / f"{label}-{len(self.processes)}.log", "w") as log:
            process = subprocess.Popen([sys.executable, "-m", *args], cwd=REPO, stdout=log,
                                       stderr=subprocess.STDOUT, env={**self.env, **extra_env})
        self.processes.append(process)
        return process

    def serve(self, workers: int = 1) -> None:
        self._start(["gunicorn", "-w", str(workers), "--threads", "4", "-b",
                     f"127.0.0.1:{self.port}", "--timeout", "120", "wsgi:app"], "web")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/healthz", timeout=30)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"host {self.name} did not start: {self.log_text()}")

    def worker(self, threads: int = 1, **extra_env) -> subprocess.Popen:
        return self._start(["flask", "--app", "wsgi", "worker", "--threads", str(threads)],
                           "worker", **extra_env)

    def flask(self, *args, stdin=None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO,
                              env=self.env, input=stdin, capture_output=True, text=True,
                              timeout=300)

    def search(self, words: str, headers: dict) -> requests.Response:
        return requests.get(self.url + "/api/search", params={"q": words}, headers=headers,
                            timeout=30)

    def found(self, words: str, headers: dict) -> set[int]:
        answer = self.search(words, headers)
        assert answer.status_code == 200, answer.text
        return {hit["book_id"] for hit in answer.json()["hits"]}

    def sign_in(self, username: str) -> requests.Session:
        browser = requests.Session()
        page = browser.get(self.url + "/dang-nhap", timeout=30).text
        answer = browser.post(self.url + "/dang-nhap", timeout=30, data={
            "csrf_token": csrf(page), "username": username, "password": PASSWORD})
        assert answer.status_code == 200 and "/dang-nhap" not in answer.url, answer.text[:500]
        return browser

    def ready(self) -> bool:
        return requests.get(self.url + "/healthz", timeout=30).status_code == 200

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.iterdir())

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def eventually(check, seconds: float = FOLLOW_WITHIN, what: str = ""):
    deadline = time.monotonic() + seconds
    while True:
        outcome = check()
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.25)


@pytest.fixture
def library(tmp_path, shared_database_url):
    """Hosts are made with library.host(name, jobs); a librarian exists, with an API token."""
    books = tmp_path / "shared" / "books"
    books.mkdir(parents=True)
    hosts: list[Host] = []

    class Library:
        url = shared_database_url

        @staticmethod
        def host(name: str, jobs: str = "inline") -> Host:
            made = Host(name, tmp_path, shared_database_url, books, jobs)
            hosts.append(made)
            return made

    first = Library.first = Library.host("a")
    created = first.flask("users", "create", "thuthu", "--role", "librarian", "--password-stdin",
                          stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    token = first.flask("users", "token", "thuthu").stdout.strip().splitlines()[-1]
    Library.headers = {"Authorization": f"Bearer {token}"}
    try:
        yield Library
    finally:
        for each in hosts:
            each.stop()


def upload(host: Host, headers: dict, path: Path, title: str) -> int:
    with open(path, "rb") as fh:
        answer = requests.post(host.url + "/api/books", headers=headers, timeout=120,
                               files={"file": (path.name, fh, "application/pdf")},
                               data={"shelf": "chi-bo-dien-tu", "title": title})
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def test_a_book_uploaded_on_one_host_is_found_on_another_and_a_withdrawal_follows_back(
        library, tmp_path):
    a = library.first                                  # web processes run background work too
    b = library.host("b", jobs="worker")              # web processes only answer; a worker works
    a.serve()
    b.serve()
    b.worker()
    eventually(lambda: a.ready() and b.ready(), what="both hosts ready")
    book = pdf_book(tmp_path / "kiem-tra.pdf", [FILLER, "Kỷ luật phát ngôn của cán bộ lãnh đạo."])
    book_id = upload(a, library.headers, book, "Quy định về kỷ luật phát ngôn")

    eventually(lambda: book_id in b.found("kỷ luật phát ngôn", library.headers),
               what="the upload on A found on B")
    eventually(lambda: book_id in a.found("ky luat phat ngon", library.headers),
               what="the upload on A found on A (folded words)")
    # an upload on B, whose web processes parse nothing: its worker does, the request waits
    other = pdf_book(tmp_path / "tu-phe-binh.pdf", [FILLER, "Tự phê bình và phê bình nghiêm túc."])
    other_id = upload(b, library.headers, other, "Tự phê bình")
    eventually(lambda: other_id in a.found("tự phê bình", library.headers),
               what="the upload on B found on A")

    browser = b.sign_in("thuthu")
    page = browser.get(f"{b.url}/thu-vien/sach/{book_id}", timeout=30).text
    withdrawn = browser.post(f"{b.url}/thu-vien/sach/{book_id}/rut", data={"csrf_token": csrf(page)},
                             timeout=30)
    assert withdrawn.status_code == 200 and "Đã rút sách" in withdrawn.text
    eventually(lambda: book_id not in a.found("kỷ luật phát ngôn", library.headers),
               what="the withdrawal on B gone from A")
    eventually(lambda: book_id not in b.found("kỷ luật phát ngôn", library.headers),
               what="the withdrawal on B gone from B")

    # A new host answers 503 (and /healthz says why) until its replica is built
    reinstate_page = browser.get(f"{b.url}/thu-vien/sach/{book_id}", timeout=30).text
    browser.post(f"{b.url}/thu-vien/sach/{book_id}/khoi-phuc",
                 data={"csrf_token": csrf(reinstate_page)}, timeout=30)
    c = library.host("c", jobs="worker")
    c.serve()
    assert c.search("kỷ luật", library.headers).status_code == 503
    health = requests.get(c.url + "/healthz", timeout=30)
    assert health.status_code == 503 and "index" in health.json()["reasons"]
    c.worker()
    eventually(c.ready, what="the new host's replica built")
    assert book_id in c.found("kỷ luật phát ngôn", library.headers)
    assert not (Path(c.env["LIBRARY_INDEX_DIR"]) / ".building.json").exists()


def test_a_worker_killed_in_the_middle_of_a_job_leaves_it_to_another_nothing_imported_twice(
        library, tmp_path):
    a = library.first
    a.env["LIBRARY_JOBS"] = "worker"
    a.serve()
    # This worker SIGKILLs itself right after committing the job's first book, before the
    # job's row for that file is written: the worst moment for a retry to import it twice.
    doomed = a.worker(**{faults.ENV: faults.AFTER_COMMIT})
    files = [pdf_book(tmp_path / f"tap-{n}.pdf", [FILLER, f"Chuyên đề số {n} về xây dựng Đảng."],
                      title=f"Chuyên đề {n}") for n in range(1, 4)]
    browser = a.sign_in("thuthu")
    page = browser.get(a.url + "/thu-vien/", timeout=30).text
    handles = [open(path, "rb") for path in files]
    try:
        answer = browser.post(a.url + "/thu-vien/tai-len", timeout=60, data={
            "csrf_token": csrf(page), "shelf": "chi-bo-dien-tu"},
            files=[("files", (p.name, h, "application/pdf")) for p, h in zip(files, handles)])
    finally:
        for handle in handles:
            handle.close()
    assert answer.status_code == 200 and "/thu-vien/tac-vu/" in answer.url, answer.text[:300]
    status_url = answer.url.rstrip("/") + "/trang-thai"
    assert doomed.wait(120) == -signal.SIGKILL, "the worker did not die mid-job"
    assert browser.get(status_url, timeout=30).json()["status"] != "finished"

    second = a.worker()  # another worker: it finds the dead one's task and finishes the job
    job = eventually(lambda: (j := browser.get(status_url, timeout=30).json())["status"] == "finished"
                     and j, seconds=120, what="the job finished by the second worker")
    engine = create_engine(library.url)
    with engine.connect() as connection:
        books = connection.execute(text("SELECT sha256, title FROM book")).all()
        outcomes = connection.execute(text("SELECT status FROM ingest_job_file")).scalars().all()
    engine.dispose()
    assert len(books) == 3 and len({sha for sha, _ in books}) == 3, books
    assert sorted(outcomes) == ["imported"] * 3, (outcomes, job)
    for n in range(1, 4):
        # quoted: unquoted, another book's "Chuyên đề số 1" and its page number 3 hold the words apart
        eventually(lambda: len(a.found(f'"chuyên đề số {n}"', library.headers)) == 1,
                   what=f"book {n} searchable once")
    second.send_signal(signal.SIGTERM)  # an idle worker asked to stop ends at once, cleanly
    assert second.wait(30) == 0


def test_a_rebuild_while_searches_run_fails_no_search_and_loses_no_write(library, tmp_path):
    a = library.first
    a.serve(workers=2)
    ids = [upload(a, library.headers, pdf_book(tmp_path / f"s{n}.pdf", [FILLER, f"Bài số {n}."],
                                               title=f"Tài liệu {n}"), f"Tài liệu sinh hoạt {n}")
           for n in range(4)]
    eventually(lambda: a.found("bài số", library.headers) == set(ids))
    failures, answers, stop = [], [0], threading.Event()

    def search():
        while not stop.is_set():
            response = a.search("bài số", library.headers)  # in those four books only
            answers[0] += 1
            if response.status_code != 200 or {h["book_id"] for h in response.json()["hits"]} != set(ids):
                failures.append((response.status_code, response.text[:200]))

    readers = [threading.Thread(target=search) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        late = None
        for round_ in range(3):
            rebuild = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "index",
                                        "rebuild"], cwd=REPO, env=a.env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            if round_ == 1:  # an upload during a rebuild: its index write waits, then lands
                late = upload(a, library.headers, pdf_book(tmp_path / "late.pdf",
                                                           [FILLER, "Bản tin muộn."]), "Bản tin muộn")
            out, err = rebuild.communicate(timeout=240)
            assert rebuild.returncode == 0, err
            assert "Đã lập chỉ mục" in out
    finally:
        stop.set()
        for reader in readers:
            reader.join(60)
    assert answers[0] > 10 and failures == [], failures[:5]
    eventually(lambda: late in a.found("bản tin muộn", library.headers),
               what="the upload made during the rebuild searchable")
