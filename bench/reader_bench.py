"""Reader benchmark: what opening a large PDF costs, and how fast POST /api/progress answers.

    python bench/reader_bench.py [--pages 600] [--out bench/out/reader]
                                 [--clients 1,20] [--rates 50,100,200] [--duration 10]
                                 [--workers 2] [--threads 4] [--skip-browser] [--skip-load]

1. First page of a large PDF. Two PDFs of --pages pages are generated (kept in --out and
   reused): one shaped like a real book (balanced page tree, a picture per page) and one
   from the demo typesetter (flat page tree: pdf.js's check of the last page then walks
   every page object, so it reads nearly the whole file; at import it gets a reader tail
   that balances the tree, served after the original at /doc/<id>/tep-doc). Imported into
   a fresh instance, served by werkzeug in a thread; a headless
   Chromium signs in and opens the PDF reader at page 1, then at the middle and last
   pages. Chromium's own network events (CDP Network.dataReceived, which also counts
   requests pdf.js aborts) give the bytes of the book file received before the page was
   drawn (#reader[data-shown]), the number of requests for it, and everything else the
   page loaded (pdf.js itself, cold cache, then warm). The flat book is opened twice: with
   its tail, then with the tail set aside (what every book got before the tails: the
   original alone). The time to compute the tail (library.extraction.page_tree) is printed
   next to the whole extraction's.
2. POST /api/progress under gunicorn: for each --clients level, that many closed-loop
   clients (one keep-alive connection each, Bearer token, no think time), then 20 clients
   paced to each --rates total, report random pages for --duration seconds. Prints
   requests, errors, p50/p95/p99 and req/s. Goal: p95 <= 50 ms.
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


def make_pdf(path: Path, pages: int, flat: bool = False) -> Path:
    """A book shaped like the real ones: a balanced page tree (nodes of 10, as Acrobat,
    InDesign, Word or pdfTeX write them), and on every page a scanned-like picture and a
    few lines of text. Hand-written PDF 1.4, standard Helvetica, JPEG pictures (Pillow).
    `flat`: the same book with every page a kid of the root (as Ghostscript, reportlab or
    LibreOffice write them)."""
    import io
    import random as rnd
    import zlib

    from PIL import Image

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = rnd.Random(600)
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(dictionary: str, data: bytes) -> bytes:
        return f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    leaves = []
    for number in range(1, pages + 1):
        noise = bytes(rng.getrandbits(8) for _ in range(120 * 80))
        picture = Image.frombytes("L", (120, 80), noise).resize((480, 320))
        jpeg = io.BytesIO()
        picture.save(jpeg, "JPEG", quality=70)
        image = add(stream("/Type /XObject /Subtype /Image /Width 480 /Height 320 /ColorSpace /DeviceGray "
                           "/BitsPerComponent 8 /Filter /DCTDecode", jpeg.getvalue()))
        lines = [f"Trang {number}. Chi bo to chuc sinh hoat dinh ky, quan triet nghi quyet." for _ in range(12)]
        text = "BT /F1 11 Tf 14 TL 50 780 Td " + " ".join(f"({line}) '" for line in lines) + " ET"
        content = add(stream("/Filter /FlateDecode", zlib.compress(
            f"q 480 0 0 320 57 200 cm /Im1 Do Q {text}".encode())))
        leaves.append((image, content))
        if flat:  # each page object right after its content, the root after them all
            add(f"<< /Type /Page /Parent {2 + 3 * pages} 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
                f"/Resources << /Font << /F1 {font} 0 R >> /XObject << /Im1 {image} 0 R >> >> >>".encode())
    # Page objects are written after the content, then the tree, as most producers do.
    page_ids = [2 + 3 * i + 2 for i in range(pages)] if flat else [len(objects) + 1 + i for i in range(pages)]
    groups = [] if flat else [page_ids[i:i + 10] for i in range(0, pages, 10)]  # flat: the root only
    first_node = len(objects) + 1 if flat else len(objects) + pages + 1
    root = first_node + len(groups)
    for i, (image, content) in enumerate([] if flat else leaves):
        add(f"<< /Type /Page /Parent {first_node + i // 10} 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> /XObject << /Im1 {image} 0 R >> >> >>".encode())
    for group in groups:
        kids = " ".join(f"{k} 0 R" for k in group)
        add(f"<< /Type /Pages /Parent {root} 0 R /Kids [{kids}] /Count {len(group)} >>".encode())
    kids = " ".join(f"{k} 0 R" for k in page_ids) if flat else \
        " ".join(f"{first_node + i} 0 R" for i in range(len(groups)))
    add(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    catalog = add(f"<< /Type /Catalog /Pages {root} 0 R >>".encode())
    info = add(f"<< /Title (Tuyen tap {pages} trang) /Author (Ban Tuyen giao) >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
              f"startxref\n{xref}\n%%EOF\n".encode())
    path.write_bytes(out.getvalue())
    return path


def make_demo_pdf(path: Path, pages: int) -> Path:
    """The demo typesetter's PDF (fpdf2): text only, one flat page tree of every page."""
    from library.demo import write_pdf

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        filler = ("Chi bộ tổ chức sinh hoạt định kỳ, quán triệt nghị quyết và phân công nhiệm vụ cho từng "
                  "đồng chí; đảng viên nêu cao tinh thần tự phê bình và phê bình. ") * 12
        write_pdf(path, f"Tuyển tập {pages} trang", ["Ban Tuyên giáo"], 2024,
                  [f"Trang {n}.\n{filler}" for n in range(2, pages + 1)])
    return path


