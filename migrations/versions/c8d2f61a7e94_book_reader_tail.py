"""book: the reader's tail of a PDF with a flat page tree (merges the three heads)

Revision ID: c8d2f61a7e94
Revises: 7c1e4b2a9d30, b41d7e2c9a10, e5a9c3d17f42
Create Date: 2026-11-23 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c8d2f61a7e94'
down_revision = ('7c1e4b2a9d30', 'b41d7e2c9a10', 'e5a9c3d17f42')
branch_labels = None
depends_on = None


def upgrade():
    # A stored file (books/reader/...) appended to the original when the reader fetches it:
    # an incremental update that balances the page tree. NULL: the reader gets the original.
    with op.batch_alter_table('book', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reader_tail_name', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('book', schema=None) as batch_op:
        batch_op.drop_column('reader_tail_name')
