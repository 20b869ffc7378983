"""A section without a title of its own is named where shown, in the reader's language: an
EPUB's picture page "Trang N"/"Page N" (a page, as the reader's bar says), an untitled chapter
"Chương N"/"Chapter N". Rows stored with the finished Vietnamese label are brought in line by
migration 16e1a0b2c3d4."""
from __future__ import annotations

from sqlalchemy import select, text

from library.auth.models import User
from library.catalog.models import Book, IndexStatus, Section
from library.extensions import db
from library.indexing.changes import IndexChange
from library.ingest import import_file
from tests.conftest import make_user, sign_in
from tests.epubs import Part, write_epub_parts, xhtml
from tests.test_epub_pictures import comic


def _untitled(path):
    return write_epub_parts(path, [Part(f"c{n}.xhtml", xhtml(f"<p>Đoạn {n} không tên.</p>", title="untitled"))
                                   for n in (1, 2)], title="Không tên")


def _labels(book_id):
    return [(s.page, s.chapter) for s in db.session.scalars(
        select(Section).where(Section.book_id == book_id).order_by(Section.position))]


def test_reader_pages_name_pages_and_chapters_in_the_readers_language(app, tmp_path):
    with app.app_context():
        pictures = import_file(comic(tmp_path / "truyen.epub")).book_id
        chapters = import_file(_untitled(tmp_path / "khong-ten.epub")).book_id
    make_user(app, "docgia")
    client = sign_in(app.test_client(), app, "docgia")
    vi = client.get(f"/doc/{pictures}?p=3").get_data(as_text=True)
    assert "Trang 3 / 4" in vi and "Chương 3" not in vi
    assert f'>Trang 2</a>' in vi  # the reader's table of contents
    client.set_cookie("lang", "en")
    en = client.get(f"/doc/{pictures}?p=3").get_data(as_text=True)
    assert "Page 3 / 4" in en and ">Page 2</a>" in en and "Trang 2" not in en
    # Where the member stopped, on the home page: a page of the comic, a chapter of the other.
    from library.reader.progress import save_position

    with app.app_context():
        member = db.session.scalar(select(User.id).where(User.username == "docgia"))
        save_position(member, pictures, 3)
        save_position(member, chapters, 2)
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Page 3" in home and "Chapter 2" in home
    text_mode = client.get(f"/doc/{chapters}/van-ban?p=2").get_data(as_text=True)
    assert "Chapter 2" in text_mode and "Chương 2" not in text_mode
    assert "Chapter 1" in client.get(f"/sach/{chapters}").get_data(as_text=True)


def test_the_migration_clears_made_up_labels_and_marks_picture_pages(app, tmp_path):
    from alembic.command import downgrade, upgrade

    with app.app_context():
        pictures = import_file(comic(tmp_path / "truyen.epub")).book_id
        chapters = import_file(_untitled(tmp_path / "khong-ten.epub")).book_id
        fresh = {pictures: _labels(pictures), chapters: _labels(chapters)}
        config = app.extensions["migrate"].migrate.get_config()
        downgrade(config, "16d1a2b3c4d5")
        # As the extraction before stored them: finished Vietnamese labels, no page.
        db.session.execute(text("UPDATE section SET page = NULL, chapter = 'Trang ' || position "
                                "WHERE book_id = :b AND position > 1"), {"b": pictures})
        db.session.execute(text("UPDATE section SET page = NULL WHERE book_id = :b"), {"b": pictures})
        db.session.execute(text("UPDATE section SET chapter = 'Chương ' || position WHERE book_id = :b"),
                           {"b": chapters})
        db.session.commit()
        assert _labels(chapters) == [(None, "Chương 1"), (None, "Chương 2")]
        seen = db.session.scalar(select(db.func.max(IndexChange.seq))) or 0
        upgrade(config, "head")
        db.session.expire_all()
        assert _labels(pictures) == fresh[pictures] == [(1, "Truyện tranh"), (2, None), (3, None), (4, None)]
        assert _labels(chapters) == fresh[chapters] == [(None, None), (None, None)]
        # The index stores page and chapter: both books are indexed again.
        again = set(db.session.scalars(select(IndexChange.book_id).where(IndexChange.seq > seen)))
        assert again == {pictures, chapters}
        assert {db.session.get(Book, b).index_status for b in again} == {IndexStatus.PENDING}


def test_search_answers_name_an_untitled_chapter_in_the_callers_language(app, tmp_path):
    """Programs read `chapter` as the place of a hit: an untitled chapter still has a name."""
    with app.app_context():
        chapters = import_file(_untitled(tmp_path / "khong-ten.epub")).book_id
        app.extensions["indexer"].drain()
    make_user(app, "docgia")
    client = sign_in(app.test_client(), app, "docgia")
    found = client.get("/api/search?q=đoạn 2 không tên").json["hits"]
    assert [(h["book_id"], h["page"], h["chapter"]) for h in found][:1] == [(chapters, None, "Chương 2")]
    english = {"Accept-Language": "en"}
    found = client.get("/api/search?q=đoạn 2 không tên", headers=english).json["hits"]
    assert found[0]["chapter"] == "Chapter 2"
    inside = client.get(f"/api/books/{chapters}/search?q=không tên", headers=english).json["hits"]
    assert [h["chapter"] for h in inside] == ["Chapter 1", "Chapter 2"]
