"""Search benchmark: the project's SearchIndex against SQLite FTS5 over the same pages and queries.

    python bench/search_bench.py --synthetic 20000          # generated Vietnamese-like pages
    python bench/search_bench.py --db bench/out/instance/library.db

Prints the index build time, then p50/p95 per query class for SearchIndex.search_hits (the API),
SearchIndex.search (the HTML page: books, facets, snippets) and FTS5. Not a timed test.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from library.search import BookDocument, QueryError, SearchIndex, SectionText  # noqa: E402
from library.search.analysis import syllable_runs  # noqa: E402
from library.vietnamese import canonical, fold  # noqa: E402

PAGES_PER_BOOK = 250
SHELVES = ["bao-ve-nen-tang-tu-tuong", "hoc-tap-lam-theo-bac", "chi-bo-dien-tu"]


# The library

def synthetic_library(pages: int, seed: int = 7) -> list[BookDocument]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from search_corpus import Corpus

    corpus = Corpus(seed)
    books = []
    for book_id in range(1, -(-pages // PAGES_PER_BOOK) + 1):
        count = min(PAGES_PER_BOOK, pages - (book_id - 1) * PAGES_PER_BOOK)
        sections = [SectionText(n, corpus.page(), page=n) for n in range(1, count + 1)]
        books.append(BookDocument(book_id, corpus.title(), [corpus.author()],
                                  SHELVES[book_id % 3], 1990 + book_id % 35, "application/pdf",
                                  datetime(2024, 1, 1), sections))
    return books


def database_library(path: str) -> list[BookDocument]:
    """Books and sections of a database made by the app's ingest (bench/ingest_bench.py)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    shelves = dict(db.execute("SELECT id, slug FROM shelf")) if _has_table(db, "shelf") else {}
    books = {}
    for book_id, title, authors, year, shelf_id, media_type in db.execute(
            "SELECT id, title, authors, year, shelf_id, media_type FROM book"):
        books[book_id] = BookDocument(book_id, title or "", json.loads(authors or "[]"),
                                      shelves.get(shelf_id, ""), year, media_type or "")
    for book_id, position, page, chapter, text in db.execute(
            "SELECT book_id, position, page, chapter, text FROM section "
            "ORDER BY book_id, position"):
        if book_id in books:
            books[book_id].sections.append(SectionText(position, text or "", page, chapter))
    return list(books.values())


def _has_table(db, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


# Queries, drawn from the library's own text so that most find something

def query_classes(books: list[BookDocument], count: int, seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)
    sections = [s for b in books for s in b.sections if s.text.strip()]

    def phrase(low: int, high: int) -> list[str]:
        while True:
            runs = [r for r in syllable_runs(rng.choice(sections).text) if len(r) >= high]
            if runs:
                run, size = rng.choice(runs), rng.randint(low, high)
                start = rng.randrange(len(run) - size + 1)
                return run[start: start + size]

    classes: dict[str, list[str]] = {name: [] for name in (
        "1 syllable", "2-4 syllables, folded", "2-4 syllables, exact", "quoted phrase",
        "title", "with highlights")}
    for _ in range(count):
        one = phrase(1, 1)[0]
        classes["1 syllable"].append(one if rng.random() < 0.5 else fold(one))
        classes["2-4 syllables, folded"].append(fold(" ".join(phrase(2, 4))))
        classes["2-4 syllables, exact"].append(" ".join(phrase(2, 4)))
        classes["quoted phrase"].append('"' + " ".join(phrase(2, 4)) + '"')
        title = [s for run in syllable_runs(rng.choice(books).title) for s in run]
        start = rng.randrange(max(len(title) - 1, 1))
        classes["title"].append(" ".join(title[start: start + rng.randint(2, 3)]))
        classes["with highlights"].append(fold(" ".join(phrase(2, 3))))
    return classes


# The reference: SQLite FTS5 over folded text (unicode61 does not fold đ)

def build_fts(books: list[BookDocument], path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, "
               "tokenize = 'unicode61 remove_diacritics 2')")
    rows = []
    for book in books:
        rows.append((fold(canonical(" . ".join([book.title, *book.authors]))), ""))
        rows.extend(("", fold(canonical(s.text))) for s in book.sections)
    db.executemany("INSERT INTO fts (title, body) VALUES (?, ?)", rows)
    db.commit()
    return db


def fts_query(query: str) -> str:
    words = [fold(s) for run in syllable_runs(query) for s in run]
    return '"' + " ".join(words) + '"'


def fts_search(db: sqlite3.Connection, query: str, highlights: bool) -> int:
    match = fts_query(query)
    columns = "rowid, snippet(fts, 1, '<mark>', '</mark>', '…', 30)" if highlights else "rowid"
    db.execute(f"SELECT {columns} FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 10.0, 1.0) "
               "LIMIT 20", (match,)).fetchall()
    return db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]


