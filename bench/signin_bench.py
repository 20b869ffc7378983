"""Sign-in at meeting time: 16,000 accounts, sign-ins through the real form at 30 per second
while 400 sites read, against gunicorn on loopback.

    python bench/signin_bench.py [--accounts 16000] [--rate 30] [--duration 120] [--sites 400]
                                 [--mistype 0.05] [--workers 2] [--threads 4] [--processes 3]

A temporary demo instance (`flask demo`) gets `--accounts` member accounts in 400 branches
(argon2id hashes made with today's parameters; one hash per 100 accounts, the cost of a
check being the same) and 100 reader accounts with API tokens. Then, for `--duration`
seconds, sign-ins arrive at `--rate` per second on a fixed schedule (open loop: a slow
server does not slow the arrivals), each from one of 400 meeting-site addresses
(127.0.x.y): GET /dang-nhap for the cookie and the CSRF token, POST /dang-nhap with them,
expecting the 302 of a good sign-in; `--mistype` of them first send a wrong password.
Meanwhile `--sites` sites read as in bench/load_bench.py (searches, reader pages, progress
and position saves, think time 8 s). Printed: sign-in p50/p95/p99 (the whole GET + POST,
and the POST alone), errors, the readers' table, and as the reference one argon2 check
measured in this process before the run. Goals (issue 13): sign-in p95 <= 1 s, no errors,
reading pages p95 <= 200 ms.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_bench  # noqa: E402  (the readers, the server and the report are the load bench's)

REPO = load_bench.REPO
PASSWORDS = 160  # distinct passwords (and hashes): account n has PASSWORD % (n % PASSWORDS)
PASSWORD = "mat-khau-hop-{:03d}"

ACCOUNTS = """
import sys
from sqlalchemy import insert
from library import create_app
from library.instance import prepare
from library.auth.accounts import branch_for_code
from library.auth.models import User, search_key
from library.auth.passwords import hash_password
from library.extensions import db
app = prepare(create_app())
count, distinct, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with app.app_context():
    hashes = [hash_password(password.format(n)) for n in range(distinct)]
    branches = [branch_for_code(f"CB-{n:03d}").id for n in range(400)]
    rows = [{"username": f"dv{n:05d}", "full_name": f"Đảng viên {n}", "role": "member",
             "branch_id": branches[n % 400], "password_hash": hashes[n % distinct],
             "active": True, "session_version": 1, "auth_source": "local",
             "search_key": search_key(f"dv{n:05d}", f"Dang vien {n}")} for n in range(count)]
    for start in range(0, count, 2000):
        db.session.execute(insert(User), rows[start:start + 2000])
    db.session.commit()
    print(count)
