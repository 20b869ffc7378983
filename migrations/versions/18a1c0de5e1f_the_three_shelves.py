"""The three shelves, as data of the schema: `flask --app wsgi db upgrade` alone makes an
instance that pages and imports can use (the app factory no longer adds them at start-up).

Revision ID: 18a1c0de5e1f
Revises: d0e1f2a3b4c5
"""
import sqlalchemy as sa
from alembic import op

revision = '18a1c0de5e1f'
down_revision = 'd0e1f2a3b4c5'
branch_labels = None
depends_on = None

# A copy, not an import of library.catalog.models.SHELVES: a migration stays as it was written.
SHELVES = [
    ("bao-ve-nen-tang-tu-tuong", "Bảo vệ nền tảng tư tưởng của Đảng"),
    ("hoc-tap-lam-theo-bac", "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"),
    ("chi-bo-dien-tu", "Chi bộ điện tử"),
]


def upgrade():
    shelf = sa.table("shelf", sa.column("slug", sa.String), sa.column("name", sa.String),
                     sa.column("position", sa.Integer))
    connection = op.get_bind()
    existing = set(connection.scalars(sa.select(shelf.c.slug)))
    missing = [{"slug": slug, "name": name, "position": position}
               for position, (slug, name) in enumerate(SHELVES, start=1) if slug not in existing]
    if missing:  # instances made before this revision have them from the old start-up step
        op.bulk_insert(shelf, missing)


def downgrade():
    pass  # the shelves hold books: never removed by a schema step