# Measuring

@dataclass
class Row:
    engine: str
    query_class: str
    p50: float
    p95: float
    found: float  # share of queries with at least one result


CLOCK = time.perf_counter  # --cpu: time.process_time, steadier on a machine others load


def measure(engine: str, name: str, queries: list[str], run) -> Row:
    for query in queries[:10]:  # warm the caches
        run(query)
    times, found = [], 0
    for query in queries:
        started = CLOCK()
        total = run(query)
        times.append((CLOCK() - started) * 1000)
        found += bool(total)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return Row(engine, name, statistics.median(times), p95, found / len(queries))


def project_rows(index: SearchIndex, classes: dict[str, list[str]]) -> list[Row]:
    def hits(highlights):
        def run(query):
            try:
                return index.search_hits(query, per_page=20, snippets=highlights).total
            except QueryError:
                return 0
        return run

    def books(query):
        try:
            return index.search(query, per_page=10).total
        except QueryError:
            return 0

    rows = [measure("search_hits", name, queries, hits(name == "with highlights"))
            for name, queries in classes.items()]
    rows += [measure("search (books page)", name, queries, books)
             for name, queries in classes.items() if name != "with highlights"]
    return rows


def fts_rows(db: sqlite3.Connection, classes: dict[str, list[str]]) -> list[Row]:
    return [measure("sqlite fts5", name, queries,
                    lambda q, h=(name == "with highlights"): fts_search(db, q, h))
            for name, queries in classes.items()]


def report(rows: list[Row]) -> None:
    reference = {r.query_class: r for r in rows if r.engine == "sqlite fts5"}
    print(f"\n{'engine':22} {'query class':24} {'p50 ms':>8} {'p95 ms':>8} {'found':>6} "
          f"{'p95/fts5':>9}")
    for row in rows:
        fts = reference.get(row.query_class)
        ratio = f"{row.p95 / fts.p95:8.2f}x" if fts and fts.p95 else ""
        print(f"{row.engine:22} {row.query_class:24} {row.p50:8.1f} {row.p95:8.1f} "
              f"{row.found:6.0%} {ratio:>9}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", help="library.db made by the app's ingest")
    source.add_argument("--synthetic", type=int, metavar="PAGES", help="generate this many pages")
    parser.add_argument("--workdir", default=str(Path(__file__).parent / "out" / "search"))
    parser.add_argument("--queries", type=int, default=200, help="queries per class")
    parser.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--reuse", action="store_true", help="keep an index built before")
    parser.add_argument("--cpu", action="store_true", help="time in CPU seconds of this process")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter

    started = time.perf_counter()
    books = database_library(args.db) if args.db else synthetic_library(args.synthetic)
    pages = sum(len(b.sections) for b in books)
    print(f"{len(books)} books, {pages} pages, "
          f"{sum(len(s.text) for b in books for s in b.sections) / max(pages, 1):.0f} chars/page "
          f"(loaded in {time.perf_counter() - started:.1f} s)")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    index = SearchIndex(str(workdir / "index"))
    if not (args.reuse and index.doc_count() >= pages):
        shutil.rmtree(workdir / "index", ignore_errors=True)
        index = SearchIndex(str(workdir / "index"))
        started, cpu = time.perf_counter(), _cpu_seconds()
        index.rebuild(books, procs=args.procs)
        built, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        docs = index.doc_count()
        print(f"whoosh index: {docs} documents in {built:.0f} s, {docs / built:.0f} docs/s "
              f"(procs={args.procs}; {cpu:.0f} CPU s, {docs / cpu:.0f} docs per CPU s), "
              f"{_size(workdir / 'index') / 1e6:.0f} MB")
    started = time.perf_counter()
    db = build_fts(books, workdir / "fts5.db")
    built = time.perf_counter() - started
    print(f"fts5 index: {built:.0f} s, {(pages + len(books)) / built:.0f} docs/s, "
          f"{_size(workdir / 'fts5.db') / 1e6:.0f} MB")

    classes = query_classes(books, args.queries)
    print(f"times: {'CPU' if args.cpu else 'wall'} ms, {args.queries} queries per class")
    report(project_rows(index, classes) + fts_rows(db, classes))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the indexing workers)."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*")) if path.is_dir() else path.stat().st_size


if __name__ == "__main__":
    main()
