"""Ingest benchmark: raw pypdfium2 and pypdf extraction against the project's import.

    python bench/ingest_bench.py [--library bench/out/library] [--limit N]

Prints pages/s for the same PDF files: raw pypdfium2 text extraction, raw pypdf text
extraction, and the project's end-to-end import (sniff, extraction in a child process,
stored file, database rows; then indexing, timed on its own and combined), with ratios.
The instance it builds (bench/out/instance, bench/out/index) feeds bench/search_bench.py.
"""
import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def raw_pdfium(files) -> int:
    import pypdfium2 as pdfium

    pages = 0
    for path in files:
        doc = pdfium.PdfDocument(str(path))
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        doc.close()
    return pages


def raw_pypdf(files) -> int:
    from pypdf import PdfReader

    pages = 0
    for path in files:
        for page in PdfReader(str(path)).pages:
            page.extract_text()
            pages += 1
    return pages


def timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    elapsed = time.perf_counter() - start
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default=str(HERE / "out" / "library"))
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--skip-pypdf", action="store_true", help="pypdf is slow: skip it")
    args = parser.parse_args()

    library = Path(args.library)
    if not (library / "manifest.csv").exists():
        print(f"No benchmark library in {library}: generating it (bench/make_library.py)…")
        subprocess.run([sys.executable, str(HERE / "make_library.py"), "--out", str(library)],
                       check=True)
    files = sorted(p for p in library.iterdir() if p.suffix in (".pdf", ".epub"))
    if args.limit:
        files = files[: args.limit]
    pdfs = [p for p in files if p.suffix == ".pdf"]
    print(f"{len(files)} files ({len(pdfs)} PDF, {len(files) - len(pdfs)} EPUB) in {library}")

    pdf_pages, t_pdfium = timed(raw_pdfium, pdfs)
    print(f"raw pypdfium2       {pdf_pages:7d} pages {t_pdfium:8.1f} s {pdf_pages / t_pdfium:8.0f} pages/s")
    if not args.skip_pypdf:
        _, t_pypdf = timed(raw_pypdf, pdfs)
        print(f"raw pypdf           {pdf_pages:7d} pages {t_pypdf:8.1f} s {pdf_pages / t_pypdf:8.0f} pages/s")

    out = Path(args.out)
    for folder in ("instance", "books", "index"):
        shutil.rmtree(out / folder, ignore_errors=True)
    from library import create_app
    from library.instance import prepare
    from library.catalog.manifest import lookup, read_manifest
    from library.ingest import ImportJob, import_files

    app = prepare(create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{out / 'instance' / 'library.db'}",
        "BOOKS_DIR": str(out / "books"), "INDEX_DIR": str(out / "index"),
        "SECRET_KEY": "benchmark",
    }))
    manifest = read_manifest(library / "manifest.csv")
    with app.app_context():
        def import_pdfs():
            jobs = [ImportJob(path, metadata=lookup(manifest, path, library)) for path in pdfs]
            return sum(result.failed for result in import_files(jobs))

        failed, t_import = timed(import_pdfs)
        print(f"project import      {pdf_pages:7d} pages {t_import:8.1f} s {pdf_pages / t_import:8.0f} pages/s"
              f"   ({failed} failed; two files parsed at once, each in a sandboxed child process; stored; rows)")
        indexed, t_index = timed(app.extensions["indexer"].drain)
        print(f"project indexing    {pdf_pages:7d} pages {t_index:8.1f} s {pdf_pages / t_index:8.0f} pages/s")
        t_total = t_import + t_index
        print(f"project end-to-end  {pdf_pages:7d} pages {t_total:8.1f} s {pdf_pages / t_total:8.0f} pages/s")
        print(f"ratio import / raw pypdfium2      {t_pdfium / t_import:.2f}x")
        print(f"ratio end-to-end / raw pypdfium2  {t_pdfium / t_total:.2f}x")
        if not args.skip_pypdf:
            print(f"ratio raw pypdfium2 / raw pypdf   {t_pypdf / t_pdfium:.1f}x")

        epubs = [p for p in files if p.suffix == ".epub"]
        if epubs:
            def import_epubs():
                jobs = [ImportJob(path, metadata=lookup(manifest, path, library)) for path in epubs]
                list(import_files(jobs))
                return app.extensions["indexer"].drain()

            _, t_epub = timed(import_epubs)
            print(f"EPUB import + index {len(epubs):7d} books {t_epub:8.1f} s")


if __name__ == "__main__":
    main()
