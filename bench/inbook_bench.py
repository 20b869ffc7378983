"""Search inside one book: GET /api/books/<id>/search's engine call on a 600-page book.

    python bench/inbook_bench.py                  # a 600-page book among 40 others (10,600 pages)
    python bench/inbook_bench.py --other-books 0  # the book alone

Builds a Whoosh index of synthetic Vietnamese pages (bench/search_corpus.py), then times
library.search.inbook.search_in_book for queries of several kinds taken from the book's own
text: every query answered anew (the answer cache emptied before each), then again from the
cache. The reference beside it, in the same run: SearchIndex.search_hits, what /api/search
costs for the same query over the whole library. Prints p50/p95/max in ms. Not a timed test.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from library.search import BookDocument, SearchIndex, SectionText  # noqa: E402
from library.search.analysis import syllable_runs  # noqa: E402
from library.search.inbook import search_in_book  # noqa: E402
from library.vietnamese import fold  # noqa: E402
from search_corpus import Corpus  # noqa: E402

BOOK_ID = 1
OTHER_PAGES = 250


def library(pages: int, others: int, seed: int) -> list[BookDocument]:
    corpus = Corpus(seed)

    def book(book_id: int, count: int) -> BookDocument:
        sections = [SectionText(n, corpus.page(), page=n) for n in range(1, count + 1)]
        return BookDocument(book_id, corpus.title(), [corpus.author()], "chi-bo-dien-tu", 2024,
                            "application/pdf", datetime(2024, 1, 1), sections)

    return [book(BOOK_ID, pages)] + [book(BOOK_ID + 1 + n, OTHER_PAGES) for n in range(others)]


def queries(doc: BookDocument, count: int, seed: int = 5) -> dict[str, list[str]]:
    rng = random.Random(seed)
    runs = [run for s in doc.sections for run in syllable_runs(s.text) if len(run) >= 4]
    kinds: dict[str, list[str]] = {"1 syllable": [], "2-3 syllables, folded": [],
                                   "2-3 syllables, exact": [], "quoted phrase, 3-4": []}
    for _ in range(count):
        run = rng.choice(runs)
        kinds["1 syllable"].append(rng.choice(run))
        start = rng.randrange(len(run) - 3)
        kinds["2-3 syllables, folded"].append(fold(" ".join(run[start:start + rng.randint(2, 3)])))
        kinds["2-3 syllables, exact"].append(" ".join(run[start:start + rng.randint(2, 3)]))
        kinds["quoted phrase, 3-4"].append('"' + " ".join(run[start:start + rng.randint(3, 4)]) + '"')
    return kinds


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return f"p50 {statistics.median(times):6.1f}  p95 {p95:6.1f}  max {times[-1]:6.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--other-books", type=int, default=40)
    parser.add_argument("--queries", type=int, default=60, help="per kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="inbook-bench-"))
    try:
        books = library(args.pages, args.other_books, args.seed)
        index = SearchIndex(str(folder / "index"))
        start = time.perf_counter()
        index.rebuild(books)
        print(f"index: {sum(len(b.sections) for b in books)} pages in {len(books)} books, "
              f"built in {time.perf_counter() - start:.1f} s; the book: {args.pages} pages")
        kinds = queries(books[0], args.queries)
        for query in [q for qs in kinds.values() for q in qs[:5]]:  # warm the process up
            search_in_book(index, query, BOOK_ID)
        print(f"{'kind':24} {'in book, answered anew':34} {'in book, from cache':34} "
              f"{'reference: /api/search, anew':34} hits (median)")
        for kind, asked in kinds.items():
            anew, cached, reference, hits = [], [], [], []
            for query in asked:
                index.results._items.clear()
                anew.append(timed(lambda: hits.append(search_in_book(index, query, BOOK_ID).total)))
                cached.append(timed(lambda: search_in_book(index, query, BOOK_ID)))
                index.results._items.clear()
                reference.append(timed(lambda: index.search_hits(query)))
            print(f"{kind:24} {summary(anew):34} {summary(cached):34} {summary(reference):34} "
                  f"{statistics.median(hits):.0f}")
        index.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
