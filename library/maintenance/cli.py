"""`index check [--repair]`, `index prune`, `backup DIR`, `restore DIR [--force]`: one-liners over the services."""
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from library import indexing
from library.catalog.models import Book
from library.indexing import pruning
from library.cli import index_cli
from library.cli_language import N_, _, command, ngettext, option, said
from library.database import upgrade_schema
from library.extensions import db
from library.instance import prepared
from library.maintenance import backup as backups
from library.maintenance import reconcile
from library.search import get_index


@index_cli.command("check", help=N_("So khớp tệp sách, cơ sở dữ liệu và chỉ mục tìm kiếm; --repair để sửa."))
@option("--repair", is_flag=True, help=N_("Sửa những gì tìm thấy (mặc định chỉ báo cáo)."))
@option("--grace", type=float, default=reconcile.DEFAULT_GRACE, show_default=True,
        help=N_("Bỏ qua tệp và sách mới hơn số giây này: một lần nhập có thể đang chạy."))
def check_index(repair, grace):
    """Compare the stored files, the database and the index; exit status 1 while they differ."""
    report = reconcile.check(grace, deep=True)
    if not report.to_repair and not report.lines():
        click.echo(_summary())
        click.echo(_("Không có gì cần sửa: tệp, cơ sở dữ liệu và chỉ mục khớp nhau."))
        sys.exit(0)
    for line in report.lines():
        click.echo(line)
    if repair and report.to_repair:
        reconcile.repair(report, echo=click.echo)
        report = reconcile.check(grace)
        for line in report.lines():
            click.echo(_("còn lại: {problem}", problem=line))
    elif report.to_repair:
        click.echo(_("Chạy lại với --repair để sửa."))
    click.echo(_summary())
    sys.exit(0 if report.consistent else 1)


def _summary() -> str:
    books = db.session.scalar(select(func.count(Book.id)))
    try:
        indexed = len(get_index().indexed_book_ids())
    except Exception:  # the report above already says why
        indexed = 0
    return _("{books} sách trong cơ sở dữ liệu, {indexed} sách trong chỉ mục.", books=books, indexed=indexed)


@index_cli.command("prune", help=N_(
    "Xoá khỏi nhật ký thay đổi của chỉ mục những thay đổi mọi máy chủ đã áp dụng và cũ hơn thời "
    "gian lưu giữ (LIBRARY_INDEX_LOG_RETENTION_DAYS); cho biết máy chủ nào đang giữ lại phần còn lại."))
@option("--days", type=click.FloatRange(min=0, min_open=True),
        help=N_("Giữ số ngày này thay vì thời gian lưu giữ đã cấu hình (ít nhất 30 phút vẫn được giữ)."))
def prune_index_log(days):
    """Prune the index change log now, as the background runner does every hour."""
    outcome = pruning.prune(timedelta(days=days) if days else None)
    click.echo(ngettext("Đã xoá {num} thay đổi khỏi nhật ký của chỉ mục.",
                        "Đã xoá {num} thay đổi khỏi nhật ký của chỉ mục.", outcome.dropped))
    if not outcome.reported:
        click.echo(_("Chưa máy chủ nào báo đã áp dụng nhật ký đến đâu: mọi thay đổi được giữ lại."))
    if outcome.forgotten:
        click.echo(ngettext("Thôi chờ {num} máy chủ im lặng lâu hơn thời gian lưu giữ: {hosts}.",
                            "Thôi chờ {num} máy chủ im lặng lâu hơn thời gian lưu giữ: {hosts}.",
                            len(outcome.forgotten), hosts=", ".join(outcome.forgotten)))
    for host in outcome.behind:
        click.echo(ngettext(
            "Máy chủ {host} mới áp dụng đến thay đổi số {position} (báo lúc {seen} UTC): "
            "{num} thay đổi đủ cũ để xoá được giữ lại cho nó.",
            "Máy chủ {host} mới áp dụng đến thay đổi số {position} (báo lúc {seen} UTC): "
            "{num} thay đổi đủ cũ để xoá được giữ lại cho nó.",
            host.held, host=host.host, position=host.position, seen=f"{host.seen_at:%Y-%m-%d %H:%M}"))
    if outcome.reported and not outcome.behind:
        click.echo(_("Các thay đổi mới hơn {days} ngày được giữ lại (LIBRARY_INDEX_LOG_RETENTION_DAYS).",
                     days=f"{days if days else pruning.retention().total_seconds() / 86400:g}"))


