"""ingest_job_file, ocr_page, task, book: a message's msgid and values beside its text

Reasons and errors written by background work were stored as finished Vietnamese sentences,
so a page in English showed "Quá thời gian xử lý (60 giây)". The text column keeps that
sentence (for people reading the table); the new JSON column beside it keeps
`{"text": msgid, "values": {...}}` (library.messages). Old rows keep a NULL there and show
their text as before.

Revision ID: 16d1a2b3c4d5
Revises: 19b1a2c3d4e5
Create Date: 2026-12-03 16:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '16d1a2b3c4d5'
down_revision = '19b1a2c3d4e5'
branch_labels = None
depends_on = None

COLUMNS = (("ingest_job_file", "reason_message"), ("ocr_page", "reason_message"),
           ("task", "error_message"), ("book", "index_error_message"))


def upgrade():
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade():
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
