"""section: no finished "Trang N"/"Chương N" labels; an EPUB's picture pages are pages

An EPUB section without a title of its own was stored with a made-up Vietnamese label,
"Chương N", or "Trang N" for a picture page, so English readers saw Vietnamese and the
reader's bar called picture pages chapters. The label is now said where shown
(library.catalog.labels), and a picture page has its position as `page`. Rows stored before
are brought in line: a label equal to the one made for that position is cleared, and a page
labelled "Trang N", a section whose file is a picture, or one that went to recognition gets
its `page`. The books changed are re-indexed (the index stores page and chapter).

Revision ID: 16e1a0b2c3d4
Revises: 16d1a2b3c4d5
Create Date: 2026-12-03 16:20:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '16e1a0b2c3d4'
down_revision = '16d1a2b3c4d5'
branch_labels = None
depends_on = None

EPUB = 'application/epub+zip'
PICTURE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.gif', '.webp')  # epub_pictures.RASTER_SUFFIXES


def upgrade():
    bind = op.get_bind()
    book = sa.table('book', sa.column('id', sa.Integer), sa.column('media_type', sa.String),
                    sa.column('index_status', sa.String))
    section = sa.table('section', sa.column('id', sa.Integer), sa.column('book_id', sa.Integer),
                       sa.column('position', sa.Integer), sa.column('page', sa.Integer),
                       sa.column('chapter', sa.String), sa.column('href', sa.String))
    ocr_page = sa.table('ocr_page', sa.column('book_id', sa.Integer), sa.column('page', sa.Integer))
    change = sa.table('index_change', sa.column('book_id', sa.Integer), sa.column('kind', sa.String),
                      sa.column('created_at', sa.DateTime))
    recognised = {(r.book_id, r.page) for r in bind.execute(
        sa.select(ocr_page.c.book_id, ocr_page.c.page)
        .select_from(ocr_page.join(book, book.c.id == ocr_page.c.book_id))
        .where(book.c.media_type == EPUB))}
    rows = bind.execute(
        sa.select(section.c.id, section.c.book_id, section.c.position, section.c.chapter, section.c.href)
        .select_from(section.join(book, book.c.id == section.c.book_id))
        .where(book.c.media_type == EPUB, section.c.page.is_(None))).all()
    changed = set()
    for row in rows:
        values = {}
        made_page, made_chapter = f"Trang {row.position}", f"Chương {row.position}"
        picture = (row.chapter == made_page or (row.book_id, row.position) in recognised
                   or (row.href or '').lower().endswith(PICTURE_SUFFIXES))
        if picture:
            values['page'] = row.position
        if row.chapter in (made_page, made_chapter):
            values['chapter'] = None
        if values:
            bind.execute(section.update().where(section.c.id == row.id).values(**values))
            changed.add(row.book_id)
    if changed:
        ids = sorted(changed)
        bind.execute(book.update().where(book.c.id.in_(ids)).values(index_status='pending'))
        now = datetime.now(timezone.utc).replace(tzinfo=None)  # stored times are naive UTC
        bind.execute(change.insert(), [{'book_id': i, 'kind': 'update', 'created_at': now} for i in ids])


def downgrade():
    pass  # labels said where shown are not written back as Vietnamese text
