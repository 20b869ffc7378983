"""Load benchmark: 400 simulated sites against gunicorn on loopback, bounded in time.

    python bench/load_bench.py [--library demo|bench|both] [--sites 400] [--users 100]
                               [--duration 60] [--think 8] [--processes 4]
                               [--workers 2] [--threads 4] [--queries 1000|fixed]
                               [--databases sqlite,postgresql] [--database-url URL] [--hosts 2]

Each library runs once per database in `--databases` (default both when PostgreSQL is
installed): SQLite in a file, PostgreSQL in a throwaway server started here as the tests
start theirs (tests/pgserver.py), or in the empty database `--database-url` names. On
PostgreSQL `--hosts` app hosts serve at once, as in a deployment with several hosts: each its
own gunicorn and its own copy of the index and instance folders, one database and one books
folder between them; the sites are spread over the hosts.

For each library: a temporary instance (the demo library made by `flask demo`, or a copy
of the database of bench/out made by bench/ingest_bench.py, its books and index used in
place), `--users` member accounts with API tokens, and gunicorn (2 workers x 4 threads,
127.0.0.1 only). Then `--processes` load-generator processes run `--sites` sites between
them for `--duration` seconds: each site waits a random think time (exponential, mean
`--think` s) and then, like a member at a meeting, searches (the search page or
/api/search), opens a reader page (/doc/<id>?p=N), records progress (POST /api/progress)
or saves its place (PUT /api/books/<id>/position). Searches draw from `--queries` different
phrases cut from the library's own pages, titles and authors, half without diacritics
(see query_pool); `--queries fixed` replays the first version's twelve phrases, which the
per-process answer cache serves almost always. Prints per request kind: requests, errors,
p50/p95/p99 in ms, time inside gunicorn, the share of searches the answer cache served,
overall throughput, and each gunicorn worker's memory from /proc/<pid>/smaps_rollup every
`--memory-every` seconds: resident, proportional (PSS), private (USS: the worker's own heap and
caches) and shared or file-backed; at the end, from /proc/<pid>/smaps, the same per kind of
mapping: heap and anonymous memory, shared libraries, the index's segment files (none since
they are read with pread(): their pages are the kernel's page cache), other files. Goals (issue 5): no errors, p95 <= 200 ms
for pages, <= 50 ms for position saves, on the 2-core machine (client and server share it).

Bench library, 1000 phrases (10-11% answered from the cache), search page / API p95 in ms:
436 / 381 with the posting-list cache of 4 million postings; 175 / 137 with the 96 MB one
(load average 3.1 and 2.6 after the runs). Workers start cold: a longer --duration is kinder.

Worker memory after 60 s (issue 14): 1,542 MB resident / 847 MB private, growing, with a
searcher per thread and Whoosh copying each segment file it opened; 400-440 MB / 165-199 MB with
one shared searcher per generation, files read in place from the map and one 48 MB cache
budget; under 200 MB resident with segment files read by pread() and the spreadsheet, PDF and
OpenID Connect libraries imported only where used (see the README's Memory).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_OUT = REPO / "bench" / "out"
# --queries fixed: the first load benchmark's twelve phrases, which the per-process answer
# cache of library.search serves after the first few searches: a best case, not a meeting.
FIXED_QUERIES = ["đảng viên", "tu dien bien", "chi bộ", "nghị quyết", '"tự diễn biến"', "kỷ luật",
                 "ho chi minh", "đạo đức", "học tập", "sinh hoạt chi bộ", "phong cách",
                 "cần kiệm liêm chính"]
KINDS = [("search page", 0.15), ("api search", 0.15), ("reader page", 0.30),
         ("progress save", 0.20), ("position save", 0.20)]
GOALS_MS = {"search page": 200, "api search": 200, "reader page": 200,
            "progress save": 50, "position save": 50}
WORKER_MB_GOAL = 300  # resident memory of one web worker (issue 12)
MAX_REQUESTS_PER_SITE = 10_000  # bounds each site's loop in count as well as in time


def query_pool(url: str, size: int, seed: int = 5) -> list[str]:
    """`size` different queries from the library's own words, as members type them.

    Mostly runs of 1-4 syllables cut from random pages or chapters (the shorter the more
    often), some title fragments, author names and quoted phrases; half without diacritics
    (library.vietnamese.fold), as typed on a phone without a Vietnamese keyboard.
    """
    sys.path.insert(0, str(REPO))
    from sqlalchemy import bindparam, create_engine, text

    from library.database import database_url
    from library.search.analysis import syllable_runs
    from library.vietnamese import fold

    rng = random.Random(seed)
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as db:
            ids = [row[0] for row in db.execute(text("SELECT id FROM section WHERE length(text) > 200"))]
            chosen = rng.sample(ids, min(len(ids), max(size, 50)))
            some = text("SELECT text FROM section WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True))
            texts = [row[0] for n in range(0, len(chosen), 500)
                     for row in db.execute(some, {"ids": chosen[n:n + 500]})]
            # A JSON column: text from SQLite, already a list from psycopg.
            books = [(title, json.loads(authors or "[]") if isinstance(authors, str) else authors or [])
                     for title, authors in db.execute(text("SELECT title, authors FROM book"))]
    finally:
        engine.dispose()
    words = [[s for s in run if s.isalpha()] for text in texts for run in syllable_runs(text)]
    words = [run for run in words if run]
    titles = [[s for r in syllable_runs(t) for s in r] for t, _ in books if t]
    authors = sorted({a for _, names in books for a in names if a.strip()})

    def cut(runs: list[list[str]], low: int, high: int) -> str | None:
        run = rng.choice(runs) if runs else []
        length = min(len(run), rng.choices(range(low, high + 1),
                                           [35, 35, 18, 12][low - 1: high][: high - low + 1])[0])
        if length < low:
            return None
        start = rng.randrange(len(run) - length + 1)
        return " ".join(run[start: start + length])

    pool: dict[str, None] = {}
    for _ in range(size * 20):
        if len(pool) >= size:
            break
        draw = rng.random()
        if draw < 0.80:
            query = cut(words, 1, 4)
        elif draw < 0.90:
            query = cut(titles, 2, 4)
        elif draw < 0.95:
            query = rng.choice(authors).lower() if authors else None
        else:
            query = cut(words, 2, 3)
            query = f'"{query}"' if query else None
        if query:
            pool[fold(query) if rng.random() < 0.5 else query] = None
    return list(pool)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def instance_env(root: Path, url: str, books: Path, index: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
    env.update(LIBRARY_DATABASE_URL=url, LIBRARY_BOOKS_DIR=str(books),
               LIBRARY_INDEX_DIR=str(index), LIBRARY_INSTANCE_DIR=str(root / "instance"),
               LIBRARY_SECRET_KEY="load-bench-secret-key-0123456789abcdef", PYTHONPATH=str(REPO))
    return env


def prepare(kind: str, root: Path, url: str) -> dict:
    """The library in the database at `url` (a SQLite URL in `root`, or an empty PostgreSQL one)."""
    if kind == "demo":
        env = instance_env(root, url, root / "books", root / "index")
        print("  filling the demo library (flask demo)…", flush=True)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "demo"], cwd=REPO, env=env,
                       check=True, capture_output=True)
        return env
    source = BENCH_OUT / "instance" / "library.db"
    if url.startswith("sqlite:///"):
        src, dst = sqlite3.connect(source), sqlite3.connect(url.removeprefix("sqlite:///"))
        src.backup(dst)  # progress rows and accounts go to the copy, never to bench/out
        dst.close()
        src.close()
    else:
        print("  copying the bench library's rows to PostgreSQL (flask db-copy)…", flush=True)
        env = instance_env(root, url, BENCH_OUT / "books", root / "index-unused")
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db-copy", f"sqlite:///{source}"],
                       cwd=REPO, env=env, check=True, capture_output=True)
    return instance_env(root, url, BENCH_OUT / "books", BENCH_OUT / "index")


def other_host(env: dict, root: Path, number: int) -> dict:
    """Another app host on the same database and books: its own instance folder and its own
    replica of the index (a copy: nothing is indexed during the run)."""
    host = root / f"host-{number}"
    index = host / "index"
    shutil.copytree(env["LIBRARY_INDEX_DIR"], index)
    return {**env, "LIBRARY_INDEX_DIR": str(index), "LIBRARY_INSTANCE_DIR": str(host / "instance")}


def worker_memory(master: subprocess.Popen) -> list[tuple[float, float]]:
    """(resident MB now, peak MB) of each gunicorn worker: the master's children."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master.pid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        values = {line.split(":")[0]: int(line.split()[1]) / 1024
                  for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM"))}
        found.append((values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)))
    return sorted(found)


