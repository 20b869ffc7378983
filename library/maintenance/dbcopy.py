"""Copy a library's rows from one database into this one (SQLite -> PostgreSQL, or back).

For moving a running SQLite library to PostgreSQL (deploy/README.md), and for the load
benchmark's library on PostgreSQL. Both databases must be at the same migration; the
target must hold no books or accounts. Rows go through the models' own column types, so
JSON, booleans and datetimes arrive as the target stores them; ids are kept (every link
between rows stays), and PostgreSQL's sequences are moved past the copied ids.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Integer, create_engine, func, insert, inspect, select, text

from library.cli_language import _
from library.database import database_url
from library.extensions import db

BATCH = 2000


class CopyError(Exception):
    """Why the copy cannot start; `message` is for the operator, in the command line's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _revisions(connection) -> set[str]:
    return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def copy_database(source_url: str, echo: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Every row of every table of the schema, in one transaction on the target."""
    from library.auth.models import User
    from library.catalog.models import Book

    source = create_engine(database_url(source_url))
    target = db.engine
    tables = db.metadata.sorted_tables  # parents before children
    try:
        with source.connect() as reading, target.connect() as writing:
            present = set(inspect(reading).get_table_names())
            if "alembic_version" not in present:
                raise CopyError(_("{url} không phải cơ sở dữ liệu của Tủ sách", url=source.url.render_as_string()))
            if _revisions(reading) != _revisions(writing):
                raise CopyError(_("Hai cơ sở dữ liệu khác phiên bản lược đồ: chạy ứng dụng một lần "
                                  "trên cơ sở dữ liệu nguồn để nâng cấp nó trước"))
            if writing.scalar(select(func.count(Book.id))) or writing.scalar(select(func.count(User.id))):
                raise CopyError(_("Cơ sở dữ liệu đích đã có sách hoặc tài khoản"))
            counts = {}
            writing.rollback()  # end the checks' transaction: the copy is one of its own
            with writing.begin():
                # Only rows the app makes for itself at start (the shelves) can be there.
                for table in reversed(tables):
                    writing.execute(table.delete())
                for table in tables:
                    if table.name not in present:
                        continue
                    counts[table.name] = _copy_table(reading, writing, table)
                    echo(f"{table.name}: {counts[table.name]}")
                if writing.dialect.name == "postgresql":
                    _move_sequences(writing, tables)
            return counts
    finally:
        source.dispose()


def _copy_table(reading, writing, table) -> int:
    copied = 0
    order = list(table.primary_key.columns) or list(table.columns)
    rows = reading.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*order))
    for batch in rows.mappings().partitions(BATCH):
        writing.execute(insert(table), [dict(row) for row in batch])
        copied += len(batch)
    return copied


def _move_sequences(writing, tables) -> None:
    """The next id PostgreSQL hands out follows the copied ones."""
    quote = writing.dialect.identifier_preparer.quote  # "user" is a reserved word
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = writing.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                      {"table": quote(table.name), "column": column.name})
            if sequence:
                writing.execute(text(f"SELECT setval(:sequence, COALESCE((SELECT max({quote(column.name)}) "
                                     f"FROM {quote(table.name)}), 0) + 1, false)"), {"sequence": sequence})
