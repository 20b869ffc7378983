"""Only trustworthy recognition is indexed: a picture read as text (junk at a low confidence)
leaves its page recognised but without text, while a real scan keeps its words. Real
tesseract with the Vietnamese model; thresholds in library.ocr.text (measured, README)."""
from __future__ import annotations

import random
import subprocess

import pytest
from sqlalchemy import select

from library import tasks
from library.catalog.models import Section
from library.extensions import db
from library.ingest import import_file
from library.ocr.text import LINE_MIN, PAGE_MIN, page_text
from library.ocr.worker import recognise
from tests.conftest import make_user, sign_in
from tests.ocr_books import HEAD, PAGES, PHRASE, SMALL

pytestmark = pytest.mark.skipif(subprocess.run(["sh", "-c", "tesseract --list-langs 2>&1 | grep -qx vie"]).returncode != 0,
                                reason="tesseract with the Vietnamese model is not installed (bin/setup)")


def _line(words: list[tuple[str, float]], top: int = 500) -> dict:
    confs = [c for _, c in words]
    return {"text": " ".join(w for w, _ in words), "conf": sum(confs) / len(confs), "confs": confs,
            "words": len(words), "box": [100, top, 900, top + 40], "block": 1, "par": 1}


def test_lines_below_the_threshold_are_dropped_and_a_guessed_page_keeps_nothing():
    kept = page_text([_line([("Chi", 96.0), ("bộ", 95.0), ("họp", 91.0)], top=400),
                      _line([("c@OXS[-2VLYC", LINE_MIN - 30), ("Lợi", LINE_MIN + 5)], top=500),
                      # a good word scored low beside junk stays with its line: "tiêu" is needed
                      _line([("_", 19.5), ("tiêu", 19.5), ("độc", 96.7), ("lập", 96.5)], top=600)], 2000)
    assert kept.text == "Chi bộ họp\n_ tiêu độc lập" and kept.words == 7 and kept.dropped == 2
    assert kept.confidence == pytest.approx((96 + 95 + 91 + LINE_MIN - 30 + LINE_MIN + 5 + 19.5 * 2 + 96.7 + 96.5) / 9)
    guessed = page_text([_line([("Lợi", 43.5), ("bên", 37.1), ("Áo:", 94.9), ("&b", 2.0)])], 2000)
    assert guessed.confidence < 50 <= PAGE_MIN
    assert guessed.text == "" and guessed.words == 0 and guessed.dropped == 4


def _junk_picture(seed: int = 5):
    """A picture tesseract reads as words it is not sure of: blurred strokes shaped like text
    (what a drawing's lettering and hatching give), at the test scans' size."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    from library.demo.pdfbook import find_font

    rng = random.Random(seed)
    width, height = (round(side * SMALL.dpi) for side in SMALL.size_inches)
    font = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), 30)
    image = Image.new("L", (width, height), 240)
    draw = ImageDraw.Draw(image)
    for y in range(80, height - 80, 70):
        words = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(2, 7)))
                         for _ in range(6))
        draw.text((60, y), words, fill=30, font=font)
    return image.filter(ImageFilter.GaussianBlur(3.5))


def _book(path) -> None:
    from library.demo.scans import jpeg, scan_image

    pages = [jpeg(scan_image(PAGES[1], SMALL, head=HEAD, number=1, seed=1), SMALL.jpeg_quality).convert("L"),
             _junk_picture()]
    pages[0].save(str(path), "PDF", save_all=True, append_images=pages[1:], resolution=float(SMALL.dpi))


@pytest.fixture
def ocr_app(app):
    app.config.update(JOBS_BACKGROUND=False, OCR_DPI=200, OCR_TIMEOUT_SECONDS=60)
    return app


def test_a_picture_page_indexes_no_junk_and_the_scan_keeps_its_phrase(ocr_app, tmp_path):
    path = tmp_path / "tranh-va-chu.pdf"
    _book(path)
    # Raw, the picture gives words (some of them Vietnamese-looking) at a low confidence:
    # without the filter they would be indexed.
    raw = recognise(str(path), 2, 200, "vie", str(tmp_path), 40_000_000)
    confs = [c for line in raw["lines"] for c in line["confs"]]
    assert len(confs) >= 20 and sum(confs) / len(confs) < 35
    junk = [w for line in raw["lines"] for w in line["text"].split() if len(w) >= 3 and w.isalpha()]
    assert junk

    make_user(ocr_app, "thuvien", role="librarian")
    with ocr_app.app_context():
        result = import_file(path)
        assert result.ocr_pages == 2
    assert tasks.run_until_idle(ocr_app) == 1
    book_id = result.book_id
    with ocr_app.app_context():
        texts = {s.position: s.text for s in db.session.scalars(select(Section).where(Section.book_id == book_id))}
    assert "phẩm chất đạo đức" in texts[1]
    assert texts[2] == ""

    client = sign_in(ocr_app.test_client(), ocr_app, "thuvien")
    hits = client.get("/api/search", query_string={"q": PHRASE}).json["hits"]
    assert [(h["book_id"], h["page"]) for h in hits] == [(book_id, 1)]
    for word in junk[:8]:
        found = client.get("/api/search", query_string={"q": f'"{word}"'}).json["hits"]
        assert all(h["page"] != 2 for h in found if h["book_id"] == book_id), word

    # Recognised, nothing trustworthy: done (not waiting), said so, and not "poor quality".
    ocr = client.get(f"/api/books/{book_id}").json["ocr"]
    assert ocr["status"] == "done" and ocr["pages_done"] == 2 and ocr["pages_without_text"] == [2]
    assert 2 not in ocr["low_confidence_pages"] and ocr["mean_confidence"] > 80
    page = client.get(f"/doc/{book_id}/van-ban?p=2").get_data(as_text=True)
    assert "Đã nhận dạng: trang này không có chữ đọc được" in page and "đang chờ" not in page
    book_page = client.get(f"/sach/{book_id}").get_data(as_text=True)
    assert "1 trang đã nhận dạng không có chữ đọc được" in book_page
