"""Recognition benchmark: how well and how fast scanned Vietnamese pages become searchable.

    python bench/ocr_bench.py [--pages 6] [--speed-pages 10] [--out DIR]

Pages of known Vietnamese text (the demo generator's sentences) are typeset with DejaVu Sans
into pictures at 150, 200 and 300 dpi, with a slight skew, blur, speckle and JPEG compression
(library.demo.scans), and wrapped as image-only PDFs. Then, in one run:

1. quality per resolution: each book imported into a fresh instance and recognised by the
   project's pipeline (sandboxed tesseract, text rules, storage, indexing, reader layer);
   character error rate against the known text, with diacritics and folded (without them),
   and the share of planted phrases (four syllables from each page, as a quoted phrase) that
   GET /api/search finds at the right page;
2. speed, both cores busy: the raw `tesseract` command on the very page images the pipeline
   reads (same resolution, model, page segmentation and outputs: TSV + text-only PDF), two at
   once, against the whole pipeline with two pages at once; the largest resident size of any
   recognition process; and /api/search's latency in the same process, idle and while a
   book is being recognised.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

RESOLUTIONS = (150, 200, 300)


def make_app(root: Path, **extra):
    from library import create_app
    from library.instance import prepare

    return prepare(create_app({
        "TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True, "JOBS_BACKGROUND": False, **extra,
    }))


def token_for(app) -> dict:
    from library.auth.accounts import create_user
    from library.auth.tokens import issue_token
    from library.extensions import db

    with app.app_context():
        user = create_user("bench", "librarian", branch_code="BENCH")
        db.session.commit()
        raw = issue_token(user, "bench")
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def book_pages(seed: int, count: int) -> list[list[str]]:
    from library.demo import text

    rng = random.Random(seed)
    return [text.paragraphs(rng, 4) for _ in range(count)]


def write_book(path: Path, pages, dpi: int) -> list[str]:
    """The scanned book; returns each page's text as set (the ground truth)."""
    from library.demo.scans import ScanStyle, write_scanned_book

    drawn: list[list[str]] = []
    write_scanned_book(path, pages, ScanStyle(dpi=dpi), drawn=drawn)
    return [" ".join(lines) for lines in drawn]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, row by row (pages are a couple of thousand characters)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(truth: str, read: str) -> float:
    truth, read = " ".join(truth.split()), " ".join(read.split())
    return edit_distance(truth, read) / max(1, len(truth))


def planted_phrases(truths: list[str], rng: random.Random) -> list[tuple[int, str]]:
    """(page, four syllables of that page's text found on no other page)."""
    from library.vietnamese import fold

    folded = [fold(t) for t in truths]
    phrases = []
    for page, truth in enumerate(truths, start=1):
        words = [w.strip(".,;:!?()\"“”") for w in truth.split()]
        for _ in range(50):
            start = rng.randrange(0, max(1, len(words) - 4))
            phrase = " ".join(words[start:start + 4])
            key = fold(phrase)
            if len(phrase) > 12 and sum(key in f for f in folded) == 1:
                phrases.append((page, phrase))
                break
    return phrases


def quality(dpi: int, pages, folder: Path) -> dict:
    from sqlalchemy import select

    from library import tasks
    from library.catalog.models import Section
    from library.extensions import db
    from library.ingest import import_file
    from library.vietnamese import fold

    root = folder / f"q{dpi}"
    root.mkdir()
    truths = write_book(root / f"scan-{dpi}.pdf", pages, dpi)
    app = make_app(root)
    headers = token_for(app)
    with app.app_context():
        book_id = import_file(root / f"scan-{dpi}.pdf").book_id
    started = time.perf_counter()
    tasks.run_until_idle(app)
    seconds = time.perf_counter() - started
    with app.app_context():
        texts = dict(db.session.execute(select(Section.position, Section.text)
                                        .where(Section.book_id == book_id)).all())
    errors = [cer(t, texts.get(n, "")) for n, t in enumerate(truths, start=1)]
    folded = [cer(fold(t), fold(texts.get(n, ""))) for n, t in enumerate(truths, start=1)]
    client = app.test_client()
    phrases = planted_phrases(truths, random.Random(dpi))
    found = 0
    for page, phrase in phrases:
        hits = client.get("/api/search", query_string={"q": f'"{phrase}"'}, headers=headers).json["hits"]
        found += any(h["book_id"] == book_id and h["page"] == page for h in hits)
    return {"dpi": dpi, "cer": statistics.mean(errors), "cer_folded": statistics.mean(folded),
            "worst": max(errors), "found": found, "phrases": len(phrases), "seconds": seconds,
            "pages": len(truths)}


def page_images(pdf: Path, folder: Path, dpi_setting: int) -> list[tuple[Path, int]]:
    """The pictures the pipeline gives tesseract: rendered as library.ocr.worker does."""
    import pypdfium2 as pdfium

    from library.ocr.worker import _largest_image, render_size, scan_resolution

    out = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(doc)):
            page = doc[index]
            _, native = _largest_image(page)
            dpi = render_size(*page.get_size(), scan_resolution(dpi_setting, native), 40_000_000)
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            path = folder / f"page-{index + 1}.pgm"
            image.save(path, "PPM")
            out.append((path, dpi))
            page.close()
    finally:
        doc.close()
    return out


