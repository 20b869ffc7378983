"""HTTP benchmark: GET /api/search under gunicorn with concurrent keep-alive clients.

    python bench/http_bench.py [--instance bench/out] [--workers 2] [--threads 4]
                               [--clients 1,20] [--duration 20] [--port N]

Serves the benchmark instance made by bench/ingest_bench.py (DIR/instance/library.db,
DIR/books, DIR/index, passed to the app through the LIBRARY_* variables) with gunicorn,
creates the account bench-user and a token through `flask --app wsgi users ...`, then,
for each client level, runs that many closed-loop clients (one thread and one keep-alive
connection each, no think time) for --duration seconds, the query classes taking turns.
Queries are drawn from the instance's own text and titles with bench/search_bench.py's
query_classes. Prints requests, errors (non-200), p50/p95/p99 and req/s per level and
class. Client and server run on the same machine and share its cores: the CPU each used
is printed with the table. Goal (issue 3): p95 <= 100 ms at 20 concurrent clients.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

CLASSES = ["1 syllable", "2-4 syllables, folded", "2-4 syllables, exact", "quoted phrase", "title"]
GOAL_P95_MS = 100.0
SAMPLED_SECTIONS = 3000          # sections read from the database to draw queries from
HEALTH_TIMEOUT = 90.0            # seconds gunicorn may take to answer /healthz
REQUEST_TIMEOUT = 60.0           # socket timeout of one request
MAX_REQUESTS_PER_SECOND = 5000   # per client: bounds each client's loop in count as well as time
_TOTAL = re.compile(rb'"total":\s*(\d+)')
_ERRORS_LOCK = threading.Lock()


# The instance

def instance_paths(root: Path) -> dict[str, Path]:
    return {"db": root / "instance" / "library.db", "books": root / "books",
            "index": root / "index"}


def check_instance(root: Path) -> None:
    paths = instance_paths(root)
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        print(f"No benchmark instance in {root} (missing: {', '.join(missing)}).\n"
              "Make it first (the library takes about a minute, the import much longer):\n"
              "    python bench/make_library.py && python bench/ingest_bench.py --skip-pypdf",
              file=sys.stderr)
        sys.exit(2)


def server_env(root: Path) -> dict[str, str]:
    paths = instance_paths(root)
    env = dict(os.environ)
    env.update({
        "LIBRARY_DATABASE_URL": f"sqlite:///{paths['db'].resolve()}",
        "LIBRARY_BOOKS_DIR": str(paths["books"].resolve()),
        "LIBRARY_INDEX_DIR": str(paths["index"].resolve()),
        # set, so that the app does not write a key into the repository's instance folder
        "LIBRARY_SECRET_KEY": env.get("LIBRARY_SECRET_KEY") or "http-bench-" + os.urandom(16).hex(),
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("LIBRARY_ENV", None)
    return env


def sample_library(db_path: Path, sections: int, seed: int):
    """The visible books (titles, for the title class) with a seeded sample of their sections."""
    from library.search import BookDocument, SectionText

    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        books = {}
        for book_id, title, authors in db.execute(
                "SELECT id, title, authors FROM book WHERE status = 'ready' ORDER BY id"):
            books[book_id] = BookDocument(book_id, title or "", json.loads(authors or "[]"),
                                          "", None, "")
        ids = [row[0] for row in db.execute(
            "SELECT id FROM section WHERE length(text) > 200 ORDER BY id")]
        chosen = sorted(random.Random(seed).sample(ids, min(sections, len(ids))))
        for start in range(0, len(chosen), 500):
            batch = chosen[start: start + 500]
            marks = ",".join("?" * len(batch))
            for book_id, position, page, chapter, text in db.execute(
                    f"SELECT book_id, position, page, chapter, text FROM section "
                    f"WHERE id IN ({marks})", batch):
                if book_id in books:
                    books[book_id].sections.append(SectionText(position, text, page, chapter))
    finally:
        db.close()
    return [b for b in books.values() if b.title]


def make_queries(db_path: Path, per_class: int, seed: int) -> dict[str, list[str]]:
    from search_bench import query_classes  # bench/search_bench.py: the same classes and draws

    books = sample_library(db_path, SAMPLED_SECTIONS, seed)
    if not any(b.sections for b in books):
        sys.exit(f"{db_path} holds no book text to draw queries from")
    classes = query_classes(books, per_class, seed=seed)
    return {name: classes[name] for name in CLASSES}


def describe(root: Path) -> str:
    """The code and the index measured: both change under a benchmark more often than one thinks."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "library", "wsgi.py")
    files = [line.split(maxsplit=1)[-1] for line in changed.splitlines() if line.strip()]
    index = instance_paths(root)["index"]
    segments = list(index.glob("*.seg"))
    size = sum(f.stat().st_size for f in index.iterdir() if f.is_file())
    return (f"code: git {git('rev-parse', '--short', 'HEAD') or '?'}"
            + (f" with uncommitted changes in {', '.join(files)}" if files else "")
            + f"; index: {len(segments)} segment files, {size / 1e6:.0f} MB")


