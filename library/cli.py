"""Command line: `flask --app wsgi books|index|demo ...` — thin wrappers over the services."""
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from library import indexing
from library.catalog import queries
from library.catalog.manifest import ManifestError, lookup, read_manifest
from library.ingest import DUPLICATE, FAILED, IMPORTED
from library.instance import prepare_current, prepared
from library.jobs import runner

BOOK_SUFFIXES = {".pdf", ".epub"}
# Their commands work on the library: Click runs prepare_current (the schema, the key...) first.
books_cli = AppGroup("books", help="Nhập và quản lý sách.", callback=prepare_current)
index_cli = AppGroup("index", help="Chỉ mục tìm kiếm.", callback=prepare_current)


def collect_files(paths) -> list[Path]:
    """Files as given, and the PDF/EPUB files inside folders (recursively, sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in BOOK_SUFFIXES))
        else:
            found.append(path)
    return found


def _line(result) -> str:
    if result.status == IMPORTED:
        text = f"imported: {result.filename} → #{result.book_id} «{result.title}»"
        if result.ocr_pages:
            text += (f" — bản quét, {result.ocr_pages} trang chờ nhận dạng chữ"
                     f" (scan: {result.ocr_pages} pages queued for OCR)")
    elif result.status == DUPLICATE:
        text = f"duplicate: {result.filename} — {result.reason}"
    else:
        text = f"failed: {result.filename} — {result.reason}"
    return "".join([text, *(f"\n    cảnh báo: {w}" for w in result.warnings)])


def run_import(files, shelf, manifest, manifest_base, echo=click.echo) -> dict[str, int]:
    """Through the same job runner as uploads: a job with source "cli", run in this process."""
    counts = {IMPORTED: 0, DUPLICATE: 0, FAILED: 0}
    job = runner.create_cli_job(
        files, shelf=queries.shelf_by_slug(shelf) if shelf else None,
        metadata_for=lambda path: lookup(manifest, path, manifest_base) if manifest else None)
    with _progress(len(files)) as advance:
        def report(result):
            counts[result.status] += 1
            advance()
            echo(_line(result))

        runner.run_cli_job(job, on_result=report)
    if counts[IMPORTED]:
        click.echo("Đang lập chỉ mục tìm kiếm…", err=True)
        current_app.extensions["indexer"].drain()
    return counts


@contextmanager
def _progress(total: int):
    """A progress bar on a terminal (on stderr, so the per-file lines stay parseable)."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    with click.progressbar(length=total, label="Đang nhập", file=sys.stderr) as bar:
        yield lambda: bar.update(1)


@books_cli.command("import")
@click.option("--shelf", help="Mã tủ sách (slug), ví dụ hoc-tap-lam-theo-bac.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False),
              help="Bảng kê CSV: file,title,authors,shelf,year,publisher,description.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def import_books(shelf, manifest, paths):
    """Nhập các tệp PDF/EPUB hoặc cả thư mục."""
    if shelf and queries.shelf_by_slug(shelf) is None:
        slugs = ", ".join(s.shelf.slug for s in queries.shelves_with_counts())
        raise click.UsageError(f"Không có tủ sách «{shelf}». Các tủ sách: {slugs}")
    try:
        rows = read_manifest(manifest) if manifest else {}
    except ManifestError as exc:
        raise click.UsageError(str(exc)) from exc
    files = collect_files(paths)
    if not files:
        raise click.UsageError("Không có tệp PDF hoặc EPUB nào để nhập.")
    base = Path(manifest).parent if manifest else None
    counts = run_import(files, shelf, rows, base)
    click.echo(f"Tổng cộng {len(files)} tệp: {counts[IMPORTED]} đã nhập (imported), "
               f"{counts[DUPLICATE]} trùng lặp (duplicate), {counts[FAILED]} lỗi (failed).")
    sys.exit(1 if counts[FAILED] else 0)


@index_cli.command("rebuild")
def rebuild_index():
    """Dựng lại chỉ mục tìm kiếm từ cơ sở dữ liệu."""
    total = indexing.books_to_index()
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="Đang lập chỉ mục", file=sys.stderr) as bar:
            count = indexing.rebuild(progress=lambda done: bar.update(done - bar.pos))
    else:
        count = indexing.rebuild()
    click.echo(f"Đã lập chỉ mục {count} cuốn sách.")


@click.command("demo")
@prepared
def demo():
    """Tạo thư viện mẫu (ba tủ sách, tài khoản mẫu) cho một bản cài đặt trống."""
    from library.demo.install import fill_demo_library

    with tempfile.TemporaryDirectory() as workdir:
        fill_demo_library(Path(workdir), echo=click.echo)


def init_app(app: Flask) -> None:
    from library.ocr.cli import register as register_ocr

    register_ocr(books_cli)
    app.cli.add_command(books_cli)
    app.cli.add_command(index_cli)
    app.cli.add_command(demo)