@command("backup", help=N_("Sao lưu cơ sở dữ liệu, tệp sách và ảnh bìa vào DIRECTORY (kèm mã kiểm tra)."))
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
@prepared
def backup_command(directory):
    """Back up the database, the book files and the covers into DIRECTORY, with checksums."""
    try:
        outcome = backups.backup(Path(directory), Path(current_app.config["BOOKS_DIR"]))
    except backups.BackupError as exc:
        raise click.ClickException(said(exc.message)) from exc
    for name in outcome.missing:
        click.echo(_("cảnh báo: thiếu tệp {name} (sách vẫn được sao lưu)", name=name), err=True)
    for name in outcome.mismatched:
        click.echo(_("cảnh báo: tệp {name} khác mã kiểm tra đã ghi khi nhập", name=name), err=True)
    click.echo(_("Đã sao lưu {books} sách, {files} tệp ({size} MB) vào {directory}", books=outcome.books,
                 files=outcome.files, size=round(outcome.bytes / 1e6, 1), directory=directory))


@command("restore", help=N_("Khôi phục một bản sao lưu vào bản cài đặt này, rồi dựng lại chỉ mục tìm kiếm."))
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@option("--force", is_flag=True,
        help=N_("Ghi đè một bản cài đặt đã có dữ liệu (tệp cũ được chuyển vào quarantine/)."))
@option("--no-index", is_flag=True, help=N_("Không dựng lại chỉ mục tìm kiếm ngay."))
@with_appcontext
@prepared
def restore_command(directory, force, no_index):
    """Restore a backup into this instance, then rebuild the search index."""
    try:
        outcome = backups.restore(Path(directory), Path(current_app.config["BOOKS_DIR"]), force)
    except backups.BackupError as exc:
        raise click.ClickException(said(exc.message)) from exc
    upgrade_schema(current_app)  # a backup of an older schema is brought up to date
    pruning.after_restore()  # the backup's hosts hold the change log back a grace period, no more
    click.echo(_("Đã khôi phục {books} sách, {files} tệp từ {directory}",
                 books=outcome.books, files=outcome.files, directory=directory))
    if no_index:
        click.echo(_("Chưa dựng lại chỉ mục: chạy 'flask --app wsgi index rebuild'."))
    else:
        count = indexing.rebuild()
        click.echo(ngettext("Đã lập chỉ mục {num} cuốn sách.", "Đã lập chỉ mục {num} cuốn sách.", count))


@command("db-copy", help=N_(
    "Chép mọi dòng dữ liệu từ SOURCE_URL (ví dụ sqlite:////đường/dẫn/library.db) vào cơ sở dữ liệu "
    "của bản cài đặt này (LIBRARY_DATABASE_URL), khi nó chưa có sách và tài khoản."))
@click.argument("source_url")
@with_appcontext
@prepared  # the target at the newest migration, as the source must be
def copy_command(source_url):
    """Copy every row from SOURCE_URL into this instance's empty database."""
    from library.maintenance.dbcopy import CopyError, copy_database

    try:
        counts = copy_database(source_url, echo=click.echo)
    except CopyError as exc:
        raise click.ClickException(said(exc.message)) from exc
    click.echo(ngettext("Đã chép {rows} dòng của {num} bảng. Chạy 'flask --app wsgi index rebuild' trên mỗi máy chủ.",
                        "Đã chép {rows} dòng của {num} bảng. Chạy 'flask --app wsgi index rebuild' trên mỗi máy chủ.",
                        len(counts), rows=sum(counts.values())))


def init_app(app: Flask) -> None:
    # `index check` joins the `index` group of library.cli when this module is imported.
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(copy_command)