# The server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, env: dict, port: int, workers: int, threads: int, log_path: Path):
        self.env, self.port, self.log_path = env, port, log_path
        self.command = [
            sys.executable, "-m", "gunicorn", "--worker-class", "gthread",
            "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "10",
            "--log-level", "warning", "wsgi:app",
        ]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "wb")
        # a session of its own: Ctrl-C reaches this script, which then stops gunicorn in order
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env,
                                        stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> float:
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200:
                    return time.monotonic() - started
                last = f"{response.status} {body[:200]!r}"
            except OSError as error:
                last = repr(error)
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer 200 within {timeout:.0f} s (last: {last}):\n"
                           + self.log_tail())

    def pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        return [pid, *map(int, children)]

    def cpu_seconds(self) -> dict[int, float]:
        """User + system CPU of the gunicorn master and each live worker, by pid (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return used

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()  # gunicorn: graceful shutdown
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)
        finally:
            self._log.close()


def flask_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def bench_token(env: dict, username: str = "bench-user") -> str:
    created = flask_cli(env, "users", "create", username, "--role", "member", "--branch", "BENCH")
    output = created.stdout + created.stderr
    if created.returncode and not ("đã tồn tại" in output or "already exists" in output):
        raise RuntimeError(f"users create failed ({created.returncode}):\n{output}")
    token = flask_cli(env, "users", "token", username)
    lines = token.stdout.strip().splitlines()
    if token.returncode or not lines:
        raise RuntimeError(f"users token failed ({token.returncode}):\n"
                           f"{token.stdout}{token.stderr}")
    return lines[-1].strip()


# The clients

@dataclass
class Sample:
    query_class: str
    ms: float
    status: int      # 0: no answer (connection error, timeout)
    total: int       # the "total" of the answer, -1 when unknown


@dataclass
class Level:
    clients: int
    elapsed: float
    samples: list[Sample]
    client_cpu: float
    server_cpu: dict[int, float]  # by pid: the master first, then the workers
    machine_cpu: float            # every process of the machine, this one and gunicorn included
    errors: Counter = field(default_factory=Counter)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has used since boot, summed over cores (/proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def search_path(query: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": query})


def client(port: int, token: str, paths: list[tuple[str, str]], offset: int, start: threading.Event,
           deadline_box: list[float], out: list[Sample], errors: Counter, duration: float) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
               "Connection": "keep-alive"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    start.wait(timeout=60)
    deadline = deadline_box[0]
    limit = int(duration * MAX_REQUESTS_PER_SECOND) + 1
    try:
        for n in range(limit):
            if time.perf_counter() >= deadline:
                break
            name, path = paths[(offset + n) % len(paths)]
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status, body = 0, b""
                with _ERRORS_LOCK:
                    errors[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            ms = (time.perf_counter() - began) * 1000
            found = _TOTAL.search(body) if status == 200 else None
            if status not in (0, 200):
                with _ERRORS_LOCK:
                    errors[f"HTTP {status}"] += 1
                if response.will_close:
                    conn.close()
            out.append(Sample(name, ms, status, int(found.group(1)) if found else -1))
    finally:
        conn.close()


def interleave(queries: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(class, path) with the classes taking turns, so every class meets the same load."""
    rounds = max(len(q) for q in queries.values())
    return [(name, search_path(queries[name][i % len(queries[name])]))
            for i in range(rounds) for name in queries]


