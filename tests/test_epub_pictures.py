"""Pictures as pages: an EPUB whose spine lists pictures (a comic, a scanned book), each with
a fallback document or an XHTML page holding only the picture, has one page per picture in
the reader, its table of contents and reading-list progress; picture pages with no text go
to recognition (real tesseract) and their words are found by search."""
from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from library import tasks
from library.catalog.models import Section
from library.extensions import db
from library.ingest import import_file
from library.ocr.models import OcrPage
from tests.conftest import make_user, sign_in
from tests.epubs import Part, image_page, picture, png, write_epub_parts, xhtml
from tests.test_reader_epub import chapter_url

TRANSCRIPT = "Lời thoại của cả truyện: chi bộ họp bàn kế hoạch trồng cây."


def comic(path):
    """A 4-page comic: JPEGs in the spine sharing one fallback document, as the IDPF manga."""
    parts = [Part(f"images/{n:02d}.jpg", picture(seed=n), "image/jpeg", fallback="fallback.xhtml",
                  title="Truyện tranh" if n == 1 else None) for n in range(1, 5)]
    parts.append(Part("fallback.xhtml", xhtml(f"<p>{TRANSCRIPT}</p>"), spine=False))
    return write_epub_parts(path, parts, title="Truyện tranh chi bộ")


def test_every_picture_of_the_spine_is_a_page_in_reader_toc_and_progress(app, client, tmp_path):
    with app.app_context():
        result = import_file(comic(tmp_path / "truyen.epub"))
        assert result.status == "imported", result.reason
        book_id = result.book_id
        sections = db.session.scalars(select(Section).where(Section.book_id == book_id)
                                      .order_by(Section.position)).all()
        assert [s.href for s in sections] == [f"OEBPS/images/{n:02d}.jpg" for n in range(1, 5)]
        # Pages: numbered as pages; no made-up Vietnamese label stored (labels.section_label).
        assert [(s.page, s.chapter) for s in sections] == [(1, "Truyện tranh"), (2, None), (3, None), (4, None)]
        assert TRANSCRIPT in sections[0].text  # the shared fallback's text: found at the first page
        # Pages 2-4 have no text of their own: they wait for recognition; page 1 has its text.
        assert sorted(db.session.scalars(select(OcrPage.page).where(OcrPage.book_id == book_id))) == [2, 3, 4]
    assert result.ocr_pages == 3

    page = client.get(f"/doc/{book_id}?p=3")
    assert page.status_code == 200
    for n in range(1, 5):  # the reader's table of contents lists every page
        assert f'href="/doc/{book_id}?p={n}"' in page.text
    assert f"/doc/{book_id}?p=4" in page.text and f"/doc/{book_id}?p=2" in page.text  # next, previous
    frame = client.get(chapter_url(client, book_id, p=3))
    src = re.search(r'<img src="(/doc/\d+/tep-sach/[^"]+/OEBPS/images/03\.jpg)"', frame.text).group(1)
    got = client.get(src)
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
    assert got.data.startswith(b"\xff\xd8\xff")

    # Reading-list progress counts the pages: 2 of 4 read is half way, all 4 complete.
    admin_headers = _token(app, "admin1", "admin")
    listing = client.post("/api/reading-lists", headers=admin_headers, json={
        "title": "Đọc truyện", "due": "2030-01-01", "items": [{"book_id": book_id}],
        "assign": {"members": ["member1"]}})
    assert listing.status_code == 201, listing.json
    report_url = f"/api/reading-lists/{listing.json['id']}/report"

    def progress():
        rows = client.get(report_url, headers=admin_headers).json["rows"]
        return next(r for r in rows if r["username"] == "member1")["items"][0]

    member_headers = _token(app, "member1")
    api = app.test_client()
    for chapter in (1, 2):
        seen = api.post("/api/progress", headers=member_headers, json={"book_id": book_id, "chapter": chapter})
        assert seen.status_code in (200, 204), seen.json
    assert progress()["progress"] == pytest.approx(0.5) and not progress()["complete"]
    for chapter in (3, 4):
        api.post("/api/progress", headers=member_headers, json={"book_id": book_id, "chapter": chapter})
    assert progress()["complete"]


def _token(app, username, role=None):
    from library.auth.accounts import find_user
    from library.auth.tokens import issue_token

    if role:
        make_user(app, username, role)
    with app.app_context():
        raw = issue_token(find_user(username), "test")
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_a_cover_and_small_ornaments_are_not_sent_to_recognition(app, tmp_path):
    parts = [
        Part("cover.jpg", picture(size=(600, 900)), "image/jpeg", spine=False, properties="cover-image"),
        Part("cover.xhtml", image_page("cover.jpg")),
        Part("star.png", png(40, 40), "image/png", spine=False),
        Part("break.xhtml", image_page("star.png")),
        Part("text.xhtml", xhtml("<p>Chương có chữ và <img src='star.png' alt=''/> hình trang trí.</p>")),
    ]
    with app.app_context():
        result = import_file(write_epub_parts(tmp_path / "bia.epub", parts))
        assert result.status == "imported", result.reason
        assert db.session.scalars(select(OcrPage).where(OcrPage.book_id == result.book_id)).all() == []


