"""index_change: the log each host's index replica follows

Revision ID: 12a2c4a9e7b1
Revises: 12a1c0de5e01
Create Date: 2026-12-03 10:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '12a2c4a9e7b1'
down_revision = '12a1c0de5e01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'index_change',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_index_change_book', 'index_change', ['book_id'])
    # Books still waiting under the old mechanism ('pending', or claimed as 'indexing') are
    # the log's first changes; a claim is no longer a status.
    op.execute("INSERT INTO index_change (book_id, kind, created_at) "
               "SELECT id, 'update', CURRENT_TIMESTAMP FROM book "
               "WHERE index_status IN ('pending', 'indexing') ORDER BY id")
    op.execute("UPDATE book SET index_status = 'pending' WHERE index_status = 'indexing'")


def downgrade():
    op.drop_table('index_change')
