"""accounts: activation codes, an exact sign-in throttle, where a password is checked

Revision ID: 13a1c0de5e7a
Revises: c8d2f61a7e94
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '13a1c0de5e7a'
down_revision = 'c8d2f61a7e94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'activation_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('issued_by', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id'),
    )
    # Counters updated in place (one row per key) replace one row per failure.
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('not_before', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_login_throttle_updated_at', 'login_throttle', ['updated_at'])
    op.drop_table('login_attempt')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_source', sa.String(length=10), nullable=False,
                                      server_default='local'))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('auth_source')
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=80), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempt_created_at', 'login_attempt', ['created_at'])
    op.create_index('ix_login_attempt_username_created', 'login_attempt', ['username', 'created_at'])
    op.create_index('ix_login_attempt_ip_created', 'login_attempt', ['ip', 'created_at'])
    op.drop_index('ix_login_throttle_updated_at', table_name='login_throttle')
    op.drop_table('login_throttle')
    op.drop_table('activation_code')
