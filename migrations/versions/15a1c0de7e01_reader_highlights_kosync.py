"""reader: highlights and notes, KOReader sync (document digests, progress, token keys)

Revision ID: 15a1c0de7e01
Revises: c8d2f61a7e94
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '15a1c0de7e01'
down_revision = 'c8d2f61a7e94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'highlight',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('exact', sa.Text(), nullable=False),
        sa.Column('prefix', sa.String(length=200), nullable=False),
        sa.Column('suffix', sa.String(length=200), nullable=False),
        sa.Column('color', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['book_id'], ['book.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_highlight_user_book', 'highlight', ['user_id', 'book_id', 'position'])
    op.create_table(
        'book_digest',
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=100), nullable=False),
        sa.Column('partial_md5', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['book_id'], ['book.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('book_id'),
    )
    op.create_index('ix_book_digest_partial_md5', 'book_digest', ['partial_md5'])
    op.create_table(
        'kosync_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('document', sa.String(length=64), nullable=False),
        sa.Column('progress', sa.Text(), nullable=False),
        sa.Column('percentage', sa.Float(), nullable=False),
        sa.Column('device', sa.String(length=200), nullable=False),
        sa.Column('device_id', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_kosync_progress_user_document', 'kosync_progress', ['user_id', 'document'],
                    unique=True)
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_api_token_sync_key_hash', ['sync_key_hash'])


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index('ix_api_token_sync_key_hash')
        batch_op.drop_column('sync_key_hash')
    op.drop_index('ix_kosync_progress_user_document', table_name='kosync_progress')
    op.drop_table('kosync_progress')
    op.drop_index('ix_book_digest_partial_md5', table_name='book_digest')
    op.drop_table('book_digest')
    op.drop_index('ix_highlight_user_book', table_name='highlight')
    op.drop_table('highlight')
