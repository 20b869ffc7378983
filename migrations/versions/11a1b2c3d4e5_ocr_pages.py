"""ocr_page: recognition state per scanned page; book.ocr_layer_name: the reader's text layer

Revision ID: 11a1b2c3d4e5
Revises: 12a1c0de5e01
Create Date: 2026-12-03 10:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '11a1b2c3d4e5'
down_revision = '12a1c0de5e01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ocr_page',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('book_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('words', sa.Integer(), nullable=True),
        sa.Column('head', sa.String(length=500), nullable=True),
        sa.Column('seconds', sa.Float(), nullable=True),
        sa.Column('layer', sa.LargeBinary(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['book_id'], ['book.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_ocr_page_book_page', 'ocr_page', ['book_id', 'page'], unique=True)
    op.create_index('ix_ocr_page_book_status', 'ocr_page', ['book_id', 'status'])
    # An incremental update served after the original (and its reader tail) to the reader
    # only: the recognised pages' invisible text. NULL: nothing recognised yet.
    with op.batch_alter_table('book', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ocr_layer_name', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('book', schema=None) as batch_op:
        batch_op.drop_column('ocr_layer_name')
    op.drop_index('ix_ocr_page_book_status', table_name='ocr_page')
    op.drop_index('uq_ocr_page_book_page', table_name='ocr_page')
    op.drop_table('ocr_page')