SETUP = """
import json, sys
from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user, find_user
from library.auth.tokens import issue_token
from library.extensions import db
app = prepare(create_app())
users = int(sys.argv[1])
with app.app_context():
    tokens = []
    for n in range(users):
        name = f"site{n:03d}"
        user = find_user(name) or create_user(name, "member", branch_code=f"cb-load-{n % 40:02d}",
                                              password="load-bench-password-2026")
        db.session.flush()
        tokens.append(issue_token(user, "load bench"))
    db.session.commit()
    print(json.dumps(tokens))
"""


def make_tokens(env: dict, users: int) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SETUP, str(users)], cwd=REPO, env=env,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# Loaded by gunicorn (-c): after each request, whether library.search answered it from its
# per-process cache goes into the WSGI environ, which the access log line then shows.
GUNICORN_CONFIG = """
def post_worker_init(worker):
    app = worker.wsgi
    results = app.extensions["search_index"].results

    def noting_cache(environ, start_response):
        results.last_outcome()
        try:
            return app(environ, start_response)
        finally:
            environ["search.cache"] = results.last_outcome() or "-"

    worker.wsgi = noting_cache
"""


def start_server(env: dict, workers: int, threads: int, port: int, log: Path):
    # The access log gives each request's time inside gunicorn (%(D)s, microseconds): the
    # client's figure minus it is queueing and the load generator's own share of the CPU.
    config = log.with_name("gunicorn_conf.py")
    config.write_text(GUNICORN_CONFIG)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config),
         "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048",
         "--access-logfile", str(log.with_name("access.log")),
         "--access-logformat", "%(m)s %(U)s %(D)s %(s)s %({search.cache}e)s", "wsgi:app"],
        cwd=REPO, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError(f"gunicorn did not answer /healthz: see {log}")


