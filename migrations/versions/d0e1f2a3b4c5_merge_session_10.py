"""Merge the heads of OCR (11), the queue and replicas (12), accounts (13), the reader (15)
and the reliability round (17): each branch changed other tables, so nothing to do but join.

Revision ID: d0e1f2a3b4c5
Revises: 11a1b2c3d4e5, 12a3b8d0f4c2, 13a1c0de5e7a, 15a1c0de7e01, 17b8d4f2a6c3
"""

revision = 'd0e1f2a3b4c5'
down_revision = ('11a1b2c3d4e5', '12a3b8d0f4c2', '13a1c0de5e7a', '15a1c0de7e01', '17b8d4f2a6c3')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
