"""branch_move: when a member left a branch, so its reading-list reports stop at the move

Revision ID: 17a3e5c9b2d1
Revises: c8d2f61a7e94
Create Date: 2026-12-03 10:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '17a3e5c9b2d1'
down_revision = 'c8d2f61a7e94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'branch_move',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('from_branch_id', sa.Integer(), nullable=True),
        sa.Column('to_branch_id', sa.Integer(), nullable=True),
        sa.Column('moved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_branch_id'], ['branch.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['to_branch_id'], ['branch.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('branch_move', schema=None) as batch_op:
        batch_op.create_index('ix_branch_move_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_branch_move_from_moved_at', ['from_branch_id', 'moved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('branch_move', schema=None) as batch_op:
        batch_op.drop_index('ix_branch_move_from_moved_at')
        batch_op.drop_index('ix_branch_move_user_id')
    op.drop_table('branch_move')