def catalogue(port: int, token: str) -> list[tuple[int, int, bool]]:
    """(book id, pages or chapters, is a PDF) of every ready book."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    conn.request("GET", "/api/books?per_page=500", headers=headers)
    books = json.loads(conn.getresponse().read())["books"]
    found = []
    for book in books:
        if book["status"] != "ready":
            continue
        conn.request("GET", f"/api/books/{book['id']}", headers=headers)
        sections = len(json.loads(conn.getresponse().read())["sections"])
        found.append((book["id"], max(1, sections), book["media_type"] == "application/pdf"))
    conn.close()
    return found


def site(ports, token, books, queries, deadline, think, seed, out):
    rng = random.Random(seed)
    port = ports[seed % len(ports)]  # each site talks to one host, as behind a balancer
    headers = {"Authorization": f"Bearer {token}"}
    kinds, weights = zip(*KINDS)
    for _ in range(MAX_REQUESTS_PER_SITE):
        wait = rng.expovariate(1 / think) if think else 0
        if wait >= deadline - time.monotonic():
            break
        time.sleep(wait)
        kind = rng.choices(kinds, weights)[0]
        book_id, pages, is_pdf = rng.choice(books)
        page = rng.randint(1, pages)
        query = rng.choice(queries)
        body, send = None, dict(headers)
        if kind == "search page":
            method, path = "GET", "/tim-kiem?" + urlencode({"q": query})
        elif kind == "api search":
            method, path = "GET", "/api/search?" + urlencode({"q": query})
        elif kind == "reader page":
            method, path = "GET", f"/doc/{book_id}?p={page}"
        elif kind == "progress save":
            method, path = "POST", "/api/progress"
            body = {"book_id": book_id, ("page" if is_pdf else "chapter"): page}
        else:
            method, path, body = "PUT", f"/api/books/{book_id}/position", {"position": page, "offset": 0.25}
        if body is not None:
            body = json.dumps(body)
            send["Content-Type"] = "application/json"
        # A new connection per request: after seconds of thinking a phone's connection is
        # gone anyway, and gunicorn closes idle keep-alive connections after 2 s.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=send)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError as error:
            status = f"{type(error).__name__}"
        finally:
            conn.close()
        out.append((kind, (time.perf_counter() - started) * 1000, status))


def warm_up(port, token, books, queries) -> None:
    """Each worker's first searches read its commonest posting lists: not what a member waits
    for later. The caller passes other phrases than the measured ones when there are many,
    so that no answer cached here is served during the measurement."""
    threads = [threading.Thread(target=site, args=([port], token, books, queries,
                                                    time.monotonic() + 5, 0, 10_000 + n, []))
               for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def urlencode(params: dict) -> str:
    from urllib.parse import urlencode as encode

    return encode(params)


def generator(args):
    ports, tokens, books, queries, deadline_wall, think, first_site, sites = args
    deadline = time.monotonic() + (deadline_wall - time.time())
    out: list = []
    threads = [threading.Thread(target=site, args=(ports, tokens[n % len(tokens)], books, queries,
                                                   deadline, think, n, out), daemon=True)
               for n in range(first_site, first_site + sites)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, deadline - time.monotonic()) + 60)
    return out


def kind_of(method: str, path: str) -> str | None:
    if path == "/tim-kiem":
        return "search page"
    if path == "/api/search":
        return "api search"
    if path.startswith("/doc/"):
        return "reader page"
    if path == "/api/progress":
        return "progress save"
    if method == "PUT" and path.endswith("/position"):
        return "position save"
    return None


def server_times(access_logs: list[Path], since_lines: list[int]) -> tuple[dict[str, list[float]], dict]:
    """Time inside gunicorn per kind (ms), and the answer cache's hits and misses per kind."""
    times, cache = defaultdict(list), defaultdict(lambda: {"hit": 0, "miss": 0})
    lines = [line for log, since in zip(access_logs, since_lines)
             for line in log.read_text(errors="replace").splitlines()[since:]]
    for line in lines:
        parts = line.split()
        if len(parts) == 5 and (kind := kind_of(parts[0], parts[1])):
            times[kind].append(int(parts[2]) / 1000)
            if parts[4] in ("hit", "miss"):
                cache[kind][parts[4]] += 1
    return times, cache


