"""`flask --app wsgi books ocr [--missing] [--book ID]... [--force] [--page N]...`"""
from __future__ import annotations

import sys
from contextlib import ExitStack

import click
from flask import current_app

from library import tasks
from library.ocr import service


def ocr_books(book_ids: tuple[int, ...], missing: bool, force: bool, pages: tuple[int, ...]) -> int:
    """Recognise what is missing (or what is asked), here, with a progress bar; returns the
    count of pages that failed."""
    from library.tasks.queue import recover_stale
    from library.tasks.runner import max_attempts_of

    app = current_app._get_current_object()
    if pages and len(book_ids) != 1:
        raise click.UsageError("--page cần đúng một --book.")
    # A run cut short (kill -9, a restart) is taken up again here rather than after the
    # stale period: its finished pages stay, the rest is read now.
    recover_stale(app.config["JOBS_STALE_SECONDS"], max_attempts_of)
    if force or pages:
        chosen = list(book_ids) or service.books_with_scans()
        for book_id in chosen:
            service.rerun(book_id, list(pages) or None)
    else:  # --missing, the default: unfinished, failed or stopped pages, queued again
        chosen = service.books_missing(list(book_ids) or None)
        for book_id in chosen:
            service.rerun(book_id, missing_only=True)
    if not chosen:
        click.echo("Không có trang nào cần nhận dạng.")
        return 0
    failed = 0
    for book_id in chosen:
        failed += _run_one(app, book_id)
    return failed


def _run_one(app, book_id: int) -> int:
    before = service.progress(book_id)
    if before.total == 0:
        click.echo(f"#{book_id}: không có trang quét nào.")
        return 0
    task = tasks.status(service.task_key(book_id))
    with ExitStack() as stack:
        bar = None
        if sys.stderr.isatty():  # the bar on a terminal; the result lines stay on stdout
            bar = stack.enter_context(click.progressbar(
                length=before.total, label=f"Nhận dạng #{book_id}", file=sys.stderr, show_pos=True, show_eta=True))
            bar.update(before.done)
        seen = [before.done]

        def listener(done, total):
            if bar is not None:
                bar.update(done - seen[0])
            seen[0] = done

        if task is not None and task.status == "queued":
            tasks.run_now(app, task.id, listener=listener)
    after = service.progress(book_id)
    line = (f"#{book_id}: {after.done - len(after.failed)}/{after.total} trang đã nhận dạng"
            f" (recognised), {len(after.failed)} lỗi (failed)")
    if after.confidence is not None:
        line += f", độ tin cậy trung bình {after.confidence:.0f}%"
    click.echo(line)
    for failure in after.failed:
        click.echo(f"    trang {failure['page']}: {failure['reason']}")
    if after.low_confidence:
        pages = ", ".join(str(p["page"]) for p in after.low_confidence)
        click.echo(f"    chất lượng nhận dạng thấp (low confidence): trang {pages}")
    if after.status == "running":
        click.echo("    đang được một tiến trình khác nhận dạng (running elsewhere)")
    return len(after.failed)


def register(books_cli) -> None:
    @books_cli.command("ocr")
    @click.option("--missing", is_flag=True, help="Chỉ các trang quét chưa nhận dạng xong (mặc định).")
    @click.option("--book", "book_ids", type=int, multiple=True, help="Mã sách (có thể lặp lại).")
    @click.option("--force", is_flag=True, help="Nhận dạng lại cả các trang đã xong.")
    @click.option("--page", "pages", type=click.IntRange(1), multiple=True,
                  help="Chỉ trang này (với một --book; có thể lặp lại).")
    def ocr_command(missing, book_ids, force, pages):
        """Nhận dạng chữ (OCR) các trang quét: những gì còn thiếu, hoặc sách/trang được chỉ định."""
        from library.catalog.models import Book
        from library.extensions import db

        for book_id in book_ids:
            if db.session.get(Book, book_id) is None:
                raise click.UsageError(f"Không có sách mã {book_id}.")
        sys.exit(1 if ocr_books(book_ids, missing, force, pages) else 0)