SCANNED = [
    "Chi bộ họp thường kỳ vào ngày mồng năm hằng tháng, kiểm điểm việc thực hiện nghị quyết.",
    "Mỗi đảng viên phải kiên định mục tiêu độc lập dân tộc gắn liền với chủ nghĩa xã hội.",
]


@pytest.mark.skipif(subprocess.run(["sh", "-c", "tesseract --list-langs 2>&1 | grep -qx vie"]).returncode != 0,
                    reason="tesseract with the Vietnamese model is not installed (bin/setup)")
def test_scanned_pages_of_an_epub_are_recognised_and_found_at_their_page(app, client, tmp_path):
    app.config.update(JOBS_BACKGROUND=False, OCR_TIMEOUT_SECONDS=60)
    parts = [Part("intro.xhtml", xhtml("<h1>Lời nói đầu</h1><p>Sách chụp từ bản in.</p>"), title="Lời nói đầu")]
    for n, text in enumerate(SCANNED, start=1):
        parts.append(Part(f"scan-{n}.jpg", picture(text, seed=n), "image/jpeg", spine=False))
        parts.append(Part(f"page-{n}.xhtml", image_page(f"scan-{n}.jpg")))  # an XHTML page of one picture
    with app.app_context():
        result = import_file(write_epub_parts(tmp_path / "ban-chup.epub", parts, title="Sổ tay chụp"))
        assert result.status == "imported", result.reason
    assert result.ocr_pages == 2
    book_id = result.book_id
    assert tasks.run_until_idle(app) >= 1
    headers = _token(app, "thuvien", "librarian")
    book = client.get(f"/api/books/{book_id}", headers=headers).json
    assert book["ocr"]["status"] == "done" and book["ocr"]["pages_done"] == 2
    for query in ("kiên định mục tiêu độc lập dân tộc", "kien dinh muc tieu doc lap"):
        hits = client.get("/api/search", query_string={"q": query}).json["hits"]
        assert [(h["book_id"], h["page"], h["chapter"]) for h in hits] == [(book_id, 3, None)], query
        assert f"p=3" in hits[0]["read_url"]
    # The text mode shows what was read; the reader shows the picture.
    assert "kiên định" in client.get(f"/doc/{book_id}/van-ban?p=3").text
    assert re.search(r'<img src="[^"]+/OEBPS/scan-2\.jpg"', client.get(chapter_url(client, book_id, p=3)).text)


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares a huge size and holds nothing: a decompression bomb's header."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_broken_and_bomb_pictures_in_the_spine_import_and_are_not_recognised(app, client, tmp_path):
    parts = [Part("broken.jpg", b"\xff\xd8\xff\xe0 not really a picture", "image/jpeg"),
             Part("bomb.png", _png_header(100_000, 100_000), "image/png"),
             Part("text.xhtml", xhtml("<p>Chương có chữ về chi bộ.</p>"), title="Chữ")]
    with app.app_context():
        result = import_file(write_epub_parts(tmp_path / "hong.epub", parts))
        assert result.status == "imported", result.reason
        assert result.ocr_pages == 0
        hrefs = list(db.session.scalars(select(Section.href).where(Section.book_id == result.book_id)
                                        .order_by(Section.position)))
    assert hrefs == ["OEBPS/broken.jpg", "OEBPS/bomb.png", "OEBPS/text.xhtml"]
    for p in (1, 2, 3):
        assert client.get(chapter_url(client, result.book_id, p=p)).status_code == 200


def test_the_recognition_child_refuses_what_is_no_readable_picture(tmp_path):
    from library.ocr.sandbox import Limits, recognise_page

    book = write_epub_parts(tmp_path / "hong.epub", [
        Part("bomb.png", _png_header(100_000, 100_000), "image/png"),
        Part("broken.jpg", b"\xff\xd8\xff\xe0 not really a picture", "image/jpeg"),
        Part("text.xhtml", xhtml("<p>Chương có chữ.</p>"))])
    limits = Limits(timeout=30)
    assert "quá lớn" in recognise_page(book, 1, limits, "OEBPS/bomb.png").error
    assert recognise_page(book, 2, limits, "OEBPS/broken.jpg").error == "Không nhận dạng được trang này"
    assert recognise_page(book, 3, limits, "OEBPS/text.xhtml").error == "Trang này không phải là một hình"
    assert recognise_page(book, 4, limits, "OEBPS/missing.png").error == "Không thấy trang trong tệp EPUB"