def make_instance(root: Path, pdfs: list[Path]):
    from library import create_app
    from library.instance import prepare
    from library.auth.accounts import create_user
    from library.extensions import db
    from library.ingest import import_file

    import shutil

    shutil.rmtree(root, ignore_errors=True)  # a fresh instance each run; the PDFs are kept
    root.mkdir(parents=True)
    config = {
        "SECRET_KEY": "reader-bench-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
    }
    app = prepare(create_app(config))
    with app.app_context():
        book_ids = []
        for pdf in pdfs:
            result = import_file(pdf)  # indexed now: no indexer at work in the server during the load
            if result.book_id is None:
                raise SystemExit(f"import failed: {result.reason}")
            book_ids.append(result.book_id)
        from library.auth.accounts import find_user

        if find_user("bench-reader") is None:
            create_user("bench-reader", "member", branch_code="CB-BENCH", password=PASSWORD)
        db.session.commit()
    return app, config, book_ids


# 1. Bytes before the first page ---------------------------------------------------------------

def first_page(app, book_id: int, pages: int, size: int, label: str) -> None:
    """`size`: of the original file, the base of "% of file" (the tail comes on top)."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    file_path = f"/doc/{book_id}/tep-doc"  # the reader's view of the file (original + tail)
    print(f"\n1. Opening a {pages}-page PDF of {size / 1e6:.1f} MB, {label}, in the PDF reader "
          "(Chromium, loopback)")
    # book bytes: received over the wire (CDP); ranged: the bytes of the 206 answers pdf.js asked
    # for. On loopback the first, whole-file answer, which pdf.js aborts, may fill the cache
    # before the abort, and later ranges then come from it (0 bytes on the wire).
    print(f"{'open at':<22}{'book bytes':>12}{'% of file':>11}{'ranged':>11}{'% of file':>11}"
          f"{'requests':>10}{'other bytes':>13}{'ms':>8}")
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
            # Some answers report their bytes only when finished: the larger count is kept.
            finished: dict[str, int] = {}
            cdp.on("Network.loadingFinished",
                   lambda e: finished.__setitem__(e["requestId"], int(e.get("encodedDataLength", 0))))
            ranged: dict[str, int] = {}

            def response_received(e):
                headers = {k.lower(): v for k, v in e["response"]["headers"].items()}
                first_last = headers.get("content-range", "").partition(" ")[2].split("/")[0]
                if "-" in first_last:
                    first, last = first_last.split("-")
                    ranged[e["requestId"]] = int(last) - int(first) + 1

            cdp.on("Network.responseReceived", response_received)
            for label, number in [("page 1 (cold cache)", 1), ("page 1 (warm cache)", 1),
                                  (f"page {pages // 2}", pages // 2), (f"page {pages}", pages)]:
                urls.clear()
                received.clear()
                finished.clear()
                ranged.clear()
                started = time.perf_counter()
                page.goto(f"/doc/{book_id}?p={number}")
                page.wait_for_selector(f"#reader[data-shown='{number}']", timeout=60_000)
                elapsed = (time.perf_counter() - started) * 1000
                page.wait_for_timeout(300)  # late events of requests pdf.js aborted
                book = [rid for rid, url in urls.items() if url.split("?")[0].endswith(file_path)]
                for rid, n in finished.items():
                    received[rid] = max(received.get(rid, 0), n)
                book_bytes = sum(received.get(rid, 0) for rid in book)
                other = sum(n for rid, n in received.items() if rid not in book)
                asked = sum(ranged.get(rid, 0) for rid in book)
                print(f"{label:<22}{book_bytes:>12,}{100 * book_bytes / size:>10.1f}%{asked:>11,}"
                      f"{100 * asked / size:>10.1f}%{len(book):>10}"
                      f"{other:>13,}{elapsed:>8.0f}")
            browser.close()
    finally:
        server.shutdown()


def reader_tails(app, flat_pdf: Path, book_id: int) -> str | None:
    """Print the flat book's tail and what it costs at import; its stored name."""
    from library.catalog.models import Book
    from library.extensions import db
    from library.extraction import extract
    from library.extraction.page_tree import balanced_tail

    with app.app_context():
        name = db.session.get(Book, book_id).reader_tail_name
    tail_times, extract_times = [], []
    for _ in range(3):
        started = time.perf_counter()
        tail = balanced_tail(flat_pdf)
        tail_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        extract(flat_pdf)
        extract_times.append(time.perf_counter() - started)
    print(f"{flat_pdf.name}: reader tail {len(tail or b''):,} bytes ({name or 'none stored'}); "
          f"computing it takes {min(tail_times):.2f} s (best of 3) of the whole extraction's "
          f"{min(extract_times):.2f} s (sandboxed child, tail included)")
    return name


