"""Reader benchmark: what opening a large PDF costs, and how fast POST /api/progress answers.

    python bench/reader_bench.py [--pages 600] [--out bench/out/reader]
                                 [--clients 1,20] [--duration 10] [--workers 2] [--threads 4]

1. First page of a large PDF. A PDF of --pages text pages is generated (kept in --out and
   reused), imported into a fresh instance, served by werkzeug in a thread; a headless
   Chromium signs in and opens the PDF reader at page 1, then at the middle and last
   pages. Chromium's own network events (CDP Network.dataReceived, which also counts
   requests pdf.js aborts) give the bytes of the book file received before the page was
   drawn (#reader[data-shown]), the number of requests for it, and everything else the
   page loaded (pdf.js itself, cold cache, then warm).
2. POST /api/progress under gunicorn: for each client level, that many closed-loop clients
   (one keep-alive connection each, Bearer token, no think time) report random pages for
   --duration seconds. Prints requests, errors, p50/p95/p99 and req/s. Goal: p95 <= 50 ms.
   Client and server share this machine's cores.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

PASSWORD = "tusach-bench-2026"
GOAL_P95_MS = 50.0


def make_pdf(path: Path, pages: int) -> Path:
    from library.demo import write_pdf

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    filler = ("Chi bộ tổ chức sinh hoạt định kỳ, quán triệt nghị quyết và phân công nhiệm vụ cho từng "
              "đồng chí; đảng viên nêu cao tinh thần tự phê bình và phê bình. ") * 12
    texts = [f"Trang {n}.\n{filler}" for n in range(2, pages + 1)]
    write_pdf(path, f"Tuyển tập {pages} trang", ["Ban Tuyên giáo"], 2024, texts)
    return path


def make_instance(root: Path, pdf: Path):
    from library import create_app
    from library.auth.accounts import create_user
    from library.extensions import db
    from library.ingest import import_file

    root.mkdir(parents=True, exist_ok=True)
    for old in ("library.db", "library.db-wal", "library.db-shm"):
        (root / old).unlink(missing_ok=True)
    config = {
        "SECRET_KEY": "reader-bench-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
    }
    app = create_app(config)
    with app.app_context():
        result = import_file(pdf)  # indexed now: no indexer at work in the server during the load
        if result.book_id is None:
            raise SystemExit(f"import failed: {result.reason}")
        book_id = result.book_id
        from library.auth.accounts import find_user

        if find_user("bench-reader") is None:
            create_user("bench-reader", "member", branch_code="CB-BENCH", password=PASSWORD)
        db.session.commit()
    return app, config, book_id


# 1. Bytes before the first page ---------------------------------------------------------------

def first_page(app, book_id: int, pages: int, size: int) -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    file_path = f"/sach/{book_id}/tep"
    print(f"\n1. Opening a {pages}-page PDF of {size / 1e6:.1f} MB in the PDF reader (Chromium, loopback)")
    print(f"{'open at':<22}{'book bytes':>12}{'% of file':>11}{'requests':>10}{'other bytes':>13}{'ms':>8}")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("LIBRARY_CHROMIUM",
                                                                                "/usr/bin/chromium"),
                                                 args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto("/dang-nhap")
            page.fill("#username", "bench-reader")
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.locator("section.auth-login button[type=submit]").click()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            urls: dict[str, str] = {}
            received: dict[str, int] = {}
            cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
            cdp.on("Network.dataReceived",
                   lambda e: received.__setitem__(e["requestId"],
                                                  received.get(e["requestId"], 0) + e["encodedDataLength"]))
            for label, number in [("page 1 (cold cache)", 1), ("page 1 (warm cache)", 1),
                                  (f"page {pages // 2}", pages // 2), (f"page {pages}", pages)]:
                urls.clear()
                received.clear()
                started = time.perf_counter()
                page.goto(f"/doc/{book_id}?p={number}")
                page.wait_for_selector(f"#reader[data-shown='{number}']", timeout=60_000)
                elapsed = (time.perf_counter() - started) * 1000
                page.wait_for_timeout(300)  # late events of requests pdf.js aborted
                book = [rid for rid, url in urls.items() if url.endswith(file_path)]
                book_bytes = sum(received.get(rid, 0) for rid in book)
                other = sum(n for rid, n in received.items() if rid not in book)
                print(f"{label:<22}{book_bytes:>12,}{100 * book_bytes / size:>10.1f}%{len(book):>10}"
                      f"{other:>13,}{elapsed:>8.0f}")
            browser.close()
    finally:
        server.shutdown()


# 2. POST /api/progress under load ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def progress_load(app, config: dict, book_id: int, pages: int, levels: list[int], duration: float,
                  workers: int, threads: int) -> None:
    from library.auth.accounts import find_user
    from library.auth.tokens import issue_token
    from library.extensions import db

    with app.app_context():
        tokens = []
        for n in range(max(levels)):
            from library.auth.accounts import create_user

            name = f"bench-progress-{n}"
            user = find_user(name) or create_user(name, "member", branch_code="CB-BENCH")
            db.session.flush()
            tokens.append(issue_token(user, "bench"))
        db.session.commit()
    port = free_port()
    env = dict(os.environ, LIBRARY_DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
               LIBRARY_BOOKS_DIR=config["BOOKS_DIR"], LIBRARY_INDEX_DIR=config["INDEX_DIR"],
               LIBRARY_SECRET_KEY=config["SECRET_KEY"])
    server = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=REPO, env=env, start_new_session=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        print(f"\n2. POST /api/progress under gunicorn ({workers} workers x {threads} threads), "
              f"{duration:.0f} s per level, goal p95 <= {GOAL_P95_MS:.0f} ms")
        print(f"{'clients':>8}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}")
        for level in levels:
            times: list[float] = []
            errors = [0]
            lock = threading.Lock()
            stop = time.perf_counter() + duration

            def client(token: str):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                mine, bad = [], 0
                rng = random.Random(token)
                while time.perf_counter() < stop:
                    body = json.dumps({"book_id": book_id, "page": rng.randint(1, pages)})
                    started = time.perf_counter()
                    try:
                        conn.request("POST", "/api/progress", body=body, headers=headers)
                        response = conn.getresponse()
                        response.read()
                        ok = response.status == 204
                    except OSError:
                        ok = False
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    mine.append((time.perf_counter() - started) * 1000)
                    bad += not ok
                with lock:
                    times.extend(mine)
                    errors[0] += bad

            started = time.perf_counter()
            pool = [threading.Thread(target=client, args=(tokens[i],)) for i in range(level)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            wall = time.perf_counter() - started
            times.sort()

            def pct(p):
                return times[min(len(times) - 1, int(p / 100 * len(times)))] if times else float("nan")

            print(f"{level:>8}{len(times):>10}{errors[0]:>8}{pct(50):>9.1f}{pct(95):>9.1f}{pct(99):>9.1f}"
                  f"{len(times) / wall:>9.0f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "reader")
    parser.add_argument("--clients", default="1,20")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    pdf = make_pdf(args.out / f"tuyen-tap-{args.pages}.pdf", args.pages)
    app, config, book_id = make_instance(args.out / "instance", pdf)
    size = pdf.stat().st_size
    print(f"PDF: {args.pages} pages, {size:,} bytes; instance ready in {time.perf_counter() - started:.1f} s")
    if not args.skip_browser:
        first_page(app, book_id, args.pages, size)
    if not args.skip_load:
        progress_load(app, config, book_id, args.pages, [int(c) for c in args.clients.split(",")],
                      args.duration, args.workers, args.threads)


if __name__ == "__main__":
    main()
