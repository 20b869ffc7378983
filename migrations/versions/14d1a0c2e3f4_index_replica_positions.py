"""index_replica: how far each host's index replica has followed the change log

The change log grew forever. Each host now records in the database the change up to which its
replica has applied everything, and when it last said so; changes every host still following
has applied are pruned after a retention period (library.indexing.pruning).

Revision ID: 14d1a0c2e3f4
Revises: 16e1a0b2c3d4
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '14d1a0c2e3f4'
down_revision = '16e1a0b2c3d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'index_replica',
        sa.Column('host', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('host'),
    )


def downgrade():
    op.drop_table('index_replica')
