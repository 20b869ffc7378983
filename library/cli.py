"""Command line: `flask --app wsgi books|index|demo ...` — thin wrappers over the services."""
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app

from library import indexing
from library.catalog import queries
from library.catalog.manifest import ManifestError, lookup, read_manifest
from library.cli_language import N_, Group, _, command, ngettext, option, said
from library.ingest import DUPLICATE, FAILED, IMPORTED
from library.instance import prepare_current, prepared
from library.jobs import runner

BOOK_SUFFIXES = {".pdf", ".epub"}
# Their commands work on the library: Click runs prepare_current (the schema, the key...) first.
books_cli = Group("books", help=N_("Nhập và quản lý sách."), callback=prepare_current)
index_cli = Group("index", help=N_("Chỉ mục tìm kiếm."), callback=prepare_current)


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
    """`imported:`, `duplicate:` or `failed:` (for programs, in every language), the file,
    then what a person reads, in the command line's language."""
    if result.status == IMPORTED:
        text = f"imported: {result.filename} → #{result.book_id} «{result.title}»"
        if result.ocr_pages:
            text += " — " + ngettext("bản quét, {num} trang chờ nhận dạng chữ",
                                     "bản quét, {num} trang chờ nhận dạng chữ", result.ocr_pages)
    elif result.status == DUPLICATE:
        text = f"duplicate: {result.filename} — {_duplicate_reason(result)}"
    else:
        text = f"failed: {result.filename} — {said(result.reason)}"
    return "".join([text, *("\n    " + _("cảnh báo: {warning}", warning=said(w))
                            for w in result.warnings)])


def _duplicate_reason(result) -> str:
    if result.book_id is None:  # imported by another process a moment ago
        return said(result.reason)
    return _("trùng lặp với «{title}» (mã {id})", title=result.title, id=result.book_id)


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
        click.echo(_("Đang lập chỉ mục tìm kiếm…"), err=True)
        current_app.extensions["indexer"].drain()
    return counts


@contextmanager
def _progress(total: int):
    """A progress bar on a terminal (on stderr, so the per-file lines stay parseable)."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    with click.progressbar(length=total, label=_("Đang nhập"), file=sys.stderr) as bar:
        yield lambda: bar.update(1)


@books_cli.command("import", help=N_("Nhập các tệp PDF/EPUB hoặc cả thư mục; mã thoát 1 khi có tệp lỗi."))
@option("--shelf", help=N_("Mã tủ sách (slug), ví dụ hoc-tap-lam-theo-bac."))
@option("--manifest", type=click.Path(exists=True, dir_okay=False),
        help=N_("Bảng kê CSV: file,title,authors,shelf,year,publisher,description."))
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def import_books(shelf, manifest, paths):
    """Import PDF/EPUB files or whole folders; exit status 1 when a file failed."""
    if shelf and queries.shelf_by_slug(shelf) is None:
        slugs = ", ".join(s.shelf.slug for s in queries.shelves_with_counts())
        raise click.UsageError(_("Không có tủ sách «{shelf}». Các tủ sách: {slugs}",
                                 shelf=shelf, slugs=slugs))
    try:
        rows = read_manifest(manifest) if manifest else {}
    except ManifestError as exc:
        raise click.UsageError(said(str(exc))) from exc
    files = collect_files(paths)
    if not files:
        raise click.UsageError(_("Không có tệp PDF hoặc EPUB nào để nhập."))
    base = Path(manifest).parent if manifest else None
    counts = run_import(files, shelf, rows, base)
    click.echo(ngettext("Tổng cộng {num} tệp: {imported} đã nhập, {duplicate} trùng lặp, {failed} lỗi.",
                        "Tổng cộng {num} tệp: {imported} đã nhập, {duplicate} trùng lặp, {failed} lỗi.",
                        len(files), imported=counts[IMPORTED], duplicate=counts[DUPLICATE],
                        failed=counts[FAILED]))
    sys.exit(1 if counts[FAILED] else 0)


@index_cli.command("rebuild", help=N_("Dựng lại chỉ mục tìm kiếm từ tệp sách và cơ sở dữ liệu."))
def rebuild_index():
    """Rebuild the search index from the stored files and the database."""
    total = indexing.books_to_index()
    if sys.stderr.isatty():
        with click.progressbar(length=total, label=_("Đang lập chỉ mục"), file=sys.stderr) as bar:
            count = indexing.rebuild(progress=lambda done: bar.update(done - bar.pos))
    else:
        count = indexing.rebuild()
    click.echo(ngettext("Đã lập chỉ mục {num} cuốn sách.", "Đã lập chỉ mục {num} cuốn sách.", count))


@command("demo", help=N_("Tạo thư viện mẫu (ba tủ sách, tài khoản mẫu) cho một bản cài đặt trống."))
@prepared
def demo():
    """Fill an empty instance with the demo library and one account per role."""
    from library.demo.install import fill_demo_library

    with tempfile.TemporaryDirectory() as workdir:
        fill_demo_library(Path(workdir), echo=click.echo)


def init_app(app: Flask) -> None:
    from library.ocr.cli import register as register_ocr

    register_ocr(books_cli)
    app.cli.add_command(books_cli)
    app.cli.add_command(index_cli)
    app.cli.add_command(demo)
