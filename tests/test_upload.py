"""Uploads from outside: POST /api/books and the console's upload form, good files and hostile
ones (oversize, fake type, wrong extension, encrypted, broken, path-escaping). A refused file is
refused with a plain reason and leaves nothing: no file under the books folder, no book row."""
import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library.catalog.models import Book
from library.extensions import db
from library.jobs.models import IngestJob
from tests.books import FILLER, epub_book, pdf_book
from tests.conftest import CORPUS, bearer, make_user

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"corpus file {relative} is not here")
    return path


def stored_files(app) -> list[str]:
    root = Path(app.config["BOOKS_DIR"])
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def book_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Book.id)))


@pytest.fixture
def librarian_api(app):
    make_user(app, "thuthu-api", "librarian")
    return bearer(app, "thuthu-api")


@pytest.fixture
def sample_pdf(tmp_path):
    return pdf_book(tmp_path / "nghi-quyet.pdf", [FILLER, "Kiên quyết đấu tranh phản bác quan điểm sai trái."],
                    title="Nghị quyết mẫu")


def post_book(client, headers, path: Path, name: str | None = None, **fields):
    data = {"file": (io.BytesIO(path.read_bytes()), name or path.name), **fields}
    return client.post("/api/books", data=data, headers=headers, content_type="multipart/form-data")


def test_api_upload_is_202_with_the_book_and_readable_at_once(app, anonymous, librarian_api, sample_pdf):
    response = post_book(anonymous, librarian_api, sample_pdf, shelf="chi-bo-dien-tu",
                         title="Nghị quyết về phản bác quan điểm sai trái", authors="Ban Tuyên giáo; Ban Tổ chức")
    assert response.status_code == 202, response.json
    body = response.json
    assert isinstance(body["id"], int) and body["status"] == "ready"
    assert body["index_status"] in ("pending", "indexed")
    assert body["title"] == "Nghị quyết về phản bác quan điểm sai trái"
    assert body["authors"] == ["Ban Tuyên giáo", "Ban Tổ chức"] and body["shelf"] == "chi-bo-dien-tu"
    one = anonymous.get(f"/api/books/{body['id']}", headers=librarian_api).json
    assert one["pages"] == 3 and len(one["sections"]) == 3
    hits = anonymous.get("/api/search?q=phan bac quan diem sai trai", headers=librarian_api).json
    assert body["id"] in {h["book_id"] for h in hits["hits"]}
    with app.app_context():
        job = db.session.get(IngestJob, body["job_id"])
        assert job.source == "api" and job.files[0].book_id == body["id"]


def test_api_duplicate_is_409_naming_the_existing_book(app, anonymous, librarian_api, sample_pdf):
    first = post_book(anonymous, librarian_api, sample_pdf).json["id"]
    again = post_book(anonymous, librarian_api, sample_pdf, "ban-khac.pdf")
    assert again.status_code == 409
    assert again.json["existing_id"] == first and str(first) in again.json["error"]
    assert book_count(app) == 1


@pytest.mark.parametrize("make, name, status, words", [
    (lambda tmp: _write(tmp / "x", b"MZ\x90\x00 this is a windows program"), "sach.pdf", 415, "PDF hoặc EPUB"),
    (lambda tmp: _write(tmp / "x", b""), "rong.epub", 415, "rỗng"),
    (lambda tmp: pdf_book(tmp / "a.pdf"), "sach.exe", 415, ".pdf"),
    (lambda tmp: pdf_book(tmp / "a.pdf"), "sach.epub", 415, "nội dung là PDF"),
    (lambda tmp: corpus_file("bad/epub-zip/ocf-zip-unreadable-image-with-epub-extension-fatal.epub"),
     "anh.epub", 415, "Đây là một tệp ảnh, không phải PDF/EPUB"),
    (lambda tmp: corpus_file("bad/pdf-encrypted/pdfminer-rc4-128.pdf"), "mat-khau.pdf", 422, "mật khẩu"),
    (lambda tmp: corpus_file("bad/epub-encrypted/epub20_minimal_encryption.epub"), "drm.epub", 422, ""),
    (lambda tmp: corpus_file("bad/derived-truncated/truyen-kieu-trunc60.epub"), "cut.epub", 422, ""),
    (lambda tmp: corpus_file("bad/epub-hostile/ocf-url-leaking-in-opf-error.epub"), "leak.epub", 422, ""),
], ids=["fake-type", "empty", "wrong-extension", "extension-mismatch", "image-as-epub",
        "encrypted-pdf", "drm-epub", "truncated-epub", "path-escape-epub"])
