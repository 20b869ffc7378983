"""One huge book against everyone else: while 16 members open the book page of the longest
book allowed, how long does an unrelated GET /api/books/<id> wait?

    python bench/big_book_bench.py [--pages 5000] [--clients 16] [--duration 15]
                                   [--code DIR] [--workers 2] [--threads 4]

Makes an instance in a temporary folder: a small book and a PDF of --pages pages sharing one
content stream (the attack's shape), both imported with `books import`; serves it with gunicorn
(gthread, as in production) from the code in --code (default: this repository; pass a copy of
an older commit, e.g. `git archive COMMIT | tar -x -C /tmp/old`, to measure it the same way);
then measures the probe request alone, while --clients clients fetch the small book's page
back to back (the reference: what any 16 busy clients cost), and while they fetch the big
book's page. Prints p50 / p95 / max of each, and the pages' sizes.
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from http_bench import Server, free_port  # noqa: E402


def huge_pdf(path: Path, pages: int) -> Path:
    from tests.test_huge_book import shared_stream_pdf

    return shared_stream_pdf(path, pages)


def run(code: Path, env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=code, env=env,
                          input=stdin, capture_output=True, text=True, timeout=3600)
    if done.returncode not in (0, 1):
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def timed_get(port: int, path: str, token: str) -> tuple[float, int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    size = len(response.read())
    conn.close()
    return (time.perf_counter() - started) * 1000, response.status, size


def loop(port, path, token, until, out: list, errors: list):
    while time.monotonic() < until:
        ms, status, size = timed_get(port, path, token)
        (out if status == 200 else errors).append((ms, size))


def figures(samples: list) -> str:
    times = sorted(ms for ms, _ in samples)
    if not times:
        return "no answers"
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return (f"n={len(times):5d}  p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {times[-1]:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--code", type=Path, default=REPO)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    code = args.code.resolve()
    with tempfile.TemporaryDirectory(prefix="big-book-") as tmp:
        root = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
        env.update({"LIBRARY_DATABASE_URL": f"sqlite:///{root / 'library.db'}",
                    "LIBRARY_BOOKS_DIR": str(root / "books"), "LIBRARY_INDEX_DIR": str(root / "index"),
                    "LIBRARY_SECRET_KEY": "big-book-bench-" + os.urandom(16).hex(),
                    "LIBRARY_INSTANCE_DIR": str(root / "instance"), "PYTHONUNBUFFERED": "1",
                    "PYTHONPATH": str(code)})
        from tests.books import pdf_book

        small = pdf_book(root / "nho.pdf", ["Chi bộ sinh hoạt định kỳ."], title="Sách nhỏ")
        big = huge_pdf(root / "lon.pdf", args.pages)
        started = time.monotonic()
        print(run(code, env, "books", "import", str(small), str(big)).strip().splitlines()[-1],
              f"({time.monotonic() - started:.0f} s, {big.stat().st_size / 1e6:.1f} MB big book)")
        run(code, env, "users", "create", "bench", "--role", "member", "--password-stdin",
            stdin="bench-password-2026\n")
        token = run(code, env, "users", "token", "bench").strip().splitlines()[-1]
        port = free_port()
        server = Server(env, port, args.workers, args.threads, root / "gunicorn.log")
        server.start = _start_in(server, code)
        server.start()
        try:
            server.wait_healthy()
            for _ in range(5):  # warm both workers
                timed_get(port, "/api/books/1", token)
                timed_get(port, "/sach/2", token)
            probe, errors = [], []
            loop(port, "/api/books/1", token, time.monotonic() + args.duration, probe, errors)
            print(f"code: {code}; gunicorn {args.workers} workers x {args.threads} threads; "
                  f"big book: {args.pages} pages")
            print(f"GET /api/books/1 alone            {figures(probe)}")
            # The reference: the same load on the small book's page, in the same run.
            for label, book in (("small book", 1), ("big book", 2)):
                book_pages, probe_loaded = [], []
                until = time.monotonic() + args.duration
                threads = [threading.Thread(target=loop, args=(port, f"/sach/{book}", token, until,
                                                               book_pages, errors))
                           for _ in range(args.clients)]
                threads.append(threading.Thread(target=loop, args=(port, "/api/books/1", token, until,
                                                                   probe_loaded, errors)))
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                size = book_pages[0][1] if book_pages else 0
                print(f"{args.clients} clients on the {label}'s page ({size / 1000:.0f} KB):")
                print(f"    GET /sach/{book}                   {figures(book_pages)}")
                print(f"    GET /api/books/1 meanwhile     {figures(probe_loaded)}")
            print(f"errors: {len(errors)}")
        finally:
            server.stop()


def _start_in(server: Server, code: Path):
    def start() -> None:
        server._log = open(server.log_path, "wb")
        server.process = subprocess.Popen(server.command, cwd=code, env=server.env,
                                          stdin=subprocess.DEVNULL, stdout=server._log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
    return start


if __name__ == "__main__":
    main()
