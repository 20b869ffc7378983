"""Measures argon2id sign-in cost for candidate parameters (the choice in library/auth/passwords.py).

    python bench/argon2_bench.py [--rounds 20]

For each (memory, time) pair: median and p95 wall time of one verify, in this process,
beside a SHA-256 of the same password as the reference. Sign-ins at 30 per second on a
2-core machine leave about 66 ms of CPU per sign-in if nothing else ran; the page
reads of 400 sites need their share too, so a verify should stay well below that.
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from argon2 import PasswordHasher

CANDIDATES = [(19 * 1024, 2), (12 * 1024, 3), (46 * 1024, 1), (64 * 1024, 3), (9 * 1024, 4), (7 * 1024, 5)]


def timed(fn, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    password = "mat-khau-cua-dang-vien"
    ref = timed(lambda: hashlib.sha256(password.encode()).hexdigest(), args.rounds)
    print(f"{'m (MiB)':>8} {'t':>3} {'p50 ms':>8} {'p95 ms':>8}   sign-ins/s per core")
    print(f"{'sha256':>12} {statistics.median(ref):8.3f} {ref[int(len(ref) * .95) - 1]:8.3f}   (reference)")
    for memory, rounds_t in CANDIDATES:
        hasher = PasswordHasher(time_cost=rounds_t, memory_cost=memory, parallelism=1)
        stored = hasher.hash(password)
        times = timed(lambda: hasher.verify(stored, password), args.rounds)
        p50, p95 = statistics.median(times), times[int(len(times) * .95) - 1]
        print(f"{memory // 1024:8d} {rounds_t:3d} {p50:8.1f} {p95:8.1f}   {1000 / p50:6.0f}")


if __name__ == "__main__":
    main()
