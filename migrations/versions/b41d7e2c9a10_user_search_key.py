"""user.search_key: folded username and full name for the admin's user search

Revision ID: b41d7e2c9a10
Revises: 29fa8a2209ec
Create Date: 2026-11-23 10:00:00

Hand-written. Existing rows are filled here with the same folding as
library.auth.models.search_key (copied, so that this migration keeps its meaning
if that code changes).
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = 'b41d7e2c9a10'
down_revision = '29fa8a2209ec'
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text).lower():
        if ch == "đ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(" " if unicodedata.combining(base) else base)
    return " ".join("".join(out).split())[:300]


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=300), nullable=False,
                                      server_default=''))
    bind = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('username', sa.String),
                    sa.column('full_name', sa.String), sa.column('search_key', sa.String))
    rows = bind.execute(sa.select(user.c.id, user.c.username, user.c.full_name)).all()
    if rows:
        bind.execute(
            user.update().where(user.c.id == sa.bindparam('uid')).values(search_key=sa.bindparam('key')),
            [{'uid': r.id, 'key': _fold(f"{r.username or ''} {r.full_name or ''}")} for r in rows],
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('search_key')
