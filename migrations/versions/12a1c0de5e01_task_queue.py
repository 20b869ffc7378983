"""task: one table-based queue for all background work

Revision ID: 12a1c0de5e01
Revises: c8d2f61a7e94
Create Date: 2026-12-03 10:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '12a1c0de5e01'
down_revision = 'c8d2f61a7e94'
branch_labels = None
depends_on = None

ACTIVE_KEY = sa.text("status IN ('queued', 'running')")


def upgrade():
    op.create_table(
        'task',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('run_after', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('host', sa.String(length=100), nullable=True),
        sa.Column('claimed_by', sa.String(length=160), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('rerun', sa.Boolean(), nullable=False),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=True),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_task_due', 'task', ['status', 'run_after'])
    op.create_index('ix_task_kind_status', 'task', ['kind', 'status'])
    op.create_index('ix_task_key', 'task', ['key'])
    op.create_index('uq_task_active_key', 'task', ['key'], unique=True,
                    sqlite_where=ACTIVE_KEY, postgresql_where=ACTIVE_KEY)


def downgrade():
    op.drop_table('task')
