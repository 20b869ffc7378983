"""Messages written by background work (ingest, extraction, recognition, the member import)
are stored with their values apart and shown in the reader's language: English pages and
API answers say "duplicate of «…» (id 3)", Vietnamese ones "trùng lặp với «…» (mã 3)";
rows stored before as finished sentences still show as they did."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select, text

from library import tasks
from library.catalog.models import Book
from library.demo import write_scanned_pdf
from library.extensions import db
from library.i18n import message
from library.jobs.models import FileStatus, IngestJob, IngestJobFile, JobStatus
from library.ocr.models import OcrPage, PageStatus
from library.translatable import N_, Message, loaded, stored
from tests.books import FILLER, pdf_book, scanned_pdf
from tests.conftest import bearer, make_user, signed_in
from tests.test_console import CSRF_META
from tests.test_extraction import CONTAINER, chapter, package, write_zip

EN = {"Accept-Language": "en"}


@pytest.fixture
def token(app):
    make_user(app, "thuvien", role="librarian")
    return bearer(app, "thuvien")


def api_upload(app, token, path, name, headers=None):
    with path.open("rb") as fh:
        return app.test_client().post("/api/books", headers={**token, **(headers or {})},
                                      data={"file": (fh, name)}, content_type="multipart/form-data")


def english(client):
    client.set_cookie("lang", "en")
    return client


def epub_missing_a_chapter(tmp_path):
    opf = package().replace(
        '</manifest>', '<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/></manifest>'
    ).replace('</spine>', '<itemref idref="c2"/></spine>')
    return write_zip(tmp_path / "thieu-chuong.epub", [
        ("META-INF/container.xml", CONTAINER), ("OEBPS/content.opf", opf),
        ("OEBPS/c1.xhtml", chapter("Chương một", "Học tập và làm theo tư tưởng"))])


# --- the value type and the renderer ------------------------------------------------------

def test_a_message_reads_as_its_vietnamese_and_keeps_its_values_apart():
    reason = N_("trùng lặp với «{title}» (mã {id})", title="Điều lệ", id="7")
    assert reason == "trùng lặp với «Điều lệ» (mã 7)" and isinstance(reason, str)
    assert stored(reason) == {"text": "trùng lặp với «{title}» (mã {id})", "values": {"title": "Điều lệ", "id": "7"}}
    assert loaded(stored(reason)) == reason and loaded(stored(reason)).values == reason.values
    assert N_("Không đọc được tệp") == "Không đọc được tệp" and not isinstance(N_("Không đọc được tệp"), Message)
    assert stored("Không đọc được tệp") == "Không đọc được tệp"


def test_the_renderer_translates_the_msgid_words_and_counts_but_never_a_title():
    role = N_("vai trò {old} → {new}", old=Message("Đảng viên"), new=Message("Cán bộ thư viện"))
    assert message(stored(role), "en") == "role Member → Librarian"
    assert message(stored(role), "vi") == str(role) == "vai trò Đảng viên → Cán bộ thư viện"
    # A title that happens to be a known msgid stays the user's words.
    twin = N_("Đã có sách cùng tên và tác giả: «{title}» (mã {id})", title="Đảng viên", id="3")
    assert message(twin, "en") == "A book with the same title and authors exists: «Đảng viên» (id 3)"
    count = N_("Tệp EPUB chứa quá nhiều tệp con (hơn {count})", count=10000)
    assert count == "Tệp EPUB chứa quá nhiều tệp con (hơn 10.000)"
    assert message(count, "en") == "The EPUB file holds too many files (more than 10,000)"
    assert message([Message("họ tên"), Message("mã chi bộ")], "en") == "full name, branch code"
    # Rows written before: a known msgid is translated, a finished sentence shown as it is.
    assert message("Không đọc được tệp", "en") == "The file could not be read"
    assert message("trùng lặp với «Cũ» (mã 1)", "en") == "trùng lặp với «Cũ» (mã 1)"
    assert message(None) == message("") == ""


# --- real uploads, in English and in Vietnamese --------------------------------------------

def test_a_duplicate_pdf_is_refused_in_the_readers_language(app, token, tmp_path):
    path = pdf_book(tmp_path / "dieu-le.pdf", [FILLER, "Điều lệ, bản in lần thứ nhất."], title="Điều lệ Đảng")
    first = api_upload(app, token, path, "dieu-le.pdf")
    assert first.status_code == 202, first.json
    book_id = first.json["id"]
    again = api_upload(app, token, path, "ban-sao.pdf", EN)
    assert again.status_code == 409
    assert again.json["error"] == f"duplicate of «Điều lệ Đảng» (id {book_id})"
    vietnamese = api_upload(app, token, path, "ban-sao-2.pdf")
    assert vietnamese.json["error"] == f"trùng lặp với «Điều lệ Đảng» (mã {book_id})"
    # The job page and its status for the progress bar, in English.
    librarian = english(signed_in(app, "thuthu1", "librarian"))
    job = again.json["job_id"]
    page = librarian.get(f"/thu-vien/tac-vu/{job}").text
    assert f"duplicate of «Điều lệ Đảng» (id {book_id})" in page and "trùng lặp với" not in page
    status = librarian.get(f"/thu-vien/tac-vu/{job}/trang-thai").json
    assert status["files"][0]["reason"] == f"duplicate of «Điều lệ Đảng» (id {book_id})"
    # The database keeps the Vietnamese sentence, and the msgid with its values beside it.
    with app.app_context():
        row = db.session.scalar(select(IngestJobFile).where(IngestJobFile.job_id == job))
        assert row.reason == f"trùng lặp với «Điều lệ Đảng» (mã {book_id})"
        raw = db.session.execute(text("SELECT reason_message FROM ingest_job_file WHERE id = :id"),
                                 {"id": row.id}).scalar()
        assert "trùng lặp với «{title}» (mã {id})" in str(raw) and "Điều lệ Đảng" in str(raw)


def test_a_twin_title_and_a_scan_waiting_for_recognition_are_warned_of_in_english(app, token, tmp_path):
    first = pdf_book(tmp_path / "a.pdf", [FILLER, "Bản in lần thứ nhất."], title="Điều lệ Đảng")
    second = pdf_book(tmp_path / "b.pdf", [FILLER, "Bản in lần thứ hai, có sửa chữa."], title="Điều lệ Đảng")
    original = api_upload(app, token, first, "a.pdf").json["id"]
    reprint = api_upload(app, token, second, "b.pdf", EN)
    assert reprint.status_code == 202
    assert f"A book with the same title and authors exists: «Điều lệ Đảng» (id {original})" in reprint.json["warnings"]
    scan = api_upload(app, token, scanned_pdf(tmp_path / "quet.pdf"), "quet.pdf", EN)
    assert scan.status_code == 202
    waiting = [w for w in scan.json["warnings"] if w.startswith("Not searchable until text recognition")]
    assert re.fullmatch(r"Not searchable until text recognition is done: \d+ scanned pages waiting", waiting[0])
    other = tmp_path / "quet2.pdf"
    write_scanned_pdf(other, "Biên bản họp chi bộ", ["Chi bộ 5"], 2021, [FILLER])
    in_vietnamese = api_upload(app, token, other, "quet2.pdf")
    assert any(re.fullmatch(r"Không tìm kiếm được cho đến khi nhận dạng chữ xong: \d+ trang quét đang chờ", w)
               for w in in_vietnamese.json["warnings"])


def test_an_epub_missing_a_chapter_is_warned_of_on_the_console_in_english(app, token, tmp_path):
    answer = api_upload(app, token, epub_missing_a_chapter(tmp_path), "thieu-chuong.epub", EN)
    assert answer.status_code == 202, answer.json
    assert "Chapter files declared in the EPUB but missing: 1" in answer.json["warnings"]
    librarian = signed_in(app, "thuthu1", "librarian")
    book = f"/thu-vien/sach/{answer.json['id']}"
    assert "Thiếu 1 tệp chương được khai báo trong EPUB" in librarian.get(book).text
    page = english(librarian).get(book).text
    assert "Chapter files declared in the EPUB but missing: 1" in page and "Thiếu 1 tệp" not in page
    # The audit log's "book uploaded" event names the warning in the reader's language too.
    admin = english(signed_in(app, "quantri1", "admin"))
    assert "Chapter files declared in the EPUB but missing: 1" in admin.get("/quan-tri/nhat-ky").text


def test_a_file_named_pdf_holding_an_epub_is_refused_with_both_kinds_named(app, token, tmp_path):
    answer = api_upload(app, token, epub_missing_a_chapter(tmp_path), "sach.pdf", EN)
    assert answer.status_code == 415
    assert answer.json["error"] == "The file name ends in .pdf but the content is EPUB"


def test_a_page_over_its_recognition_time_says_so_in_english(app, token, tmp_path):
    app.config.update(OCR_TIMEOUT_SECONDS=0.02, OCR_DPI=200)  # far below a page: a model load alone takes ~0.15 s
    book_id = api_upload(app, token, scanned_pdf(tmp_path / "cham.pdf"), "cham.pdf").json["id"]
    tasks.run_until_idle(app)
    answer = app.test_client().get(f"/api/books/{book_id}", headers={**token, **EN}).json
    reasons = {item["reason"] for item in answer["ocr"]["failed_pages"]}
    assert reasons == {"Recognition took too long (0.02 seconds)"}
    vietnamese = app.test_client().get(f"/api/books/{book_id}", headers=token).json
    assert {item["reason"] for item in vietnamese["ocr"]["failed_pages"]} == {"Quá thời gian nhận dạng (0.02 giây)"}
    librarian = english(signed_in(app, "thuthu1", "librarian"))
    for path in ("/thu-vien/nhan-dang", f"/sach/{book_id}"):
        page = librarian.get(path).text
        assert "Recognition took too long (0.02 seconds)" in page and "Quá thời gian" not in page, path


# --- the member import ------------------------------------------------------------------

SHEET = ("username,full_name,branch,role,email\n"
         "an,Nguyễn An,CB-1,member,a@x\n"
         "an,Nguyễn An,CB-1,member,a@x\n"
         "binh,Trần Bình,CB 1!,member,b@x\n"
         "chi,Lê Chi,CB-1,thủ kho,c@x\n"
         "dung,Phạm Dũng,CB-1,librarian,d@x\n")


def test_the_member_import_report_and_its_download_speak_english(app, tmp_path):
    make_user(app, "dung", role="member", branch="CB-1")
    admin = english(signed_in(app, "quantri1", "admin"))
    csrf = CSRF_META.search(admin.get("/quan-tri/nhap-thanh-vien").text).group(1)
    sent = admin.post("/quan-tri/nhap-thanh-vien", data={
        "csrf_token": csrf, "sheet": (io.BytesIO(SHEET.encode()), "danh-sach.csv")},
        content_type="multipart/form-data")
    assert sent.status_code == 302, sent.text[:500]
    report = sent.headers["Location"]
    page = admin.get(report + "?status=all").text
    for sentence in ("username repeats row 2", "invalid branch code: CB 1!",
                     "unknown role: thủ kho (member, librarian, secretary)", "Unused columns ignored: email",
                     "full name, role Member → Librarian"):
        assert sentence.replace("→", "&rarr;") in page or sentence in page, sentence
    assert "trùng với dòng" not in page and "Bỏ qua các cột" not in page
    rows = list(csv.reader(io.StringIO(admin.get(report + "/bao-cao.csv").text.lstrip("\ufeff"))))
    notes = {row[1]: row[3] for row in rows[1:]}
    assert notes["binh"] == "invalid branch code: CB 1!" and notes["dung"] == "full name, role Member → Librarian"
    admin.set_cookie("lang", "vi")
    rows = list(csv.reader(io.StringIO(admin.get(report + "/bao-cao.csv").text.lstrip("\ufeff"))))
    assert {row[1]: row[3] for row in rows[1:]}["binh"] == "mã chi bộ không hợp lệ: CB 1!"
    assert "họ tên, vai trò Đảng viên → Cán bộ thư viện" in admin.get(report + "?status=all").text


# --- rows stored before this change ------------------------------------------------------

def test_rows_stored_as_finished_sentences_still_show_as_they_did(app, tmp_path):
    with app.app_context():
        job = IngestJob(source="web", status=JobStatus.FINISHED)
        job.files = [
            IngestJobFile(position=1, original_filename="cu.pdf", status=FileStatus.FAILED,
                          reason="Không đọc được tệp", warnings=[]),
            IngestJobFile(position=2, original_filename="cu2.pdf", status=FileStatus.DUPLICATE,
                          reason="trùng lặp với «Sách cũ» (mã 1)", warnings=[]),
        ]
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        assert db.session.execute(text("SELECT count(*) FROM ingest_job_file WHERE reason_message IS NULL")).scalar() == 2
    librarian = english(signed_in(app, "thuthu1", "librarian"))
    page = librarian.get(f"/thu-vien/tac-vu/{job_id}").text
    assert "The file could not be read" in page  # a known msgid: translated
    assert "trùng lặp với «Sách cũ» (mã 1)" in page.replace("&laquo;", "«").replace("&raquo;", "»")  # as it was
    assert "The file could not be read" in librarian.get("/thu-vien/tac-vu").text


def test_a_failed_recognition_page_of_an_old_row_keeps_its_text(app, token, tmp_path):
    book_id = api_upload(app, token, scanned_pdf(tmp_path / "cu.pdf"), "cu.pdf").json["id"]
    with app.app_context():
        page = db.session.scalar(select(OcrPage).where(OcrPage.book_id == book_id))
        page.status, page.reason = PageStatus.FAILED, "Quá thời gian nhận dạng (180 giây)"
        assert db.session.get(Book, book_id) is not None
        db.session.commit()
    answer = app.test_client().get(f"/api/books/{book_id}", headers={**token, **EN}).json
    assert [item["reason"] for item in answer["ocr"]["failed_pages"]] == ["Quá thời gian nhận dạng (180 giây)"]


def test_background_tasks_needing_attention_give_their_reason_in_english(app):
    from library.tasks.models import Task
    from library.tasks.queue import WORKER_STOPPED
    from library.tasks.runner import _reason

    late = N_("Quá thời gian xử lý ({seconds} giây)", seconds="60")
    assert _reason(RuntimeError(late)) is late  # raised with its values, kept with them
    with app.app_context():
        db.session.add_all([Task(kind="ocr.book", status="failed", error=late, error_message=late),
                            Task(kind="index.book", status="failed", error=WORKER_STOPPED)])
        db.session.commit()
        raw = db.session.execute(text("SELECT error, error_message FROM task ORDER BY id")).all()
    assert raw[0][0] == "Quá thời gian xử lý (60 giây)" and raw[1][1] is None
    page = english(signed_in(app, "thuthu1", "librarian")).get("/thu-vien/tac-vu").text
    assert "Processing took too long (60 seconds)" in page
    assert "The process doing this work stopped part-way" in page and "Quá thời gian" not in page
