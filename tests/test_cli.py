"""The command line of CONTRACT.md: books import, index rebuild, demo."""
import csv
import shutil

import pytest
from sqlalchemy import func, select

from library.catalog.models import Book
from library.extensions import db
from library.reading_lists.models import ReadingList
from library.search import get_index
from tests.books import FILLER, epub_book, pdf_book
from tests.conftest import sign_in


def test_import_folder_reports_each_file_and_fails_when_one_fails(app, runner, tmp_path):
    folder = tmp_path / "shelf"
    folder.mkdir()
    pdf_book(folder / "a.pdf", [FILLER, "Nghị quyết về xây dựng chỉnh đốn Đảng."])
    epub_book(folder / "b.epub")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    (folder / "notes.txt").write_text("ignored: not a book")
    result = runner.invoke(args=["books", "import", "--shelf", "chi-bo-dien-tu", str(folder)])
    lines = result.output.splitlines()
    assert result.exit_code == 1, result.output
    assert any(line.startswith("imported: a.pdf") for line in lines)
    assert any(line.startswith("imported: b.epub") for line in lines)
    assert any(line.startswith("failed: broken.pdf") for line in lines)
    assert not any("notes.txt" in line for line in lines)
    assert "2 đã nhập" in lines[-1] and "1 lỗi" in lines[-1]

    again = runner.invoke(args=["books", "import", str(folder / "a.pdf")])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("duplicate: a.pdf") and "trùng lặp" in again.output


def test_manifest_gives_titles_authors_and_shelves(app, runner, tmp_path):
    pdf_book(tmp_path / "one.pdf")
    epub_book(tmp_path / "two.epub")
    sheet = tmp_path / "manifest.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "title", "authors", "shelf", "year", "publisher", "description"])
        writer.writerow(["one.pdf", "Hỏi – đáp về công tác đảng viên", "Lê Văn Cường; Phạm Thu Hà",
                         "bao-ve-nen-tang-tu-tuong", "2018", "NXB Chính trị quốc gia", "Mô tả"])
    result = runner.invoke(args=["books", "import", "--manifest", str(sheet),
                                 "--shelf", "chi-bo-dien-tu", str(tmp_path / "one.pdf"),
                                 str(tmp_path / "two.epub")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        books = {b.original_filename: b for b in db.session.scalars(select(Book))}
        one, two = books["one.pdf"], books["two.epub"]
        assert one.title == "Hỏi – đáp về công tác đảng viên"
        assert one.authors == ["Lê Văn Cường", "Phạm Thu Hà"]
        assert (one.shelf.slug, one.year) == ("bao-ve-nen-tang-tu-tuong", 2018)
        assert two.shelf.slug == "chi-bo-dien-tu" and two.title == "Chuyên đề học tập"


def test_unknown_shelf_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["books", "import", "--shelf", "khong-co", str(pdf_book(tmp_path / "a.pdf"))])
    assert result.exit_code == 2 and "khong-co" in result.output


def test_missing_file_is_reported_as_failed(runner, tmp_path):
    result = runner.invoke(args=["books", "import", str(tmp_path / "nowhere.pdf")])
    assert result.exit_code == 1 and "failed: " in result.output


def test_index_rebuild_restores_the_same_results(app, runner, tmp_path):
    pdf_book(tmp_path / "a.pdf", [FILLER, "Phòng chống suy thoái tư tưởng chính trị."])
    assert runner.invoke(args=["books", "import", str(tmp_path)]).exit_code == 0
    with app.app_context():
        before = get_index().search_hits("suy thoai tu tuong")
    shutil.rmtree(app.config["INDEX_DIR"])
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0 and "1 cuốn sách" in result.output
    with app.app_context():
        after = get_index().search_hits("suy thoai tu tuong")
    assert after.total == before.total > 0
    assert [(h.book_id, h.page) for h in after.hits] == [(h.book_id, h.page) for h in before.hits]


@pytest.mark.slow
def test_demo_fills_three_shelves_with_pdf_and_epub_once(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(
            select(Book.shelf_id, Book.media_type, func.count()).group_by(Book.shelf_id, Book.media_type)
        ).all()
        per_shelf = {}
        for shelf_id, media_type, count in rows:
            per_shelf.setdefault(shelf_id, {})[media_type] = count
        assert len(per_shelf) == 3
        assert all(sum(kinds.values()) >= 12 and len(kinds) == 2 for kinds in per_shelf.values())
        total = db.session.scalar(select(func.count(Book.id)))
        assert get_index().search_hits("dang vien").total > 0
    # The demo member has a reading list to open, and the demo secretary its report.
    member_lists = app.test_client()
    sign_in(member_lists, app, "dangvien")
    mine = member_lists.get("/api/my-reading").get_json()
    assert len(mine["lists"]) == 1 and len(mine["lists"][0]["items"]) == 3
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Book.id))) == total
        assert db.session.scalar(select(func.count(ReadingList.id))) == 1
