"""Scanned books become searchable: real tesseract (Vietnamese model) on small generated scans,
the real queue, SQLite file, Whoosh index and reader files."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import unicodedata

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from library import tasks
from library.catalog.models import Book, Section
from library.extensions import db
from library.ingest import import_file
from library.ocr import service
from library.ocr.models import OcrPage, PageStatus
from library.ocr.sandbox import Limits, recognise_page
from library.storage import get_store
from tests.conftest import REPO, make_user
from tests.ocr_books import HEAD, PAGES, PHRASE, hostile_book, mixed_book, scanned_book

pytestmark = pytest.mark.skipif(subprocess.run(["sh", "-c", "tesseract --list-langs 2>&1 | grep -qx vie"]).returncode != 0,
                                reason="tesseract with the Vietnamese model is not installed (bin/setup)")


@pytest.fixture
def ocr_app(app):
    app.config.update(JOBS_BACKGROUND=False, OCR_DPI=200, OCR_TIMEOUT_SECONDS=60)
    return app


@pytest.fixture
def token(ocr_app):
    from library.auth.accounts import find_user
    from library.auth.tokens import issue_token

    make_user(ocr_app, "thuvien", role="librarian")
    with ocr_app.app_context():
        raw = issue_token(find_user("thuvien"), "test")
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _section_texts(book_id):
    return {s.position: s.text for s in db.session.scalars(select(Section).where(Section.book_id == book_id))}


def test_a_scanned_book_is_recognised_searchable_and_marked_in_the_reader_copy(ocr_app, token, tmp_path):
    client = ocr_app.test_client()
    original = scanned_book(tmp_path / "so-tay-quet.pdf")
    with ocr_app.app_context():
        result = import_file(original)
        assert result.ocr_pages == 2
        assert db.session.get(Book, result.book_id).searchable is False
    book_id = result.book_id
    before = client.get(f"/api/books/{book_id}", headers=token).json
    assert before["ocr"]["status"] == "queued" and before["ocr"]["pages_total"] == 2
    assert before["title"] and "sections" in before  # the existing fields stay

    assert tasks.run_until_idle(ocr_app) == 1

    book = client.get(f"/api/books/{book_id}", headers=token).json
    assert book["searchable"] is True
    assert book["ocr"]["status"] == "done" and book["ocr"]["pages_done"] == 2
    assert book["ocr"]["mean_confidence"] > 80
    # Found with and without diacritics, at the PDF page the phrase is on.
    for query in (PHRASE, "kien dinh muc tieu doc lap"):
        hits = client.get("/api/search", query_string={"q": query}, headers=token).json["hits"]
        assert [(h["book_id"], h["page"]) for h in hits] == [(book_id, 2)], query
        assert "<mark>" in hits[0]["snippet"]
    with ocr_app.app_context():
        texts = _section_texts(book_id)
    assert all(unicodedata.is_normalized("NFC", t) for t in texts.values())
    # The running head (on both pages) and the page numbers are not the pages' text.
    assert all(not t.upper().startswith(HEAD[:6]) for t in texts.values()), texts
    assert all(not t.rstrip().endswith(("\n1", "\n2")) for t in texts.values()), texts
    assert "phẩm chất đạo đức" in texts[2]

    # The reader gets the original followed by updates with the invisible text; the download
    # and the stored file stay the original, byte for byte.
    original_bytes = original.read_bytes()
    with client.get(f"/doc/{book_id}/tep-doc", headers=token) as reader:
        assert reader.status_code == 200
        reader_bytes = reader.data
    assert reader_bytes.startswith(original_bytes) and len(reader_bytes) > len(original_bytes)
    with client.get(f"/sach/{book_id}/tep", headers=token) as download:
        assert download.data == original_bytes
    with ocr_app.app_context():
        stored = get_store().path(db.session.get(Book, book_id).stored_name).read_bytes()
        # The reconciler knows the layer file for the book's: nothing to put in quarantine.
        from library.maintenance.reconcile import check
        assert check(grace=0).orphan_files == []
    assert stored == original_bytes
    doc = pdfium.PdfDocument(reader_bytes)
    try:
        page = doc[1]
        textpage = page.get_textpage()
        text = unicodedata.normalize("NFC", textpage.get_text_bounded())
        width, height = page.get_size()
        # The words lie where the picture shows them: the body's first word at the left
        # margin, in the upper part of the page.
        searcher = textpage.search("Mỗi", match_case=True)
        found = searcher.get_next()
        left, _, _, top = textpage.get_charbox(found[0]) if found else (-1, 0, 0, -1)
        searcher.close()
        textpage.close()
        page.close()
    finally:
        doc.close()
    assert "kiên định" in text
    assert 0 < left < width / 4 and height * 0.6 < top < height


def test_a_mixed_book_keeps_its_text_layer_and_recognises_only_the_scan(ocr_app, token, tmp_path):
    path = mixed_book(tmp_path / "hon-hop.pdf", tmp_path)
    with ocr_app.app_context():
        result = import_file(path)
        assert result.ocr_pages == 1
        assert [r.page for r in db.session.scalars(select(OcrPage).where(OcrPage.book_id == result.book_id))] == [3]
        typeset = _section_texts(result.book_id)
        assert db.session.get(Book, result.book_id).searchable is True
    tasks.run_until_idle(ocr_app)
    with ocr_app.app_context():
        after = _section_texts(result.book_id)
    assert {p: after[p] for p in (1, 2, 4)} == {p: typeset[p] for p in (1, 2, 4)}
    assert "Trang in sẵn thứ nhất" in after[2]
    assert "kiên định mục tiêu" in after[3]
    hits = ocr_app.test_client().get("/api/search", query_string={"q": "kien dinh muc tieu"},
                                     headers=token).json["hits"]
    assert [(h["book_id"], h["page"]) for h in hits] == [(result.book_id, 3)]


def test_kill_9_during_recognition_resumes_without_redoing_finished_pages(ocr_app, tmp_path):
    path = scanned_book(tmp_path / "bon-trang.pdf", PAGES)
    with ocr_app.app_context():
        book_id = import_file(path).book_id
    config = {key: ocr_app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BOOKS_DIR",
                                                   "INDEX_DIR", "INDEX_INLINE", "OCR_DPI")}
    script = textwrap.dedent(f"""
        from library import create_app, tasks
        app = create_app({{**{config!r}, "TESTING": True, "JOBS_BACKGROUND": False, "OCR_WORKERS": 1}})
        tasks.run_until_idle(app)
    """)
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)

    def done_pages():
        with ocr_app.app_context():
            rows = db.session.execute(select(OcrPage.page, OcrPage.updated_at, OcrPage.seconds).where(
                OcrPage.book_id == book_id, OcrPage.status == PageStatus.DONE)).all()
            db.session.remove()
            return {r.page: (r.updated_at, r.seconds) for r in rows}

    deadline = time.monotonic() + 120
    while not done_pages() and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.1)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    finished = done_pages()
    assert 1 <= len(finished) < 4, "kill -9 came too late to test a resume"

    result = ocr_app.test_cli_runner().invoke(args=["books", "ocr", "--missing"])
    assert result.exit_code == 0, result.output
    assert f"#{book_id}: 4/4 trang đã nhận dạng" in result.output
    after = done_pages()
    assert sorted(after) == [1, 2, 3, 4]
    assert {page: after[page] for page in finished} == finished  # never read twice
    with ocr_app.app_context():
        texts = _section_texts(book_id)
    assert "cấp ủy cấp trên" in texts[3] and "biên bản" in texts[4]


def test_hostile_pages_are_flagged_with_their_reason_and_the_rest_goes_on(ocr_app, token, tmp_path):
    good = scanned_book(tmp_path / "tot.pdf", [PAGES[1]])
    path = hostile_book(tmp_path / "doc-hai.pdf", good)
    with ocr_app.app_context():
        result = import_file(path)
        assert result.ocr_pages == 3
    tasks.run_until_idle(ocr_app)
    book = ocr_app.test_client().get(f"/api/books/{result.book_id}", headers=token).json
    failed = {f["page"]: f["reason"] for f in book["ocr"]["failed_pages"]}
    assert set(failed) == {2, 3}
    assert "kích thước bất thường" in failed[2]
    assert "bom giải nén" in failed[3] or "bộ nhớ" in failed[3]
    assert book["ocr"]["status"] == "done" and book["ocr"]["pages_done"] == 3
    with ocr_app.app_context():
        assert "kiên định" in _section_texts(result.book_id)[1]
    # The librarian sees the reasons; a member does not get the console.
    page = ocr_app.test_client().get("/thu-vien/nhan-dang", headers=token)
    assert page.status_code == 200 and "kích thước bất thường" in page.get_data(as_text=True)


def test_a_page_over_its_time_is_stopped_with_the_reason(tmp_path):
    path = scanned_book(tmp_path / "cham.pdf", [PAGES[0]])
    started = time.monotonic()
    result = recognise_page(path, 1, Limits(dpi=300, timeout=0.02))  # far below a page: a model load alone takes ~0.15 s
    assert result.error == "Quá thời gian nhận dạng (0.02 giây)"
    assert time.monotonic() - started < 5


def test_cancel_then_rerun_chosen_pages(ocr_app, token, tmp_path):
    path = scanned_book(tmp_path / "huy.pdf")
    client = ocr_app.test_client()
    with ocr_app.app_context():
        book_id = import_file(path).book_id
        assert service.cancel(book_id) is True
    assert tasks.run_until_idle(ocr_app) == 0
    assert client.get(f"/api/books/{book_id}", headers=token).json["ocr"]["status"] == "cancelled"
    with ocr_app.app_context():
        assert service.rerun(book_id, [2]) == 1
    tasks.run_until_idle(ocr_app)
    ocr = client.get(f"/api/books/{book_id}", headers=token).json["ocr"]
    with ocr_app.app_context():
        statuses = dict(db.session.execute(select(OcrPage.page, OcrPage.status).where(OcrPage.book_id == book_id)).all())
    assert statuses == {1: "cancelled", 2: "done"}  # page 1 was not asked for again
    assert ocr["pages_done"] == 1 and ocr["status"] == "cancelled"


def test_books_import_of_a_scan_says_how_many_pages_were_queued(ocr_app, tmp_path):
    path = scanned_book(tmp_path / "nhap.pdf")
    result = ocr_app.test_cli_runner().invoke(args=["books", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported: nhap.pdf" in result.output
    assert "— bản quét, 2 trang chờ nhận dạng chữ" in result.output


def test_books_ocr_reads_chosen_pages_again_and_refuses_unknown_books(ocr_app, tmp_path):
    path = scanned_book(tmp_path / "lai.pdf")
    with ocr_app.app_context():
        book_id = import_file(path).book_id
    runner = ocr_app.test_cli_runner()
    first = runner.invoke(args=["books", "ocr", "--book", str(book_id)])
    assert first.exit_code == 0 and f"#{book_id}: 2/2 trang đã nhận dạng" in first.output
    with ocr_app.app_context():
        before = dict(db.session.execute(select(OcrPage.page, OcrPage.updated_at).where(OcrPage.book_id == book_id)).all())
    assert runner.invoke(args=["books", "ocr"]).output.strip() == "Không có trang nào cần nhận dạng."
    again = runner.invoke(args=["books", "ocr", "--book", str(book_id), "--page", "2"])
    assert again.exit_code == 0, again.output
    with ocr_app.app_context():
        after = dict(db.session.execute(select(OcrPage.page, OcrPage.updated_at).where(OcrPage.book_id == book_id)).all())
    assert after[1] == before[1] and after[2] > before[2]
    refused = runner.invoke(args=["books", "ocr", "--book", "999"])
    assert refused.exit_code == 2 and "Không có sách mã 999" in refused.output


def test_a_stopped_run_keeps_the_pages_already_read_and_starts_no_more(ocr_app, tmp_path):
    path = scanned_book(tmp_path / "dung.pdf", PAGES[:3])
    with ocr_app.app_context():
        book_id = import_file(path).book_id
        # Stop asked as soon as page 1 lands: page 2 was being read alongside, page 3 not yet.
        service.recognise_book(book_id, cancelled=lambda: True)
        statuses = dict(db.session.execute(select(OcrPage.page, OcrPage.status).where(OcrPage.book_id == book_id)).all())
        texts = _section_texts(book_id)
    assert statuses == {1: "done", 2: "done", 3: "queued"}
    assert "kiên định" in texts[2] and texts[3] == ""
