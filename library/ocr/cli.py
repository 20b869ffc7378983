"""`flask --app wsgi books ocr [--missing] [--book ID]... [--force] [--page N]...`"""
from __future__ import annotations

import sys
from contextlib import ExitStack

import click
from flask import current_app

from library import tasks
from library.cli_language import N_, _, ngettext, option, said
from library.ocr import service


def ocr_books(book_ids: tuple[int, ...], missing: bool, force: bool, pages: tuple[int, ...]) -> int:
    """Recognise what is missing (or what is asked), here, with a progress bar; returns the
    count of pages that failed."""
    from library.tasks.queue import recover_stale
    from library.tasks.runner import max_attempts_of

    app = current_app._get_current_object()
    if pages and len(book_ids) != 1:
        raise click.UsageError(_("--page cần đúng một --book."))
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
        click.echo(_("Không có trang nào cần nhận dạng."))
        return 0
    failed = 0
    for book_id in chosen:
        failed += _run_one(app, book_id)
    return failed


def _run_one(app, book_id: int) -> int:
    before = service.progress(book_id)
    if before.total == 0:
        click.echo(_("#{id}: không có trang quét nào.", id=book_id))
        return 0
    task = tasks.status(service.task_key(book_id))
    with ExitStack() as stack:
        bar = None
        if sys.stderr.isatty():  # the bar on a terminal; the result lines stay on stdout
            bar = stack.enter_context(click.progressbar(
                length=before.total, label=_("Nhận dạng #{id}", id=book_id), file=sys.stderr, show_pos=True, show_eta=True))
            bar.update(before.done)
        seen = [before.done]

        def listener(done, total):
            if bar is not None:
                bar.update(done - seen[0])
            seen[0] = done

        if task is not None and task.status == "queued":
            tasks.run_now(app, task.id, listener=listener)
    after = service.progress(book_id)
    line = ngettext("#{id}: {done}/{num} trang đã nhận dạng, {failed} lỗi",
                    "#{id}: {done}/{num} trang đã nhận dạng, {failed} lỗi", after.total,
                    id=book_id, done=after.done - len(after.failed), failed=len(after.failed))
    if after.confidence is not None:
        line += _(", độ tin cậy trung bình {confidence}%", confidence=round(after.confidence))
    click.echo(line)
    for failure in after.failed:
        click.echo("    " + _("trang {page}: {reason}", page=failure["page"], reason=said(failure["reason"])))
    if after.low_confidence:
        pages = ", ".join(str(p["page"]) for p in after.low_confidence)
        click.echo("    " + ngettext("chất lượng nhận dạng thấp: trang {pages}",
                                     "chất lượng nhận dạng thấp: trang {pages}",
                                     len(after.low_confidence), pages=pages))
    if after.status == "running":
        click.echo("    " + _("đang được một tiến trình khác nhận dạng"))
    return len(after.failed)


def register(books_cli) -> None:
    @books_cli.command("ocr", help=N_(
        "Nhận dạng chữ (OCR) các trang quét: những gì còn thiếu, hoặc sách/trang được chỉ định."))
    @option("--missing", is_flag=True, help=N_("Chỉ các trang quét chưa nhận dạng xong (mặc định)."))
    @option("--book", "book_ids", type=int, multiple=True, help=N_("Mã sách (có thể lặp lại)."))
    @option("--force", is_flag=True, help=N_("Nhận dạng lại cả các trang đã xong."))
    @option("--page", "pages", type=click.IntRange(1), multiple=True,
            help=N_("Chỉ trang này (với một --book; có thể lặp lại)."))
    def ocr_command(missing, book_ids, force, pages):
        """Recognise scanned pages: what is missing, or the books and pages asked for."""
        from library.catalog.models import Book
        from library.extensions import db

        for book_id in book_ids:
            if db.session.get(Book, book_id) is None:
                raise click.UsageError(_("Không có sách mã {id}.", id=book_id))
        sys.exit(1 if ocr_books(book_ids, missing, force, pages) else 0)
