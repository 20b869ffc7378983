"""book: details stored before the limits existed brought within them (title, authors...)

A 200,000-character title or 30,000 authors taken in by an older version would stay on every
home page: they are cut as a file's own values are at import (library.catalog.limits), with
the same warning on the book.

Revision ID: 17b8d4f2a6c3
Revises: 17a3e5c9b2d1
Create Date: 2026-12-03 11:20:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = '17b8d4f2a6c3'
down_revision = '17a3e5c9b2d1'
branch_labels = None
depends_on = None

# The limits as they were written here (a migration must not change with the code).
MAX_TITLE, MAX_AUTHORS, MAX_AUTHOR, MAX_PUBLISHER, MAX_DESCRIPTION = 500, 30, 200, 300, 20_000
WARNING = ("Thông tin trong tệp quá dài, đã được cắt bớt (tên sách, tác giả, nhà xuất bản "
           "hoặc giới thiệu)")


def _cut(text, limit):
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _authors(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def upgrade():
    bind = op.get_bind()
    book = sa.table('book', sa.column('id', sa.Integer), sa.column('title', sa.String),
                    sa.column('authors', sa.JSON), sa.column('publisher', sa.String),
                    sa.column('description', sa.Text), sa.column('warnings', sa.JSON))
    rows = bind.execute(sa.select(book).where(sa.or_(
        sa.func.length(book.c.title) > MAX_TITLE,
        sa.func.length(sa.cast(book.c.authors, sa.Text)) > MAX_AUTHORS * 4,
        sa.func.length(book.c.publisher) > MAX_PUBLISHER,
        sa.func.length(book.c.description) > MAX_DESCRIPTION))).all()
    for row in rows:
        authors = _authors(row.authors)
        values = {
            'title': _cut(row.title, MAX_TITLE),
            'authors': [_cut(a, MAX_AUTHOR) for a in authors[:MAX_AUTHORS]],
            'publisher': _cut(row.publisher, MAX_PUBLISHER),
            'description': _cut(row.description, MAX_DESCRIPTION),
        }
        if values == {'title': row.title, 'authors': authors, 'publisher': row.publisher,
                      'description': row.description}:
            continue
        warnings = _authors(row.warnings)
        if WARNING not in warnings:
            warnings.append(WARNING)
        bind.execute(book.update().where(book.c.id == row.id).values(warnings=warnings, **values))


def downgrade():
    pass  # what was cut is not kept anywhere
