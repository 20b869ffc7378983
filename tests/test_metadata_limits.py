"""Unbounded metadata, refused the same way on every path: the API, the console's forms, a
metadata sheet (console or `books import --manifest`); values read from a file are cut."""
from __future__ import annotations

import io

import pytest

from library.catalog import limits
from library.catalog.models import Book
from library.extensions import db
from library.ingest import import_file
from tests.books import epub_book
from tests.test_console import librarian, post, upload  # noqa: F401 - fixture
from tests.test_upload import book_count, librarian_api, post_book, sample_pdf, stored_files  # noqa: F401

HUGE_TITLE = "Nghị quyết" * 20_000                # 200,000 characters
MANY_AUTHORS = "; ".join(f"TG{n}" for n in range(30_000))


@pytest.mark.parametrize("fields, words", [
    ({"title": HUGE_TITLE}, "Tên sách dài 200.000 ký tự, tối đa 500"),
    ({"authors": MANY_AUTHORS}, "Có 30.000 tác giả, tối đa 30"),
    ({"authors": "A; " + "B" * 201}, "Tên một tác giả dài quá 200 ký tự"),
])
def test_api_refuses_metadata_beyond_the_limits_and_keeps_nothing(
        app, anonymous, librarian_api, sample_pdf, fields, words):  # noqa: F811
    response = post_book(anonymous, librarian_api, sample_pdf, **fields)
    assert response.status_code == 400, response.json
    assert words in response.json["error"]
    assert book_count(app) == 0 and not [f for f in stored_files(app) if not f.startswith("staging")]


def test_api_within_the_limits_is_accepted(app, anonymous, librarian_api, sample_pdf):  # noqa: F811
    response = post_book(anonymous, librarian_api, sample_pdf, title="T" * limits.MAX_TITLE,
                         authors="; ".join(f"Tác giả {n}" for n in range(limits.MAX_AUTHORS)))
    assert response.status_code == 202, response.json
    assert len(response.json["authors"]) == limits.MAX_AUTHORS


def test_console_upload_form_refuses_too_many_authors(app, librarian, sample_pdf):  # noqa: F811
    response = upload(librarian, [(sample_pdf, "a.pdf")], authors=MANY_AUTHORS)
    assert response.status_code == 400
    assert "Có 30.000 tác giả, tối đa 30" in response.text
    assert book_count(app) == 0


def test_console_sheet_refuses_a_row_beyond_the_limits(app, librarian, sample_pdf):  # noqa: F811
    sheet = f"file,title,authors\na.pdf,{'X' * 600},Ban Tổ chức\n".encode()
    data = {"csrf_token": librarian.csrf, "shelf": "chi-bo-dien-tu",
            "files": [(io.BytesIO(sample_pdf.read_bytes()), "a.pdf")],
            "manifest": (io.BytesIO(sheet), "bang-ke.csv")}
    response = librarian.post("/thu-vien/tai-len", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Dòng 2 của bảng kê: Tên sách dài 600 ký tự, tối đa 500" in response.text
    assert book_count(app) == 0


def test_console_edit_refuses_too_many_authors(app, librarian, sample_pdf):  # noqa: F811
    with app.app_context():
        book_id = import_file(sample_pdf).book_id
    response = post(librarian, f"/thu-vien/sach/{book_id}", title="Tên mới", shelf="chi-bo-dien-tu",
                    authors=MANY_AUTHORS)
    assert response.status_code == 400 and "tối đa 30" in response.text
    with app.app_context():
        assert db.session.get(Book, book_id).title != "Tên mới"


def test_cli_manifest_row_beyond_the_limits_is_refused(app, runner, tmp_path, sample_pdf):  # noqa: F811
    sheet = tmp_path / "bang-ke.csv"
    authors = "; ".join(f"TG{n}" for n in range(3_000))
    sheet.write_text(f"file,title,authors\n{sample_pdf.name},Sổ tay,{authors}\n", encoding="utf-8")
    result = runner.invoke(args=["books", "import", "--manifest", str(sheet), str(sample_pdf)])
    assert result.exit_code != 0
    assert "Dòng 2 của bảng kê: Có 3.000 tác giả, tối đa 30" in result.output
    sheet.write_text(f"file,title,authors\n{sample_pdf.name},Sổ tay,{MANY_AUTHORS}\n", encoding="utf-8")
    result = runner.invoke(args=["books", "import", "--manifest", str(sheet), str(sample_pdf)])
    assert result.exit_code != 0 and "Một ô của bảng kê dài quá" in result.output
    assert book_count(app) == 0


def test_a_files_own_huge_title_and_authors_are_cut_with_a_warning(app, client, tmp_path):
    path = epub_book(tmp_path / "dai.epub", title="Tiêu đề " * 5_000,
                     authors=[f"Người {n}" for n in range(500)])
    with app.app_context():
        result = import_file(path)
        assert result.status == "imported"
        book = db.session.get(Book, result.book_id)
        assert len(book.title) == limits.MAX_TITLE and book.title.endswith("…")
        assert len(book.authors) == limits.MAX_AUTHORS
        assert any("quá dài, đã được cắt bớt" in w for w in result.warnings)
    assert len(client.get("/").data) < 60_000  # every member's home page stays light


def test_details_stored_before_the_limits_are_cut_by_the_migration(app, tmp_path, client, database_kind):
    """An instance that took the attack before this version: its rows are brought within.
    (PostgreSQL enforces the title column's length, so only SQLite can hold a longer one.)"""
    from alembic.command import downgrade, upgrade
    from sqlalchemy import text

    with app.app_context():
        book_id = import_file(epub_book(tmp_path / "a.epub")).book_id
        db.session.commit()  # no transaction of the test holds a table the migrations alter
        config = app.extensions["migrate"].migrate.get_config()
        downgrade(config, "17a3e5c9b2d1")
        db.session.execute(text("UPDATE book SET title = :t, authors = :a WHERE id = :i"), {
            "t": "Nghị quyết" * (20_000 if database_kind == "sqlite" else 50), "i": book_id,
            "a": "[" + ",".join(f'"TG{n}"' for n in range(30_000)) + "]"})
        db.session.commit()
        upgrade(config, "head")
        db.session.expire_all()
        book = db.session.get(Book, book_id)
        assert len(book.title) == limits.MAX_TITLE and len(book.authors) == limits.MAX_AUTHORS
        assert any("đã được cắt bớt" in w for w in book.warnings)
    assert len(client.get("/").data) < 60_000