# Memory: what each worker holds, private apart from what is shared or mapped from files

MEMORY_FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty",
                 "Anonymous")


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return sorted(int(pid) for pid in children)


def memory_of(pid: int) -> dict[str, int] | None:
    """kB per field of smaps_rollup; private = Private_Clean + Private_Dirty."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    found = {}
    for line in lines[1:]:
        name, _, rest = line.partition(":")
        if name in MEMORY_FIELDS:
            found[name] = int(rest.split()[0])
    found["private"] = found.get("Private_Clean", 0) + found.get("Private_Dirty", 0)
    found["shared"] = found.get("Shared_Clean", 0) + found.get("Shared_Dirty", 0)
    found["file"] = found.get("Rss", 0) - found.get("Anonymous", 0)
    return found


def memory_breakdown(pid: int, index_dir: str) -> dict[str, dict[str, int]] | None:
    """kB of resident, proportional (PSS) and private memory per kind of mapping, from
    /proc/<pid>/smaps: the index's segment files (page cache, shared by the workers), the
    Python heap and other anonymous memory (the worker's own), shared libraries (.so),
    and other files."""
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return None
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kind = "other"
    for line in lines:
        head = line.split(None, 5)
        if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:  # a mapping's first line
            path = head[5] if len(head) == 6 else ""
            if path.startswith(index_dir):
                kind = "index segment files"
            elif not path or path in ("[heap]", "[stack]") or path.startswith("[anon"):
                kind = "heap and anonymous"
            elif ".so" in Path(path).name:
                kind = "shared libraries (.so)"
            else:
                kind = "other files"
            continue
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
            field = "private" if name.startswith("Private") else name
            kinds[kind][field] += int(rest.split()[0])
    return kinds


def print_breakdown(pid: int, kinds: dict[str, dict[str, int]]) -> None:
    print(f"\nworker {pid} by mapping (MB): | kind | resident | proportional (PSS) | private |")
    print("|---|---:|---:|---:|")
    for kind, fields in sorted(kinds.items(), key=lambda item: -item[1]["Rss"]):
        print(f"| {kind} | {fields['Rss'] / 1024:.0f} | {fields['Pss'] / 1024:.0f} "
              f"| {fields['private'] / 1024:.0f} |")


class MemoryWatch(threading.Thread):
    """Samples every worker's smaps_rollup while the load runs (the client's own threads)."""

    def __init__(self, master: int, every: float, index_dir: str):
        super().__init__(daemon=True)
        self.master, self.every, self.index_dir = master, every, index_dir
        self.breakdowns: dict[int, dict] = {}
        self.samples: list[tuple[float, int, dict]] = []
        self.started = time.monotonic()
        self.stopping = threading.Event()

    def sample(self) -> None:
        at = time.monotonic() - self.started
        for pid in worker_pids(self.master):
            found = memory_of(pid)
            if found:
                self.samples.append((at, pid, found))

    def run(self) -> None:
        self.sample()
        while not self.stopping.wait(self.every):
            self.sample()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.sample()
        for pid in worker_pids(self.master):
            kinds = memory_breakdown(pid, self.index_dir)
            if kinds:
                self.breakdowns[pid] = kinds

    def report(self) -> None:
        print("\nworker memory (MB; private = the worker's own pages, shared = shared with the "
              "master or another worker, file = mapped files such as the index):")
        print("| at s | worker | resident | PSS | private (USS) | shared | file-backed | anonymous |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for at, pid, found in self.samples:
            print(f"| {at:.0f} | {pid} | {found['Rss'] / 1024:.0f} | {found.get('Pss', 0) / 1024:.0f} "
                  f"| {found['private'] / 1024:.0f} "
                  f"| {found['shared'] / 1024:.0f} | {found['file'] / 1024:.0f} "
                  f"| {found.get('Anonymous', 0) / 1024:.0f} |")
        last = {pid: found for _, pid, found in self.samples}
        if last:
            worst = max(f["Rss"] for f in last.values()) / 1024
            print(f"largest worker at the end: {worst:.0f} MB resident, "
                  f"{max(f.get('Pss', 0) for f in last.values()) / 1024:.0f} MB PSS, "
                  f"{max(f['private'] for f in last.values()) / 1024:.0f} MB private")
        for pid, kinds in self.breakdowns.items():
            print_breakdown(pid, kinds)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def report(name: str, samples: list, duration: float, server: dict[str, list[float]],
           cache: dict, memory: list[tuple[float, float]]) -> bool:
    by_kind = defaultdict(list)
    for kind, ms, status in samples:
        by_kind[kind].append((ms, status))
    print(f"\n{name}: {len(samples)} requests in {duration:.0f} s = {len(samples) / duration:.1f} req/s")
    print("| kind | requests | errors | p50 ms | p95 ms | p99 ms | goal p95 | met "
          "| in gunicorn p50 / p95 / p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    met_all = True
    for kind, _ in KINDS:
        rows = by_kind.get(kind, [])
        times = [ms for ms, _ in rows]
        errors = sum(1 for _, status in rows if status not in (200, 201, 204))
        p95 = percentile(times, 95)
        met = errors == 0 and p95 <= GOALS_MS[kind]
        met_all &= met
        inside = server.get(kind, [])
        print(f"| {kind} | {len(rows)} | {errors} | {percentile(times, 50):.0f} | {p95:.0f} | "
              f"{percentile(times, 99):.0f} | {GOALS_MS[kind]} | {'yes' if met else 'NO'} | "
              f"{percentile(inside, 50):.0f} / {percentile(inside, 95):.0f} / "
              f"{percentile(inside, 99):.0f} |")
    statuses = defaultdict(int)
    for kind, _, status in samples:
        if status not in (200, 201, 204):
            statuses[f"{kind}: {status}"] += 1
    if statuses:
        print("errors by status:", dict(statuses))
    for kind, counts in cache.items():
        searched = counts["hit"] + counts["miss"]
        print(f"{kind}: {counts['hit']} of {searched} answers from the per-process cache "
              f"({counts['hit'] / max(searched, 1):.0%})")
    print("gunicorn workers, resident MB at the end (peak): "
          + ", ".join(f"{now:.0f} ({peak:.0f})" for now, peak in memory))
    met_all &= all(peak <= WORKER_MB_GOAL for _, peak in memory)
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return met_all


def run(kind: str, backend: str, args, postgres) -> bool:
    with tempfile.TemporaryDirectory(prefix=f"load-{kind}-{backend}-") as tmp:
        root = Path(tmp)
        if backend == "sqlite":
            url, hosts = f"sqlite:///{root / 'library.db'}", 1
        else:
            url, hosts = postgres.database(kind), args.hosts
        name = f"{kind} library on {backend}" + (f", {hosts} hosts" if hosts > 1 else "")
        print(f"{name}:", flush=True)
        env = prepare(kind, root, url)
        tokens = make_tokens(env, args.users)
        envs = [env] + [other_host(env, root, n) for n in range(2, hosts + 1)]
        servers, ports = [], []
        try:
            for number, host_env in enumerate(envs, start=1):
                ports.append(free_port())
                log = root / f"host-{number}" / "gunicorn.log"
                log.parent.mkdir(exist_ok=True)
                servers.append(start_server(host_env, args.workers, args.threads, ports[-1], log))
            books = catalogue(ports[0], tokens[0])
            if args.queries == "fixed":
                queries = warm = FIXED_QUERIES
                described = f"the {len(queries)} fixed search phrases"
            else:
                queries = query_pool(url, int(args.queries))
                warm = [q for q in query_pool(url, 200, seed=99) if q not in set(queries)]
                described = f"{len(queries)} different search phrases from the library's text"
            print(f"  {len(books)} books, {args.sites} sites, {args.users} accounts, "
                  f"{args.duration:.0f} s, think {args.think} s, {described}", flush=True)
            share = [args.sites // args.processes + (1 if n < args.sites % args.processes else 0)
                     for n in range(args.processes)]
            for port in ports:
                warm_up(port, tokens[0], books, warm)
            logs = [root / f"host-{n}" / "access.log" for n in range(1, hosts + 1)]
            skips = [len(log.read_text(errors="replace").splitlines()) for log in logs]
            deadline = time.time() + args.duration
            jobs = [(ports, tokens, books, queries, deadline, args.think, sum(share[:n]), share[n])
                    for n in range(args.processes)]
            started = time.monotonic()
            watches = [MemoryWatch(server.pid, args.memory_every, host_env["LIBRARY_INDEX_DIR"])
                       for server, host_env in zip(servers, envs)]
            for watch in watches:
                watch.start()
            with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
                samples = [s for part in pool.map(generator, jobs) for s in part]
            elapsed = time.monotonic() - started
            for watch in watches:
                watch.stop()
            time.sleep(1)  # the access log is written after the response
            memory = [m for server in servers for m in worker_memory(server)]
            ok = report(name, samples, elapsed, *server_times(logs, skips), memory)
            for watch in watches:
                watch.report()
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
        for number in range(1, hosts + 1):
            log = (root / f"host-{number}" / "gunicorn.log").read_text(errors="replace")
            for word in ("Traceback", "database is locked", "LockError", "OperationalError"):
                if word in log:
                    print(f"  host {number}: server log has {log.count(word)} × {word!r}")
                    ok = False
        return ok


class Postgres:
    """A database per library run: in the server of `--database-url` (which must be empty,
    so one library only), or in a throwaway server started for this run."""

    def __init__(self, url: str | None):
        self.url, self.server, self.used = url, None, 0

    def database(self, kind: str) -> str:
        if self.url:
            self.used += 1
            if self.used > 1:
                raise SystemExit("--database-url holds one library: choose --library demo or bench")
            return self.url
        if self.server is None:
            sys.path.insert(0, str(REPO))
            from tests.pgserver import PostgresServer

            print("starting a throwaway PostgreSQL server (tests/pgserver.py)…", flush=True)
            self.server = PostgresServer().start()
        return self.server.create_database(f"load_{kind}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def _queries(value: str) -> str:
    if value != "fixed" and not (value.isdigit() and int(value) > 0):
        raise argparse.ArgumentTypeError("a number of phrases, or 'fixed'")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", choices=["demo", "bench", "both"],
                        default="both" if (BENCH_OUT / "instance" / "library.db").exists() else "demo")
    parser.add_argument("--sites", type=int, default=400)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--think", type=float, default=8.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--queries", default="1000", type=_queries,
                        help="how many different search phrases, or 'fixed' for the first "
                             "version's twelve (mostly answered from the cache)")
    parser.add_argument("--memory-every", type=float, default=15.0,
                        help="seconds between samples of the workers' memory")
    parser.add_argument("--databases", default=None,
                        help="comma-separated: sqlite, postgresql (default both when PostgreSQL "
                             "is installed or --database-url is given, else sqlite)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead of a "
                                               "throwaway server (postgresql://user@host/db)")
    parser.add_argument("--hosts", type=int, default=2,
                        help="app hosts over the one PostgreSQL database (default 2)")
    args = parser.parse_args(argv)
    kinds = ["demo", "bench"] if args.library == "both" else [args.library]
    if args.databases is None:
        sys.path.insert(0, str(REPO))
        from tests.pgserver import find_bin_dir

        args.databases = "sqlite,postgresql" if args.database_url or find_bin_dir() else "sqlite"
    backends = [b.strip() for b in args.databases.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"}:
        parser.error("--databases: sqlite and/or postgresql")
    postgres = Postgres(args.database_url)
    try:
        results = [run(kind, backend, args, postgres) for kind in kinds for backend in backends]
    finally:
        postgres.stop()
    print("\nall goals met" if all(results) else "\nsome goals missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
