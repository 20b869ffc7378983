"""BookStore.commit_or_discard, the one place that commits rows together with the files saved
for them: a commit that fails (here a real unique-key clash in the database, or a full disk)
leaves no file behind and the error goes on; a commit that succeeds keeps every file."""
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from library.catalog.models import Book, Shelf
from library.catalog.service import edit_book
from library.extensions import db
from library.ingest import IMPORTED, import_file, replace_book_file
from library.jobs import runner
from library.storage import get_store
from tests.books import FILLER, pdf_book


def stored_files(app) -> list[str]:
    root = Path(app.config["BOOKS_DIR"])
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def clashing_shelf() -> Shelf:
    """A row whose commit the database refuses: the slug of a shelf that exists. Added under
    no_autoflush, so that the refusal comes at the commit, not at some query before it."""
    taken = db.session.scalars(select(Shelf)).first()
    return Shelf(slug=taken.slug, name="Trùng tên", position=99)


def jpeg(color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 90), color).save(out, "JPEG")
    return out.getvalue()


def test_a_refused_commit_deletes_every_file_saved_for_it_and_raises(app):
    with app.app_context():
        store = get_store()
        before = store.save_bytes(b"%PDF-1.4 truoc", "pdf")
        with pytest.raises(IntegrityError):
            with store.commit_or_discard(db.session, before, None) as saved:
                saved.append(store.save_bytes(jpeg(), "jpg", "covers"))
                db.session.add(clashing_shelf())
        assert stored_files(app) == []
        # Rolled back: the session goes on working.
        assert db.session.scalars(select(Shelf)).first() is not None


def test_a_commit_that_succeeds_keeps_its_files_and_rows(app):
    with app.app_context():
        store = get_store()
        with store.commit_or_discard(db.session) as saved:
            saved.append(store.save_bytes(jpeg(), "jpg", "covers").name)
            db.session.add(Shelf(slug="ke-moi", name="Kệ mới", position=9))
        assert stored_files(app) == saved and saved[0].startswith("covers/")
        assert db.session.scalar(select(Shelf).where(Shelf.slug == "ke-moi")) is not None


def test_a_new_cover_whose_edit_is_refused_leaves_the_old_cover_alone(app, tmp_path):
    with app.app_context():
        book_id = import_file(pdf_book(tmp_path / "a.pdf")).book_id
        book = db.session.get(Book, book_id)
        edit_book(book, title=book.title, authors="", year=None, publisher="", description="",
                  shelf=book.shelf, cover=jpeg("red"))
        old_cover, files = book.cover_name, stored_files(app)
        db.session.add(clashing_shelf())
        with pytest.raises(IntegrityError), db.session.no_autoflush:
            edit_book(book, title="Tên mới", authors="", year=None, publisher="", description="",
                      shelf=book.shelf, cover=jpeg("blue"))
        assert stored_files(app) == files
        book = db.session.get(Book, book_id)
        assert book.cover_name == old_cover and book.title != "Tên mới"


def test_uploads_staged_for_a_job_that_is_not_saved_are_deleted(app, tmp_path):
    path = pdf_book(tmp_path / "a.pdf")
    with app.app_context():
        db.session.add(clashing_shelf())
        with pytest.raises(IntegrityError), db.session.no_autoflush, open(path, "rb") as one, open(path, "rb") as two:
            runner.create_job([runner.Upload("a.pdf", one), runner.Upload("b.pdf", two)],
                              shelf=None, source="web")
        assert stored_files(app) == []
        with open(path, "rb") as one:
            job = runner.create_job([runner.Upload("a.pdf", one)], shelf=None, source="web")
        assert stored_files(app) == [job.files[0].staged_name]


def test_a_replacement_file_whose_commit_fails_goes_and_the_old_file_stays(app, tmp_path, monkeypatch):
    with app.app_context():
        first = import_file(pdf_book(tmp_path / "cu.pdf"))
        assert first.status == IMPORTED
        files = stored_files(app)

        def full_disk():
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(db.session, "commit", full_disk)
        with pytest.raises(OSError):
            replace_book_file(first.book_id, pdf_book(tmp_path / "moi.pdf", [FILLER, "Trang mới."]))
        monkeypatch.undo()
        assert stored_files(app) == files
        assert db.session.get(Book, first.book_id).stored_name in files