def test_api_refuses_bad_files_with_a_reason_and_keeps_nothing(
        app, anonymous, librarian_api, tmp_path, make, name, status, words):
    response = post_book(anonymous, librarian_api, make(tmp_path), name)
    assert response.status_code == status, response.json
    assert response.json["error"] and words in response.json["error"]
    assert book_count(app) == 0
    assert stored_files(app) == []


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_api_too_large_is_a_json_413_and_keeps_nothing(app, anonymous, librarian_api, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = _write(tmp_path / "big.pdf", b"%PDF-1.4\n" + os.urandom(200 * 1024))
    response = post_book(anonymous, librarian_api, big)
    assert response.status_code == 413
    assert "quá lớn" in response.json["error"] and response.json["max_bytes"] == 64 * 1024
    assert book_count(app) == 0 and stored_files(app) == []


def test_api_upload_needs_a_librarian(app, anonymous, api_headers, sample_pdf):
    response = post_book(anonymous, api_headers, sample_pdf)
    assert response.status_code == 403 and response.json["error"]
    assert post_book(anonymous, {}, sample_pdf).status_code == 401
    assert book_count(app) == 0 and stored_files(app) == []


def test_api_upload_unknown_shelf_or_no_file_is_400(anonymous, librarian_api, sample_pdf):
    assert post_book(anonymous, librarian_api, sample_pdf, shelf="khong-co").status_code == 400
    response = anonymous.post("/api/books", data={"title": "x"}, headers=librarian_api)
    assert response.status_code == 400 and "file" in response.json["error"]


def test_cookie_upload_without_csrf_token_is_refused(app, librarian_client, sample_pdf):
    response = post_book(librarian_client, {}, sample_pdf)
    assert response.status_code == 400 and "CSRF" in response.json["error"]
    form = librarian_client.post("/thu-vien/tai-len", content_type="multipart/form-data", data={
        "shelf": "chi-bo-dien-tu", "files": (io.BytesIO(sample_pdf.read_bytes()), "a.pdf")})
    assert form.status_code == 400
    assert book_count(app) == 0 and stored_files(app) == []
    token = CSRF_META.search(librarian_client.get("/thu-vien/").text).group(1)
    ok = post_book(librarian_client, {"X-CSRFToken": token}, sample_pdf)
    assert ok.status_code == 202


def test_console_upload_too_large_is_a_friendly_413_page(app, librarian_client, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    token = CSRF_META.search(librarian_client.get("/thu-vien/").text).group(1)
    big = b"%PDF-1.4\n" + os.urandom(200 * 1024)
    response = librarian_client.post("/thu-vien/tai-len", content_type="multipart/form-data", data={
        "csrf_token": token, "shelf": "chi-bo-dien-tu", "files": (io.BytesIO(big), "lon.pdf")})
    assert response.status_code == 413
    assert "text/html" in response.content_type
    assert "Tệp quá lớn" in response.text and "0.06 MB" in response.text
    assert stored_files(app) == []


def test_console_upload_of_hostile_files_reports_each_and_keeps_nothing(app, librarian_client, tmp_path):
    app.config["JOBS_INLINE"] = True
    token = CSRF_META.search(librarian_client.get("/thu-vien/").text).group(1)
    files = [
        (io.BytesIO(corpus_file("bad/pdf-encrypted/pdfminer-aes-256.pdf").read_bytes()), "khoa.pdf"),
        (io.BytesIO(b"<html><script>alert(1)</script></html>"), "trang.pdf"),
        (io.BytesIO(pdf_book(tmp_path / "a.pdf").read_bytes()), "sach.docx"),
        (io.BytesIO(corpus_file("bad/epub-zip/empty_archive.epub").read_bytes()), "rong.epub"),
    ]
    response = librarian_client.post("/thu-vien/tai-len", content_type="multipart/form-data", data={
        "csrf_token": token, "shelf": "chi-bo-dien-tu", "files": files})
    assert response.status_code == 303
    status = librarian_client.get(response.headers["Location"] + "/trang-thai").json
    assert status["status"] == "finished" and status["counts"]["failed"] == 4
    reasons = {f["filename"]: f["reason"] for f in status["files"]}
    assert "mật khẩu" in reasons["khoa.pdf"]
    assert "PDF hoặc EPUB" in reasons["trang.pdf"]
    assert ".pdf" in reasons["sach.docx"]
    assert reasons["rong.epub"]
    page = librarian_client.get(response.headers["Location"])
    assert "mật khẩu" in page.text and "<script>alert(1)" not in page.text
    assert book_count(app) == 0 and stored_files(app) == []