def set_tail(app, book_id: int, name: str | None) -> None:
    from library.catalog.models import Book
    from library.extensions import db

    with app.app_context():
        db.session.get(Book, book_id).reader_tail_name = name
        db.session.commit()


# 2. POST /api/progress under load ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def progress_load(app, config: dict, book_id: int, pages: int, levels: list[int], duration: float,
                  workers: int, threads: int, rates: list[int]) -> None:
    from library.auth.accounts import find_user
    from library.auth.tokens import issue_token
    from library.extensions import db

    with app.app_context():
        tokens = []
        for n in range(max(levels + [20])):
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
        print("   closed loop: each client sends its next report as soon as the last is answered;")
        print("   paced: 20 clients together send the given reports per second (a page turn every")
        print("   few seconds per reader), latency counted from when each report was due.")
        print(f"{'load':>18}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}")
        runs = [(f"{n} closed loop", n, None) for n in levels] + [(f"20 paced {r}/s", 20, r) for r in rates]
        for label, level, rate in runs:
            times: list[float] = []
            errors = [0]
            lock = threading.Lock()
            stop = time.perf_counter() + duration

            def client(token: str, interval: float | None, start: float):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                mine, bad = [], 0
                rng = random.Random(token)
                due = start
                while time.perf_counter() < stop:
                    if interval is not None:
                        due += interval
                        pause = due - time.perf_counter()
                        if pause > 0:
                            time.sleep(pause)
                    body = json.dumps({"book_id": book_id, "page": rng.randint(1, pages)})
                    started = time.perf_counter() if interval is None else due
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
            interval = level / rate if rate else None
            pool = [threading.Thread(target=client, args=(tokens[i], interval,
                                                          started + (interval or 0) * i / level))
                    for i in range(level)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            wall = time.perf_counter() - started
            times.sort()

            def pct(p):
                return times[min(len(times) - 1, int(p / 100 * len(times)))] if times else float("nan")

            print(f"{label:>18}{len(times):>10}{errors[0]:>8}{pct(50):>9.1f}{pct(95):>9.1f}{pct(99):>9.1f}"
                  f"{len(times) / wall:>9.0f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "reader")
    parser.add_argument("--clients", default="1,20", help="closed-loop client levels")
    parser.add_argument("--rates", default="50,100,200", help="paced reports per second (20 clients)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    books = [(make_pdf(args.out / f"sach-{args.pages}-trang.pdf", args.pages),
              "scanned-like pictures, balanced page tree"),
             (make_demo_pdf(args.out / f"demo-{args.pages}-trang.pdf", args.pages),
              "demo typesetter, text only, flat page tree"),
             (make_pdf(args.out / f"sach-{args.pages}-trang-phang.pdf", args.pages, flat=True),
              "scanned-like pictures, flat page tree")]
    app, config, book_ids = make_instance(args.out / "instance", [pdf for pdf, _ in books])
    for (pdf, label) in books:
        print(f"{pdf.name}: {args.pages} pages, {pdf.stat().st_size:,} bytes ({label})")
    print(f"instance ready in {time.perf_counter() - started:.1f} s")
    flat = [(pdf, label, book_id, reader_tails(app, pdf, book_id))
            for (pdf, label), book_id in list(zip(books, book_ids))[1:]]
    if not args.skip_browser:
        first_page(app, book_ids[0], args.pages, books[0][0].stat().st_size, books[0][1])
        for pdf, label, book_id, tail_name in flat:
            first_page(app, book_id, args.pages, pdf.stat().st_size,
                       label + (", with its reader tail" if tail_name else ", no tail"))
            if tail_name:
                set_tail(app, book_id, None)
                first_page(app, book_id, args.pages, pdf.stat().st_size,
                           label + ", tail set aside (as before the tails)")
                set_tail(app, book_id, tail_name)
    if not args.skip_load:
        progress_load(app, config, book_ids[0], args.pages, [int(c) for c in args.clients.split(",")],
                      args.duration, args.workers, args.threads,
                      [int(r) for r in args.rates.split(",") if r])


if __name__ == "__main__":
    main()
