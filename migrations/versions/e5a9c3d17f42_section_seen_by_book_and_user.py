"""section_seen: a covering index by book, then user, for the reading list reports

Revision ID: e5a9c3d17f42
Revises: 29fa8a2209ec
Create Date: 2026-11-23 08:20:00

The organisation overview counts, per member, the pages seen of a few books read by
thousands: with (book_id, user_id, position, to_end) SQLite walks each book's entries in
user order straight from the index, without a table lookup or a sort per row.
"""
from alembic import op


revision = 'e5a9c3d17f42'
down_revision = '29fa8a2209ec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('section_seen', schema=None) as batch_op:
        batch_op.create_index('ix_section_seen_book_user_position',
                              ['book_id', 'user_id', 'position', 'to_end'], unique=False)


def downgrade():
    with op.batch_alter_table('section_seen', schema=None) as batch_op:
        batch_op.drop_index('ix_section_seen_book_user_position')