def raw_tesseract(images, folder: Path) -> float:
    def one(item):
        path, dpi = item
        subprocess.run(["tesseract", str(path), str(folder / path.stem), "-l", "vie", "--dpi", str(dpi),
                        "--psm", "3", "-c", "textonly_pdf=1", "tsv", "pdf"],
                       check=True, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})

    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, images))
    return time.perf_counter() - started


def search_latency(client, headers, stop: threading.Event, samples: list[float], queries) -> None:
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        client.get("/api/search", query_string={"q": queries[i % len(queries)]}, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        i += 1
        stop.wait(0.2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def speed(pages, folder: Path) -> dict:
    from library import tasks
    from library.ingest import import_file

    root = folder / "speed"
    root.mkdir()
    pdf = root / "speed.pdf"
    write_book(pdf, pages, 200)
    images = page_images(pdf, root, 300)
    raw_first = raw_tesseract(images, root)

    app = make_app(root, OCR_WORKERS=2)
    headers = token_for(app)
    client = app.test_client()
    with app.app_context():
        from library.demo import write_pdf

        # Something to search: a typeset book, indexed before the scan arrives.
        write_pdf(root / "typeset.pdf", "Sổ tay đảng viên", ["Ban Tổ chức"], 2024,
                  ["Chi bộ sinh hoạt định kỳ, đảng viên gương mẫu, thực hành tiết kiệm. " * 20] * 20)
        import_file(root / "typeset.pdf")
    queries = ["đảng viên", "sinh hoat dinh ky", "tiết kiệm", "guong mau"]
    idle: list[float] = []
    stop = threading.Event()
    for _ in range(40):
        started = time.perf_counter()
        client.get("/api/search", query_string={"q": queries[len(idle) % 4]}, headers=headers)
        idle.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    with app.app_context():
        import_file(pdf)
    busy: list[float] = []
    watcher = threading.Thread(target=search_latency, args=(client, headers, stop, busy, queries))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    watcher.start()
    tasks.run_until_idle(app)
    pipeline = time.perf_counter() - started
    stop.set()
    watcher.join()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    raw_second = raw_tesseract(images, root)
    return {"pages": len(pages), "raw": (raw_first + raw_second) / 2, "raw_runs": (raw_first, raw_second),
            "pipeline": pipeline, "peak_mb": max(before, peak_kb) / 1024,
            "idle_ms": (percentile(idle, 0.5), percentile(idle, 0.95)),
            "busy_ms": (percentile(busy, 0.5), percentile(busy, 0.95)), "busy_n": len(busy),
            "dpi": images[0][1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=6, help="pages per resolution for the error rates")
    parser.add_argument("--speed-pages", type=int, default=10, help="pages of the speed run (200 dpi)")
    parser.add_argument("--out", help="keep the books and instances here (default: a temporary folder)")
    args = parser.parse_args()
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"{version}, model vie; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as temp:
        folder = Path(args.out) if args.out else Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        print("\nQuality (A5 pages, skew ±0.6°, blur, speckle, JPEG q75; pipeline at its defaults):")
        print(f"{'dpi':>5} {'pages':>6} {'CER':>7} {'CER folded':>11} {'worst page':>11} {'phrases found':>14}")
        for dpi in RESOLUTIONS:
            row = quality(dpi, book_pages(dpi, args.pages), folder)
            print(f"{row['dpi']:>5} {row['pages']:>6} {row['cer']:>7.2%} {row['cer_folded']:>11.2%} "
                  f"{row['worst']:>11.2%} {row['found']:>6}/{row['phrases']:<7}")
        row = speed(book_pages(7, args.speed_pages), folder)
        raw_rate, pipe_rate = row["pages"] / row["raw"], row["pages"] / row["pipeline"]
        print(f"\nSpeed, {row['pages']} pages scanned at 200 dpi (read at {row['dpi']} dpi), two at once:")
        print(f"  raw tesseract CLI (TSV + text-only PDF): {raw_rate:.3f} pages/s "
              f"(runs {row['raw_runs'][0]:.1f} s, {row['raw_runs'][1]:.1f} s)  1.00×")
        print(f"  project pipeline (render in sandbox, tesseract, text, store, index, reader layer): "
              f"{pipe_rate:.3f} pages/s ({row['pipeline']:.1f} s)  {pipe_rate / raw_rate:.2f}×")
        print(f"  a 300-page scan at this rate: {300 / pipe_rate / 60:.1f} min (extrapolated)")
        print(f"  largest resident size of a recognition process: {row['peak_mb']:.0f} MB")
        print(f"  /api/search in the same process, p50 / p95 ms: idle {row['idle_ms'][0]:.1f} / "
              f"{row['idle_ms'][1]:.1f}, while recognising {row['busy_ms'][0]:.1f} / {row['busy_ms'][1]:.1f} "
              f"({row['busy_n']} requests)")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
