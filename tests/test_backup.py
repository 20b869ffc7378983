"""Backup and restore drill: a backup taken while an import runs restores into a fresh
instance with the same catalogue, the same files and, after the index rebuild, the same
search results; a damaged backup or a non-empty target is refused."""
import json
import threading
from pathlib import Path

from sqlalchemy import select

from library.catalog.models import Book
from library.extensions import db
from library.ingest import import_file
from library.search import get_index
from tests.books import epub_book, pdf_book
from tests.conftest import another_app

QUERIES = ["suy thoái", "tu dien bien", '"đảng viên"', "chi bộ"]


def new_instance(app, root: Path, database_url: str):
    """Another instance on the same kind of database: its own database and folders."""
    return another_app(app, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="backup-test-secret-key-0123456789abcdef",
                       BOOKS_DIR=str(root / "books"), INDEX_DIR=str(root / "index"))


def catalogue(app):
    with app.app_context():
        books = db.session.scalars(select(Book).order_by(Book.id)).all()
        rows = [(b.id, b.title, b.sha256, b.stored_name, b.cover_name, len(b.sections)) for b in books]
        results = [[(h.book_id, h.page, h.chapter) for h in get_index().search_hits(q, per_page=50).hits]
                   for q in QUERIES]
        get_index().close()
        return rows, results


def test_backup_during_an_import_restores_the_same_catalogue_and_search(app, tmp_path, new_database,
                                                                     database_kind):
    with app.app_context():
        import_file(pdf_book(tmp_path / "a.pdf", ["Chống suy thoái tư tưởng của đảng viên."]))
        import_file(epub_book(tmp_path / "b.epub", [("Chương một", "Nhận diện tự diễn biến trong chi bộ.")]))
    late = pdf_book(tmp_path / "c.pdf", ["Đảng viên sinh hoạt chi bộ trực tuyến."], title="Sách nhập muộn")

    def importing():
        with app.app_context():
            import_file(late)

    worker = threading.Thread(target=importing)
    worker.start()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    worker.join()
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"]["kind"] == database_kind and manifest["books"] in (2, 3)
    assert manifest["database"]["file"] == {"sqlite": "library.db", "postgresql": "library.dump"}[database_kind]
    assert len(manifest["files"]) >= manifest["books"] and not manifest["missing"]

    # what the backup holds is exactly the source minus, perhaps, the book imported meanwhile
    rows, _ = catalogue(app)
    restored = new_instance(app, tmp_path / "restored", new_database())
    done = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert done.exit_code == 0, done.output
    restored_rows, restored_results = catalogue(restored)
    assert restored_rows == rows[: manifest["books"]]
    for _id, _title, sha256, stored_name, cover_name, _ in restored_rows:
        assert (tmp_path / "restored" / "books" / stored_name).is_file()
        assert cover_name is None or (tmp_path / "restored" / "books" / cover_name).is_file()
    # the source, with the late book left out, answers the same
    if manifest["books"] == 2:
        with app.app_context():
            get_index().remove_book(rows[2][0])
    assert restored_results == catalogue(app)[1]
    assert any(restored_results)
    check = restored.test_cli_runner().invoke(args=["index", "check", "--grace", "0"])
    assert check.exit_code == 0, check.output


def test_restore_refuses_a_non_empty_instance_unless_forced(app, tmp_path):
    with app.app_context():
        import_file(pdf_book(tmp_path / "a.pdf", ["Chống suy thoái tư tưởng."]))
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    refused = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "--force" in refused.output
    forced = app.test_cli_runner().invoke(args=["restore", "--force", str(tmp_path / "backup")])
    assert forced.exit_code == 0, forced.output
    assert list((Path(app.config["BOOKS_DIR"]) / "quarantine").iterdir())  # set aside, not deleted


def test_a_damaged_backup_is_refused_before_anything_is_touched(app, tmp_path, new_database):
    with app.app_context():
        import_file(pdf_book(tmp_path / "a.pdf", ["Chống suy thoái tư tưởng."]))
    app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    stored = next(p for p in (tmp_path / "backup" / "books").iterdir() if p.is_file())
    stored.write_bytes(stored.read_bytes()[:-10])
    target = new_instance(app, tmp_path / "fresh", new_database())
    refused = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "bị hỏng" in refused.output
    assert not (tmp_path / "fresh" / "books").exists() or not any((tmp_path / "fresh" / "books").iterdir())
    assert target.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code != 0
