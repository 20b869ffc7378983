"""ingest job files imported in place by the CLI: their path

Revision ID: 7c1e4b2a9d30
Revises: 29fa8a2209ec
Create Date: 2026-11-23 08:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e4b2a9d30'
down_revision = '29fa8a2209ec'
branch_labels = None
depends_on = None


def upgrade():
    # `books import` reads the librarian's files where they are instead of copying
    # a whole shelf into the staging folder first.
    with op.batch_alter_table('ingest_job_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_path', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('ingest_job_file', schema=None) as batch_op:
        batch_op.drop_column('source_path')
