"""The librarian's console: who may enter, upload to results, and what edits, replacements,
withdrawals, deletions and moves do for a member (pages, search) and in the audit log."""
import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from library.audit import AuditEvent
from library.catalog.models import Book, Section
from library.extensions import db
from tests.books import FILLER, epub_book, pdf_book
from tests.conftest import make_user, sign_in

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def librarian(app, librarian_client):
    app.config["JOBS_INLINE"] = True
    librarian_client.csrf = CSRF_META.search(librarian_client.get("/thu-vien/").text).group(1)
    return librarian_client


def upload(client, files, **fields):
    data = {"csrf_token": client.csrf, "shelf": "chi-bo-dien-tu", **fields,
            "files": [(io.BytesIO(Path(p).read_bytes()), name) for p, name in files]}
    return client.post("/thu-vien/tai-len", data=data, content_type="multipart/form-data")


def job_status(client, response):
    assert response.status_code == 303, response.text
    return client.get(response.headers["Location"] + "/trang-thai").json


def post(client, path, **data):
    return client.post(path, data={"csrf_token": client.csrf, **data}, content_type="multipart/form-data")


def audit_actions(app, book_id=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if book_id is not None:
            query = query.where(AuditEvent.target_id == book_id)
        return [(e.action, e.actor_name, e.details) for e in db.session.scalars(query)]


def search_ids(client, query):
    return {h["book_id"] for h in client.get("/api/search", query_string={"q": query}).json["hits"]}


@pytest.fixture
def one_book(librarian, tmp_path):
    path = pdf_book(tmp_path / "so-tay.pdf", [FILLER, "Phòng chống suy thoái tư tưởng chính trị."],
                    title="Sổ tay đảng viên")
    status = job_status(librarian, upload(librarian, [(path, "so-tay.pdf")]))
    return status["files"][0]["book_id"]


CONSOLE_PAGES = ["/thu-vien/", "/thu-vien/tac-vu", "/thu-vien/sach"]


@pytest.mark.parametrize("role, expected", [("member", 403), ("secretary", 403),
                                            ("librarian", 200), ("admin", 200)])
def test_only_librarians_and_admins_enter_the_console(app, role, expected):
    make_user(app, f"u-{role}", role)
    client = sign_in(app.test_client(), app, f"u-{role}")
    for path in CONSOLE_PAGES:
        assert client.get(path).status_code == expected, path
    home = client.get("/").text
    assert ('href="/thu-vien/"' in home) == (expected == 200), "the header link follows the role"


def test_members_cannot_change_books_or_see_jobs(app, client, one_book):
    token = CSRF_META.search(client.get("/").text).group(1)
    for path in [f"/thu-vien/sach/{one_book}/rut", f"/thu-vien/sach/{one_book}/xoa",
                 f"/thu-vien/sach/{one_book}", "/thu-vien/sach/chuyen-tu", "/thu-vien/tai-len"]:
        assert client.post(path, data={"csrf_token": token, "title": "x"}).status_code == 403, path
    assert client.get("/thu-vien/tac-vu/1/trang-thai").status_code == 403
    with app.app_context():
        assert db.session.get(Book, one_book).status == "ready"
    assert client.get("/thu-vien/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(anonymous):
    response = anonymous.get("/thu-vien/sach")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_a_job_whose_files_all_failed_is_not_shown_as_done(app, librarian, tmp_path):
    word = tmp_path / "bao-cao.docx"
    with zipfile.ZipFile(word, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    response = upload(librarian, [(word, "Báo cáo.pdf")])
    status = job_status(librarian, response)
    assert (status["status"], status["outcome"]) == ("finished", "failed")
    assert status["label"] == "Không nhập được tệp nào"
    assert "tài liệu Word, không phải PDF/EPUB" in status["files"][0]["reason"]
    page = librarian.get(response.headers["Location"]).text
    assert 'class="job-state job-state-failed">Không nhập được tệp nào<' in page
    listed = librarian.get("/thu-vien/tac-vu").text
    assert "job-state-failed" in listed and "job-state-finished" not in listed


def test_upload_of_several_files_shows_progress_and_results_with_links(app, librarian, tmp_path):
    pdf = pdf_book(tmp_path / "a.pdf", [FILLER, "Tăng cường xây dựng chỉnh đốn Đảng."])
    epub = epub_book(tmp_path / "b.epub", [("Mở đầu", "Học tập và làm theo tấm gương đạo đức.")])
    broken = tmp_path / "c.pdf"
    broken.write_bytes(b"%PDF-1.7\n%%EOF garbage")
    response = upload(librarian, [(pdf, "Nghị quyết.pdf"), (epub, "Chuyên đề.epub"), (broken, "hỏng.pdf")])
    status = job_status(librarian, response)
    assert (status["status"], status["total"], status["done"]) == ("finished", 3, 3)
    assert (status["outcome"], status["label"]) == ("partly_failed", "Xong, có tệp lỗi")
    assert status["counts"] == {"imported": 2, "duplicate": 0, "failed": 1}
    first, second, third = status["files"]
    assert first["filename"] == "Nghị quyết.pdf" and first["book_url"] == f"/sach/{first['book_id']}"
    assert second["edit_url"] == f"/thu-vien/sach/{second['book_id']}"
    assert third["status"] == "failed" and third["reason"] and third["book_url"] is None

    page = librarian.get(response.headers["Location"]).text
    assert 'data-status-url="/thu-vien/tac-vu/' in page and "<progress" in page
    assert f'href="/sach/{first["book_id"]}"' in page and third["reason"] in page
    jobs = librarian.get("/thu-vien/tac-vu").text
    assert "hỏng.pdf" in jobs and third["reason"] in jobs, "failed files are listed with their reason"
    with app.app_context():
        shelves = {b.shelf.slug for b in db.session.scalars(select(Book))}
    assert shelves == {"chi-bo-dien-tu"}


def test_metadata_is_for_a_single_file_and_applies_to_it(app, librarian, tmp_path):
    a, b = pdf_book(tmp_path / "a.pdf"), epub_book(tmp_path / "b.epub")
    refused = upload(librarian, [(a, "a.pdf"), (b, "b.epub")], title="Một tên cho hai tệp")
    assert refused.status_code == 400 and "bảng kê" in refused.text
    status = job_status(librarian, upload(librarian, [(a, "a.pdf")], title="Hướng dẫn sinh hoạt chi bộ",
                                          authors="Ban Tổ chức Trung ương; Văn phòng", year="2023",
                                          publisher="NXB Chính trị quốc gia Sự thật", description="Mô tả"))
    with app.app_context():
        book = db.session.get(Book, status["files"][0]["book_id"])
        assert (book.title, book.authors, book.year) == (
            "Hướng dẫn sinh hoạt chi bộ", ["Ban Tổ chức Trung ương", "Văn phòng"], 2023)
        assert book.publisher == "NXB Chính trị quốc gia Sự thật" and book.description == "Mô tả"


def test_a_manifest_sheet_names_titles_and_shelves_for_many_files(app, librarian, tmp_path):
    a, b = pdf_book(tmp_path / "a.pdf"), epub_book(tmp_path / "b.epub")
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["file", "title", "authors", "shelf", "year"])
    writer.writerow(["a.pdf", "Bảo vệ nền tảng tư tưởng", "Hội đồng Lý luận", "bao-ve-nen-tang-tu-tuong", "2020"])
    data = {"csrf_token": librarian.csrf, "shelf": "chi-bo-dien-tu",
            "files": [(io.BytesIO(a.read_bytes()), "a.pdf"), (io.BytesIO(b.read_bytes()), "b.epub")],
            "manifest": (io.BytesIO(sheet.getvalue().encode("utf-8")), "bang-ke.csv")}
    status = job_status(librarian, librarian.post("/thu-vien/tai-len", data=data,
                                                  content_type="multipart/form-data"))
    with app.app_context():
        one, two = (db.session.get(Book, f["book_id"]) for f in status["files"])
        assert (one.title, one.authors, one.shelf.slug, one.year) == (
            "Bảo vệ nền tảng tư tưởng", ["Hội đồng Lý luận"], "bao-ve-nen-tang-tu-tuong", 2020)
        assert (two.title, two.shelf.slug) == ("Chuyên đề học tập", "chi-bo-dien-tu")
    bad = {"csrf_token": librarian.csrf, "shelf": "chi-bo-dien-tu",
           "files": [(io.BytesIO(a.read_bytes()), "a.pdf")],
           "manifest": (io.BytesIO("title\nkhông có cột file\n".encode()), "sai.csv")}
    refused = librarian.post("/thu-vien/tai-len", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 400 and "file" in refused.text


def test_upload_warns_of_same_title_and_authors_and_flags_same_bytes(app, librarian, tmp_path):
    first = pdf_book(tmp_path / "a.pdf", [FILLER, "Bản in lần thứ nhất."], title="Điều lệ Đảng")
    second = pdf_book(tmp_path / "b.pdf", [FILLER, "Bản in lần thứ hai, có sửa chữa."], title="Điều lệ Đảng")
    original = job_status(librarian, upload(librarian, [(first, "a.pdf")]))["files"][0]
    reprint, copy = job_status(librarian, upload(librarian, [(second, "b.pdf"), (first, "a-copy.pdf")]))["files"]
    assert reprint["status"] == "imported"
    assert any("cùng tên và tác giả" in w and str(original["book_id"]) in w for w in reprint["warnings"])
    assert copy["status"] == "duplicate" and copy["book_id"] == original["book_id"]
    assert copy["book_url"] == f"/sach/{original['book_id']}", "the duplicate links to the existing book"


def test_editing_a_title_is_what_members_see_and_find(app, librarian, client, one_book):
    form = librarian.get(f"/thu-vien/sach/{one_book}").text
    assert 'value="Sổ tay đảng viên"' in form
    response = post(librarian, f"/thu-vien/sach/{one_book}", title="Cẩm nang công tác tư tưởng",
                    authors="Ban Tuyên giáo Trung ương", year="2024", publisher="", description="",
                    shelf="hoc-tap-lam-theo-bac")
    assert response.status_code == 303
    page = client.get(f"/sach/{one_book}").text
    assert "Cẩm nang công tác tư tưởng" in page and "Ban Tuyên giáo Trung ương" in page
    hits = client.get("/api/search", query_string={"q": "cam nang cong tac"}).json["hits"]
    assert [(h["book_id"], h["title"], h["shelf"]) for h in hits][:1] == [
        (one_book, "Cẩm nang công tác tư tưởng", "hoc-tap-lam-theo-bac")]
    books = client.get("/api/books?shelf=hoc-tap-lam-theo-bac").json["books"]
    assert [b["id"] for b in books] == [one_book]
    action, actor, details = audit_actions(app, one_book)[-1]
    assert (action, actor) == ("book.edit", "thuthu1")
    assert details["changes"]["title"] == ["Sổ tay đảng viên", "Cẩm nang công tác tư tưởng"]
    assert details["changes"]["shelf"] == ["chi-bo-dien-tu", "hoc-tap-lam-theo-bac"]
    assert "publisher" not in details["changes"], "only what changed is recorded"


def test_an_empty_title_is_refused(app, librarian, one_book):
    response = post(librarian, f"/thu-vien/sach/{one_book}", title="", authors="", shelf="chi-bo-dien-tu")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Book, one_book).title == "Sổ tay đảng viên"


def _image(fmt: str, size=(1600, 2400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 30, 30)).save(out, fmt)
    return out.getvalue()


def test_a_cover_upload_is_checked_and_kept_as_a_small_jpeg(app, librarian, client, one_book):
    fields = {"title": "Sổ tay đảng viên", "shelf": "chi-bo-dien-tu"}
    bad = post(librarian, f"/thu-vien/sach/{one_book}", **fields,
               cover=(io.BytesIO(b"<svg onload=alert(1)>"), "bia.png"))
    assert bad.status_code == 400 and "không phải ảnh" in bad.text
    old_src = re.search(r'class="cover cover-large" src="([^"]+)"', client.get(f"/sach/{one_book}").text)
    good = post(librarian, f"/thu-vien/sach/{one_book}", **fields,
                cover=(io.BytesIO(_image("PNG")), "bia.png"))
    assert good.status_code == 303
    # Covers are cached for a day: the new one must be at a new address.
    new_src = re.search(r'class="cover cover-large" src="([^"]+)"', client.get(f"/sach/{one_book}").text)
    assert new_src and new_src.group(1) != (old_src.group(1) if old_src else None)
    with client.get(f"/sach/{one_book}/anh-bia") as served:
        assert served.status_code == 200
        data = served.data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and max(image.size) <= 1200
    assert audit_actions(app, one_book)[-1][2]["changes"]["cover"] == [True, True]


def test_replacing_the_file_reingests_it_and_drops_the_old_one(app, librarian, client, one_book, tmp_path):
    with app.app_context():
        old = db.session.get(Book, one_book)
        old_file = Path(app.config["BOOKS_DIR"]) / old.stored_name
    assert old_file.exists()
    new = epub_book(tmp_path / "moi.epub", [("Chương một", "Nâng cao bản lĩnh chính trị của cán bộ."),
                                            ("Chương hai", "Giữ gìn kỷ luật, kỷ cương.")])
    response = post(librarian, f"/thu-vien/sach/{one_book}/thay-tep",
                    file=(io.BytesIO(new.read_bytes()), "moi.epub"))
    status = job_status(librarian, response)
    assert status["files"][0]["status"] == "imported" and status["files"][0]["book_id"] == one_book
    with app.app_context():
        book = db.session.get(Book, one_book)
        assert (book.title, book.kind, book.original_filename) == ("Sổ tay đảng viên", "EPUB", "moi.epub")
        chapters = db.session.scalars(select(Section.chapter).where(Section.book_id == one_book)).all()
        assert chapters == ["Chương một", "Chương hai"]
    assert not old_file.exists()
    assert one_book in search_ids(client, "ban linh chinh tri")
    assert one_book not in search_ids(client, "suy thoai tu tuong")
    assert client.get(f"/doc/{one_book}?p=2").status_code == 200
    assert audit_actions(app, one_book)[-1][0] == "book.replace"


def test_a_broken_replacement_keeps_the_old_file(app, librarian, client, one_book):
    response = post(librarian, f"/thu-vien/sach/{one_book}/thay-tep",
                    file=(io.BytesIO(b"%PDF-1.4 nothing here"), "hong.pdf"))
    assert job_status(librarian, response)["files"][0]["status"] == "failed"
    assert one_book in search_ids(client, "suy thoai tu tuong")
    assert client.get(f"/doc/{one_book}?p=2").status_code == 200


def test_withdrawing_hides_a_book_from_members_and_reinstating_brings_it_back(app, librarian, client, one_book):
    assert post(librarian, f"/thu-vien/sach/{one_book}/rut").status_code == 303
    assert client.get(f"/sach/{one_book}").status_code == 404
    assert client.get(f"/doc/{one_book}").status_code == 404
    assert one_book not in search_ids(client, "suy thoai tu tuong")
    assert one_book not in {b["id"] for b in client.get("/api/books").json["books"]}
    listed = librarian.get("/thu-vien/sach?status=withdrawn").text
    assert f'href="/thu-vien/sach/{one_book}"' in listed, "the console still lists it"
    assert librarian.get("/thu-vien/sach?status=ready").text.count(f'href="/thu-vien/sach/{one_book}"') == 0

    assert post(librarian, f"/thu-vien/sach/{one_book}/khoi-phuc").status_code == 303
    assert client.get(f"/sach/{one_book}").status_code == 200
    assert one_book in search_ids(client, "suy thoai tu tuong")
    assert [a for a, _, _ in audit_actions(app, one_book)][-2:] == ["book.withdraw", "book.reinstate"]


def test_deleting_removes_file_cover_rows_and_index_entries(app, librarian, client, one_book):
    with app.app_context():
        book = db.session.get(Book, one_book)
        files = [Path(app.config["BOOKS_DIR"]) / n for n in (book.stored_name, book.cover_name) if n]
    assert files and all(f.exists() for f in files)
    confirm = librarian.get(f"/thu-vien/sach/{one_book}/xoa")
    assert confirm.status_code == 200 and "không thể hoàn tác" in confirm.text
    assert post(librarian, f"/thu-vien/sach/{one_book}/xoa").status_code == 303
    assert not any(f.exists() for f in files)
    with app.app_context():
        assert db.session.get(Book, one_book) is None
        assert db.session.scalars(select(Section).where(Section.book_id == one_book)).first() is None
    assert one_book not in search_ids(client, "suy thoai tu tuong")
    assert client.get(f"/sach/{one_book}").status_code == 404
    action, _, details = audit_actions(app, one_book)[-1]
    assert action == "book.delete" and details["file"] == "so-tay.pdf"
    assert librarian.get(f"/thu-vien/sach/{one_book}").status_code == 404


def test_bulk_move_puts_the_chosen_books_on_one_shelf(app, librarian, client, tmp_path):
    paths = [(pdf_book(tmp_path / f"{i}.pdf", [FILLER, f"Tài liệu số {i}."], title=f"Tài liệu {i}"), f"{i}.pdf")
             for i in range(3)]
    ids = [f["book_id"] for f in job_status(librarian, upload(librarian, paths))["files"]]
    response = librarian.post("/thu-vien/sach/chuyen-tu", data={
        "csrf_token": librarian.csrf, "shelf": "bao-ve-nen-tang-tu-tuong", "book_id": ids[:2],
        "back": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == "/thu-vien/sach"
    moved = {b["id"] for b in client.get("/api/books?shelf=bao-ve-nen-tang-tu-tuong").json["books"]}
    assert moved == set(ids[:2])
    hits = client.get("/api/search", query_string={"q": "tai lieu", "shelf": "bao-ve-nen-tang-tu-tuong"}).json
    assert {h["book_id"] for h in hits["hits"]} == set(ids[:2])
    moves = [(a, d) for a, _, d in audit_actions(app) if a == "book.move"]
    assert len(moves) == 2 and moves[0][1]["shelf"] == ["chi-bo-dien-tu", "bao-ve-nen-tang-tu-tuong"]


def test_book_list_filters_find_failed_indexing_and_titles(app, librarian, one_book, tmp_path):
    other = pdf_book(tmp_path / "x.pdf", title="Văn kiện Đại hội")
    other_id = job_status(librarian, upload(librarian, [(other, "x.pdf")]))["files"][0]["book_id"]
    with app.app_context():
        db.session.get(Book, other_id).index_status = "failed"
        db.session.commit()
    failed = librarian.get("/thu-vien/sach?index=failed").text
    assert "Văn kiện Đại hội" in failed and "Sổ tay đảng viên" not in failed
    by_title = librarian.get("/thu-vien/sach", query_string={"q": "Sổ tay"}).text
    assert "Sổ tay đảng viên" in by_title and "Văn kiện Đại hội" not in by_title
    by_case = librarian.get("/thu-vien/sach", query_string={"q": "sổ TAY"}).text  # same on both databases
    assert "Sổ tay đảng viên" in by_case and "Văn kiện Đại hội" not in by_case
    assert "Văn kiện" not in librarian.get("/thu-vien/sach", query_string={"q": "V_n"}).text  # _ is no wildcard
    huge = librarian.get("/thu-vien/sach", query_string={"q": "9" * 20})
    assert huge.status_code == 200 and "Sổ tay đảng viên" not in huge.text
    assert "1 sách lỗi lập chỉ mục" in librarian.get("/thu-vien/").text


def test_console_pages_have_no_inline_scripts_or_styles(librarian, one_book):
    for path in ["/thu-vien/", "/thu-vien/tac-vu", "/thu-vien/tac-vu/1", "/thu-vien/sach",
                 f"/thu-vien/sach/{one_book}", f"/thu-vien/sach/{one_book}/xoa"]:
        html = librarian.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\sstyle=|\son[a-z]+=", html), path


def test_console_speaks_english_when_asked(librarian):
    librarian.set_cookie("lang", "en")
    page = librarian.get("/thu-vien/").text
    assert "Upload books" in page and "Recent import jobs" in page