def run_level(server: Server, port: int, token: str, paths: list[tuple[str, str]], clients: int,
              duration: float, seed: int) -> Level:
    rng = random.Random(seed + clients)
    start = threading.Event()
    deadline_box = [0.0]
    outs = [[] for _ in range(clients)]
    errors: Counter = Counter()
    # each client starts at its own place in the list, the classes still taking turns
    offsets = [rng.randrange(len(paths)) // len(CLASSES) * len(CLASSES) + i % len(CLASSES)
               for i in range(clients)]
    threads = [threading.Thread(
        target=client, name=f"client-{i}", daemon=True,
        args=(port, token, paths, offsets[i], start, deadline_box, outs[i], errors, duration))
        for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # let every client reach the start line
    cpu_client, cpu_server = time.process_time(), server.cpu_seconds()
    cpu_machine = machine_busy_seconds()
    began = time.perf_counter()
    deadline_box[0] = began + duration
    start.set()
    for thread in threads:
        thread.join(timeout=duration + REQUEST_TIMEOUT + 10)
    elapsed = time.perf_counter() - began
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        errors[f"{len(stuck)} clients still waiting"] += 1
    cpu_after = server.cpu_seconds()
    return Level(clients, elapsed, [s for out in outs for s in out],
                 time.process_time() - cpu_client,
                 {pid: used - cpu_server.get(pid, 0.0) for pid, used in cpu_after.items()},
                 machine_busy_seconds() - cpu_machine, errors)


# The report

def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the samples at or below it."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, -(-len(sorted_ms) * p // 100))
    return sorted_ms[int(rank) - 1]


def table_row(label: str, name: str, samples: list[Sample], elapsed: float) -> str:
    ok = sorted(s.ms for s in samples if s.status == 200)
    errors = sum(s.status != 200 for s in samples)
    found = sum(s.total > 0 for s in samples if s.status == 200)
    hit = f"{found / len(ok):.0%}" if ok else "-"
    return (f"{label:>7} {name:24} {len(samples):8d} {errors:6d} {percentile(ok, 50):8.1f} "
            f"{percentile(ok, 95):8.1f} {percentile(ok, 99):8.1f} "
            f"{max(ok, default=float('nan')):8.1f} "
            f"{len(samples) / elapsed:8.1f} {hit:>6}")


def report(levels: list[Level], cores: int) -> None:
    print(f"\n{'clients':>7} {'query class':24} {'requests':>8} {'errors':>6} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8} {'found':>6}")
    for level in levels:
        for name in CLASSES:
            samples = [s for s in level.samples if s.query_class == name]
            print(table_row(str(level.clients), name, samples, level.elapsed))
        print(table_row(str(level.clients), "all", level.samples, level.elapsed))
        print()
    print("errors: non-200 answers and requests without an answer; latencies are of 200 answers; "
          "found: share of 200 answers with total > 0")
    print(f"CPU, in shares of one core: client and server share this machine's {cores} cores, and "
          "the client's time is in the latencies when they are busy; 'others' is every other "
          "process of the machine (a figure above a few % means the run was disturbed):")
    for level in levels:
        share = [used / level.elapsed for used in level.server_cpu.values()]
        client_share = level.client_cpu / level.elapsed
        machine = level.machine_cpu / level.elapsed
        others = machine - sum(share) - client_share
        per_request = sum(level.server_cpu.values()) * 1000 / max(len(level.samples), 1)
        print(f"  {level.clients:3d} clients, {level.elapsed:5.1f} s: server {sum(share):4.0%} "
              f"(master {share[0] if share else 0:.0%}, workers "
              f"{', '.join(f'{s:.0%}' for s in share[1:])}), client {client_share:.0%}, "
              f"others {max(others, 0):.0%}, idle {max(cores - machine, 0):.0%}; "
              f"server CPU {per_request:.1f} ms a request"
              + (f"; errors: {dict(level.errors)}" if level.errors else ""))
    print("  (a closed loop of N clients waits about N x (server CPU a request) / cores "
          "for each answer once the cores are busy)")
    top = max(levels, key=lambda lv: lv.clients)
    p95 = percentile(sorted(s.ms for s in top.samples if s.status == 200), 95)
    worst = max(((name, percentile(sorted(s.ms for s in top.samples
                                          if s.status == 200 and s.query_class == name), 95))
                 for name in CLASSES), key=lambda item: item[1])
    verdict = "meets" if worst[1] <= GOAL_P95_MS else "misses"
    print(f"goal p95 <= {GOAL_P95_MS:.0f} ms at {top.clients} clients: all classes {p95:.1f} ms, "
          f"worst class {worst[0]} {worst[1]:.1f} ms: {verdict} it")


# Main

def _interrupt(signum, frame):
    raise KeyboardInterrupt


def one_request(port: int, token: str, path: str) -> Sample:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        began = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read()
        found = _TOTAL.search(body)
        return Sample("", (time.perf_counter() - began) * 1000, response.status,
                      int(found.group(1)) if found else -1)
    finally:
        conn.close()


def parse_levels(text: str) -> list[int]:
    try:
        levels = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not levels or any(n < 1 or n > 500 for n in levels):
        raise argparse.ArgumentTypeError("client counts go from 1 to 500")
    return levels


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default=str(HERE / "out"),
                        help="folder holding instance/library.db, books/ and index/")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per gunicorn worker (gthread, as bin/serve)")
    parser.add_argument("--clients", type=parse_levels, default=[1, 20],
                        help="concurrent clients per level, comma-separated")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of unmeasured load first, at the highest level")
    parser.add_argument("--port", type=int, default=0, help="default: a free port on 127.0.0.1")
    parser.add_argument("--queries", type=int, default=500, help="queries per class")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 3600 or not 0 <= args.warmup <= 600:
        parser.error("--duration goes up to 3600 s, --warmup up to 600 s")

    root = Path(args.instance)
    check_instance(root)
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        sys.exit(f"gunicorn is not installed for {sys.executable}: run this with .venv/bin/python")

    # Ctrl-C and SIGTERM end the run and stop gunicorn (a shell's background job ignores SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    started = time.perf_counter()
    queries = make_queries(instance_paths(root)["db"], args.queries, args.seed)
    paths = interleave(queries)
    print(f"{args.queries} queries per class drawn from {root} in "
          f"{time.perf_counter() - started:.1f} s; e.g. "
          + "; ".join(f"{name}: {queries[name][0]}" for name in CLASSES))

    print(describe(root))
    env = server_env(root)
    port = args.port or free_port()
    log_path = Path(tempfile.gettempdir()) / f"http_bench-gunicorn-{port}.log"
    server = Server(env, port, args.workers, args.threads, log_path)
    cores = os.cpu_count() or 1
    levels: list[Level] = []
    try:
        token = bench_token(env)
        server.start()
        up = server.wait_healthy()
        print(f"gunicorn: {args.workers} workers x {args.threads} threads (gthread) on "
              f"127.0.0.1:{port}, healthy after {up:.1f} s; log {log_path}")
        print(f"{cores} cores shared by gunicorn and this client; closed loop, no think time, "
              f"keep-alive, {args.duration:.0f} s per level")

        # the first request of each worker thread opens the index: measured, then warmed away
        cold = [one_request(port, token, paths[i][1]) for i in range(2)]
        print(f"first requests (a worker thread opening the index): {cold[0].ms:.0f} ms and "
              f"{cold[1].ms:.0f} ms, status {cold[0].status}, {cold[1].status}")
        if args.warmup:
            warm = run_level(server, port, token, paths, max(args.clients), args.warmup,
                             args.seed + 1)
            ok = sorted(s.ms for s in warm.samples if s.status == 200)
            print(f"warm-up, {warm.clients} clients, {warm.elapsed:.1f} s: "
                  f"{len(warm.samples)} requests, {sum(s.status != 200 for s in warm.samples)} "
                  f"errors, p50 {percentile(ok, 50):.0f} ms, "
                  f"max {max(ok, default=0):.0f} ms (not in the table)")

        for n, clients in enumerate(args.clients):
            level = run_level(server, port, token, paths, clients, args.duration, args.seed + 2 + n)
            levels.append(level)
            print(f"{clients} clients: {len(level.samples)} requests in {level.elapsed:.1f} s",
                  flush=True)
            if server.process.poll() is not None:
                raise RuntimeError("gunicorn exited during the run:\n" + server.log_tail())
        report(levels, cores)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        if levels:
            report(levels, cores)
        return 130
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        status = server.stop()
        if server.process is not None:
            print(f"gunicorn stopped (status {status})")
        tail = server.log_tail()
        if re.search(r"Traceback|ERROR|CRITICAL", tail):
            print(f"gunicorn log ({log_path}), last lines:\n{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