"""


def make_accounts(env: dict, count: int) -> None:
    subprocess.run([sys.executable, "-c", ACCOUNTS, str(count), str(PASSWORDS), PASSWORD],
                   cwd=REPO, env=env, check=True, capture_output=True, text=True)


def site_address(n: int) -> str:
    return f"127.0.{1 + n // 200}.{2 + n % 200}"


def one_sign_in(port: int, username: str, password: str, mistype: bool, source: str) -> tuple:
    """(whole ms, POST ms, status of the last POST or the error's name)."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        conn.request("GET", "/dang-nhap")
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        cookie = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        attempts = ["sai-mat-khau-roi", password] if mistype else [password]
        for attempt in attempts:
            body = urllib.parse.urlencode({"username": username, "password": attempt, "csrf_token": token})
            post_started = time.perf_counter()
            conn.request("POST", "/dang-nhap", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
            response = conn.getresponse()
            response.read()
            status = response.status
        conn.close()
        post_ms = (time.perf_counter() - post_started) * 1000
    except (OSError, AttributeError) as error:
        return (time.perf_counter() - started) * 1000, 0.0, type(error).__name__
    return (time.perf_counter() - started) * 1000, post_ms, status


def sign_ins(args) -> list:
    """Open-loop arrivals at `rate` per second for `duration` seconds (one process)."""
    port, accounts, rate, duration, mistype, seed = args
    import random

    rng = random.Random(seed)
    out, threads = [], []
    start = time.monotonic()
    for n in range(int(rate * duration)):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        account = rng.randrange(accounts)
        job = (port, f"dv{account:05d}", PASSWORD.format(account % PASSWORDS), rng.random() < mistype,
               site_address(rng.randrange(400)))
        thread = threading.Thread(target=lambda j=job: out.append(one_sign_in(*j)), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=60)
    return out


def argon2_reference(rounds: int = 20) -> float:
    sys.path.insert(0, str(REPO))
    from library.auth.passwords import hasher

    stored = hasher.hash("tham-chieu-2026")
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        hasher.verify(stored, "tham-chieu-2026")
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=16_000)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--sites", type=int, default=400)
    parser.add_argument("--mistype", type=float, default=0.05)
    parser.add_argument("--think", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--processes", type=int, default=3, help="reader load-generator processes")
    args = parser.parse_args(argv)

    reference = argon2_reference()
    with tempfile.TemporaryDirectory(prefix="signin-bench-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'library.db'}"
        env = load_bench.prepare("demo", root, url)
        print(f"  {args.accounts} accounts…", flush=True)
        make_accounts(env, args.accounts)
        tokens = load_bench.make_tokens(env, 100)
        port = load_bench.free_port()
        server = load_bench.start_server(env, args.workers, args.threads, port, root / "gunicorn.log")
        try:
            books = load_bench.catalogue(port, tokens[0])
            queries = load_bench.query_pool(url, 1000)
            load_bench.warm_up(port, tokens[0], books, queries[:50])
            print(f"  {args.rate:g} sign-ins/s for {args.duration:g} s, {args.sites} reading sites, "
                  f"{len(books)} books", flush=True)
            deadline = time.time() + args.duration
            share = [args.sites // args.processes + (1 if n < args.sites % args.processes else 0)
                     for n in range(args.processes)]
            readers = [([port], tokens, books, queries, deadline, args.think, sum(share[:n]), share[n])
                       for n in range(args.processes)]
            started = time.monotonic()
            with multiprocessing.get_context("spawn").Pool(args.processes + 1) as pool:
                signing = pool.apply_async(sign_ins, ((port, args.accounts, args.rate, args.duration,
                                                       args.mistype, 13),))
                samples = [s for part in pool.map(load_bench.generator, readers) for s in part]
                signed = signing.get()
            elapsed = time.monotonic() - started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # an overloaded server still draining its queue
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log = (root / "gunicorn.log").read_text(errors="replace")

    whole = [w for w, _, status in signed if status == 302]
    posts = [p for _, p, status in signed if status == 302]
    errors = [status for _, _, status in signed if status != 302]
    pct = load_bench.percentile
    print(f"\nreference: one argon2id check (today's parameters) in this process: {reference:.1f} ms")
    print(f"sign-ins: {len(signed)} in {elapsed:.0f} s ({len(signed) / elapsed:.1f}/s), "
          f"{sum(1 for *_, s in signed if s == 302)} signed in, {len(errors)} errors "
          f"{sorted(set(map(str, errors)))[:5]}")
    print("| sign-in | p50 ms | p95 ms | p99 ms | goal p95 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| GET form + POST | {pct(whole, 50):.0f} | {pct(whole, 95):.0f} | {pct(whole, 99):.0f} | 1000 |")
    print(f"| POST alone | {pct(posts, 50):.0f} | {pct(posts, 95):.0f} | {pct(posts, 99):.0f} | — |")
    readers_ok = load_bench.report("readers", samples, elapsed, {}, {}, [])
    ok = not errors and pct(whole, 95) <= 1000 and readers_ok
    for word in ("Traceback", "database is locked"):
        if word in log:
            print(f"  server log has {log.count(word)} × {word!r}")
            ok = False
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
