"""Search benchmark: the project's SearchIndex beside SQLite FTS5 and tantivy, same texts and queries.

    python bench/search_bench.py --synthetic 20000 --cpu     # generated Vietnamese-like pages
    python bench/search_bench.py --db bench/out/instance/library.db --cpu

First the three indexes are built from the same books (Whoosh through SearchIndex.rebuild, as
`index rebuild` does; FTS5 and tantivy over the folded texts), each timed. Then every view is
timed in a process of its own, started cold, in the same order of queries: SearchIndex.search_hits
(the API) and SearchIndex.search (the books page: facets, snippets) with the per-process answer
cache off, FTS5 and tantivy (phrase queries of the folded words, BM25, top 20, count). The answer
cache's effect is measured apart: the API once more with the cache on, and the share it served.
Prints p50/p95 per query class and the ratios to FTS5 and tantivy. Not a timed test.
`--build-only` stops after the three builds (index build speed, beside FTS5 and tantivy).
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
import subprocess
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


# The other reference: tantivy (Rust, via PyPI `tantivy`) over the same folded texts

def build_tantivy(books: list[BookDocument], path: Path, threads: int):
    import tantivy

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=False)
    builder.add_text_field("body", stored=True)
    index = tantivy.Index(builder.build(), path=str(path))
    writer = index.writer(256_000_000, threads)
    for book in books:
        writer.add_document(tantivy.Document(
            title=fold(canonical(" . ".join([book.title, *book.authors]))), body=""))
        for section in book.sections:
            writer.add_document(tantivy.Document(title="", body=fold(canonical(section.text))))
    writer.commit()
    writer.wait_merging_threads()
    return index


def tantivy_search(index, searcher, query: str, highlights: bool) -> int:
    import tantivy

    words = [fold(s) for run in syllable_runs(query) for s in run]
    parsed = index.parse_query('"' + " ".join(words) + '"', ["title", "body"])
    found = searcher.search(parsed, 20, count=True)
    if highlights:
        snippets = tantivy.SnippetGenerator.create(searcher, parsed, index.schema, "body")
        snippets.set_max_num_chars(200)
        for _score, address in found.hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()
    return found.count


# Measuring: each view in a process of its own, started cold

@dataclass
class Row:
    engine: str
    query_class: str
    p50: float
    p95: float
    found: float  # share of queries with at least one result
    cached: float = 0.0  # share answered from the answer cache


CLOCK = time.perf_counter  # --cpu: time.process_time, steadier on a machine others load
VIEWS = ["search_hits (API)", "search (books page)", "sqlite fts5", "tantivy",
         "search_hits, cache on"]


def measure(engine: str, name: str, queries: list[str], run, cache=None) -> Row:
    times, found, hits = [], 0, 0
    for query in queries:
        started = CLOCK()
        total = run(query)
        times.append((CLOCK() - started) * 1000)
        found += bool(total)
        hits += bool(cache and cache.last_outcome() == "hit")
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return Row(engine, name, statistics.median(times), p95, found / len(queries),
               hits / len(queries))


def view_rows(view: str, workdir: Path, classes: dict[str, list[str]]) -> list[Row]:
    """Time one view over every class, in this (fresh) process."""
    if view.startswith("search"):
        index = SearchIndex(str(workdir / "index"))
        cache = index.results
        cache.size = 512 if view.endswith("cache on") else 0  # off: nothing is kept
        index.doc_count()  # opens the index, as a worker has done before its first search

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

        if view.startswith("search (books page)"):
            return [measure(view, name, queries, books) for name, queries in classes.items()
                    if name != "with highlights"]
        return [measure(view, name, queries, hits(name == "with highlights"), cache)
                for name, queries in classes.items()]
    if view == "sqlite fts5":
        db = sqlite3.connect(workdir / "fts5.db")
        return [measure(view, name, queries,
                        lambda q, h=(name == "with highlights"): fts_search(db, q, h))
                for name, queries in classes.items()]
    import tantivy

    index = tantivy.Index.open(str(workdir / "tantivy"))
    searcher = index.searcher()
    return [measure(view, name, queries,
                    lambda q, h=(name == "with highlights"): tantivy_search(index, searcher, q, h))
            for name, queries in classes.items()]


def run_view(view: str, workdir: Path, cpu: bool) -> tuple[list[Row], int]:
    """A child process times the view; its rows and peak resident memory come back as JSON."""
    command = [sys.executable, __file__, "--time-view", view, "--workdir", str(workdir)]
    done = subprocess.run(command + (["--cpu"] if cpu else []), check=True, capture_output=True,
                          text=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return [Row(**row) for row in answer["rows"]], answer["max_rss_kb"]


def report(rows: list[Row]) -> None:
    fts = {r.query_class: r for r in rows if r.engine == "sqlite fts5"}
    tv = {r.query_class: r for r in rows if r.engine == "tantivy"}
    print(f"\n{'view':24} {'query class':24} {'p50 ms':>8} {'p95 ms':>8} {'found':>6} "
          f"{'cached':>6} {'p95/fts5':>9} {'p95/tantivy':>11}")
    for row in rows:
        ratios = [f"{row.p95 / ref[row.query_class].p95:.2f}x"
                  if row.query_class in ref and ref[row.query_class].p95 else ""
                  for ref in (fts, tv)]
        print(f"{row.engine:24} {row.query_class:24} {row.p50:8.1f} {row.p95:8.1f} "
              f"{row.found:6.0%} {row.cached:6.0%} {ratios[0]:>9} {ratios[1]:>11}")


def build(args, books: list[BookDocument], workdir: Path) -> None:
    pages = sum(len(b.sections) for b in books)
    index = SearchIndex(str(workdir / "index"))
    if not (args.reuse and index.doc_count() >= pages):
        shutil.rmtree(workdir / "index", ignore_errors=True)
        index = SearchIndex(str(workdir / "index"))
        started, cpu = time.perf_counter(), _cpu_seconds()
        index.rebuild(books, procs=args.procs)
        built, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        docs = index.doc_count()
        print(f"whoosh index:  {docs} documents in {built:6.1f} s, {docs / built:6.0f} docs/s "
              f"(procs={args.procs}; {cpu:.0f} CPU s, {docs / cpu:.0f} docs per CPU s, peak "
              f"resident of an indexing worker {_peak_child_kb() / 1024:.0f} MB), "
              f"{_size(workdir / 'index') / 1e6:.0f} MB", flush=True)
        index.close()
    docs = pages + len(books)
    for name, make, path in (
            ("fts5 index:   ", lambda: build_fts(books, workdir / "fts5.db").close(), "fts5.db"),
            ("tantivy index:", lambda: build_tantivy(books, workdir / "tantivy", args.procs),
             "tantivy")):
        started = time.perf_counter()
        make()
        built = time.perf_counter() - started
        print(f"{name} {docs} documents in {built:6.1f} s, {docs / built:6.0f} docs/s, "
              f"{_size(workdir / path) / 1e6:.0f} MB", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", help="library.db made by the app's ingest")
    source.add_argument("--synthetic", type=int, metavar="PAGES", help="generate this many pages")
    source.add_argument("--time-view", choices=VIEWS, help=argparse.SUPPRESS)  # the child's part
    parser.add_argument("--workdir", default=str(Path(__file__).parent / "out" / "search"))
    parser.add_argument("--queries", type=int, default=200, help="queries per class")
    parser.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--reuse", action="store_true", help="keep a Whoosh index built before")
    parser.add_argument("--cpu", action="store_true", help="time in CPU seconds of the process")
    parser.add_argument("--build-only", action="store_true",
                        help="build the three indexes, print their figures and stop")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    workdir = Path(args.workdir)
    if args.time_view:
        classes = json.loads((workdir / "queries.json").read_text(encoding="utf-8"))
        rows = view_rows(args.time_view, workdir, classes)
        print(json.dumps({"rows": [vars(r) for r in rows], "max_rss_kb": _peak_resident_kb()}))
        return

    started = time.perf_counter()
    books = database_library(args.db) if args.db else synthetic_library(args.synthetic)
    pages = sum(len(b.sections) for b in books)
    print(f"{len(books)} books, {pages} pages, "
          f"{sum(len(s.text) for b in books for s in b.sections) / max(pages, 1):.0f} chars/page "
          f"(loaded in {time.perf_counter() - started:.1f} s); load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    workdir.mkdir(parents=True, exist_ok=True)
    build(args, books, workdir)
    if args.build_only:
        print(f"load average after the builds: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return
    classes = query_classes(books, args.queries)
    (workdir / "queries.json").write_text(json.dumps(classes, ensure_ascii=False), encoding="utf-8")
    del books
    print(f"times: {'CPU' if args.cpu else 'wall'} ms, {args.queries} queries per class, each "
          f"view in its own process, cold; answer cache off except in the last view", flush=True)
    rows = []
    for view in VIEWS:
        view_found, peak = run_view(view, workdir, args.cpu)
        rows += view_found
        print(f"  {view}: done, peak resident {peak / 1024:.0f} MB", flush=True)
    report(rows)
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the indexing workers)."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def _peak_child_kb() -> int:
    """The largest finished child's peak (the indexing workers, forked: pages they share
    with this process count in it once touched)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def _peak_resident_kb() -> int:
    """VmHWM: unlike ru_maxrss it starts again at exec, so the parent's size is not counted."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*")) if path.is_dir() else path.stat().st_size


if __name__ == "__main__":
    main()
