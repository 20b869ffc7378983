"""book: PDFs labelled "no text layer" that have a page with text become searchable

The label was decided on the whole file (fewer than 20 letters: no text layer), so a PDF whose
one page says "Hello" was marked "không tìm kiếm được" while its text was indexed. It is now
decided page by page (library.extraction.scans.has_text); books imported before are brought in
line: one stored page with a letter makes the book searchable, and the warning goes.

Revision ID: 19b1a2c3d4e5
Revises: 18a1c0de5e1f
Create Date: 2026-12-03 14:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = '19b1a2c3d4e5'
down_revision = '18a1c0de5e1f'
branch_labels = None
depends_on = None

NO_TEXT = "không có lớp văn bản"  # in the warning extraction wrote (a migration keeps its words)


def _list(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def upgrade():
    bind = op.get_bind()
    book = sa.table('book', sa.column('id', sa.Integer), sa.column('searchable', sa.Boolean),
                    sa.column('warnings', sa.JSON))
    section = sa.table('section', sa.column('book_id', sa.Integer), sa.column('text', sa.Text))
    for row in bind.execute(sa.select(book.c.id, book.c.warnings)
                            .where(book.c.searchable.is_(False))).all():
        texts = bind.execute(sa.select(section.c.text).where(section.c.book_id == row.id)).scalars()
        if any(ch.isalpha() for text in texts for ch in (text or "")):
            warnings = [w for w in _list(row.warnings) if NO_TEXT not in str(w).lower()]
            bind.execute(book.update().where(book.c.id == row.id)
                         .values(searchable=True, warnings=warnings))


def downgrade():
    pass  # a label made right is not made wrong again
