"""ingest_job_file, ocr_page, task: a message's msgid and values beside its text

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

COLUMNS = (("ingest_job_file", "reason_message"), ("ocr_page", "reason_message"), ("task", "error_message"))


# Plain ALTER TABLE on both databases (SQLite 3.35+ drops a column in place): a batch
# migration copies and drops the table, and SQLite's foreign keys would take the rows that
# point at it (a job's files) with it.


def upgrade():
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=True))


def downgrade():
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column)
