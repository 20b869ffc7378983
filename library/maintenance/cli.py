"""`index check [--repair]`, `backup DIR`, `restore DIR [--force]`: one-liners over the services."""
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from library import indexing
from library.catalog.models import Book
from library.cli import index_cli
from library.database import upgrade_schema
from library.extensions import db
from library.instance import prepared
from library.maintenance import backup as backups
from library.maintenance import reconcile
from library.search import get_index


@index_cli.command("check")
@click.option("--repair", is_flag=True, help="Sửa những gì tìm thấy (mặc định chỉ báo cáo).")
@click.option("--grace", type=float, default=reconcile.DEFAULT_GRACE, show_default=True,
              help="Bỏ qua tệp và sách mới hơn số giây này: một lần nhập có thể đang chạy.")
def check_index(repair, grace):
    """So khớp tệp sách, cơ sở dữ liệu và chỉ mục tìm kiếm; --repair để sửa."""
    report = reconcile.check(grace, deep=True)
    if not report.to_repair and not report.lines():
        click.echo(_summary())
        click.echo("Không có gì cần sửa: tệp, cơ sở dữ liệu và chỉ mục khớp nhau.")
        sys.exit(0)
    for line in report.lines():
        click.echo(line)
    if repair and report.to_repair:
        reconcile.repair(report, echo=click.echo)
        report = reconcile.check(grace)
        for line in report.lines():
            click.echo(f"còn lại: {line}")
    elif report.to_repair:
        click.echo("Chạy lại với --repair để sửa.")
    click.echo(_summary())
    sys.exit(0 if report.consistent else 1)


def _summary() -> str:
    books = db.session.scalar(select(func.count(Book.id)))
    try:
        indexed = len(get_index().indexed_book_ids())
    except Exception:  # the report above already says why
        indexed = 0
    return f"{books} sách trong cơ sở dữ liệu, {indexed} sách trong chỉ mục."


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
@prepared
def backup_command(directory):
    """Sao lưu cơ sở dữ liệu, tệp sách và ảnh bìa vào DIRECTORY (kèm mã kiểm tra)."""
    try:
        outcome = backups.backup(Path(directory), Path(current_app.config["BOOKS_DIR"]))
    except backups.BackupError as exc:
        raise click.ClickException(exc.message) from exc
    for name in outcome.missing:
        click.echo(f"cảnh báo: thiếu tệp {name} (sách vẫn được sao lưu)", err=True)
    for name in outcome.mismatched:
        click.echo(f"cảnh báo: tệp {name} khác mã kiểm tra đã ghi khi nhập", err=True)
    click.echo(f"Đã sao lưu {outcome.books} sách, {outcome.files} tệp "
               f"({outcome.bytes / 1e6:.1f} MB) vào {directory}")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Ghi đè một bản cài đặt đã có dữ liệu "
                                            "(tệp cũ được chuyển vào quarantine/).")
@click.option("--no-index", is_flag=True, help="Không dựng lại chỉ mục tìm kiếm ngay.")
@with_appcontext
@prepared
def restore_command(directory, force, no_index):
    """Khôi phục một bản sao lưu vào bản cài đặt này, rồi dựng lại chỉ mục tìm kiếm."""
    try:
        outcome = backups.restore(Path(directory), Path(current_app.config["BOOKS_DIR"]), force)
    except backups.BackupError as exc:
        raise click.ClickException(exc.message) from exc
    upgrade_schema(current_app)  # a backup of an older schema is brought up to date
    click.echo(f"Đã khôi phục {outcome.books} sách, {outcome.files} tệp từ {directory}")
    if no_index:
        click.echo("Chưa dựng lại chỉ mục: chạy 'flask --app wsgi index rebuild'.")
    else:
        click.echo(f"Đã lập chỉ mục {indexing.rebuild()} cuốn sách.")


@click.command("db-copy")
@click.argument("source_url")
@with_appcontext
@prepared  # the target at the newest migration, as the source must be
def copy_command(source_url):
    """Chép mọi dòng dữ liệu từ SOURCE_URL (ví dụ sqlite:////đường/dẫn/library.db) vào cơ sở dữ liệu
    của bản cài đặt này (LIBRARY_DATABASE_URL), khi nó chưa có sách và tài khoản."""
    from library.maintenance.dbcopy import CopyError, copy_database

    try:
        counts = copy_database(source_url, echo=click.echo)
    except CopyError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Đã chép {sum(counts.values())} dòng của {len(counts)} bảng. "
               "Chạy 'flask --app wsgi index rebuild' trên mỗi máy chủ.")


def init_app(app: Flask) -> None:
    # `index check` joins the `index` group of library.cli when this module is imported.
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(copy_command)
