"""Recognised lines -> page text, and which pages go to recognition: pure rules, no tesseract."""
import unicodedata

import pypdfium2 as pdfium

from library.extraction.scans import needs_recognition, plausible_share
from library.ocr.text import head_key, page_text, without_head
from library.ocr.worker import render_size


def line(text, top, block=1, par=1, conf=90.0, height=2000):
    return {"text": text, "conf": conf, "words": len(text.split()), "box": [100, top, 900, top + 30],
            "block": block, "par": par}


def test_hyphenated_words_are_joined_and_compounds_keep_their_hyphen():
    lines = [line("Chủ nghĩa Mác-", 500), line("Lênin là nền tảng tư tưởng; quan điểm Mác-", 540),
             line("xít được tra cứu qua mạng in-", 580), line("ternet của chi bộ.", 620)]
    text = page_text(lines, 2000).text
    assert "Chủ nghĩa Mác-Lênin là" in text and "quan điểm Mác-xít được" in text
    assert "mạng internet của" in text


def test_page_numbers_and_running_heads_are_told_apart():
    lines = [line("SỔ TAY ĐẢNG VIÊN", 40), line("Chi bộ sinh hoạt định kỳ mỗi tháng một lần.", 300),
             line("Đảng viên phải dự họp đầy đủ.", 340), line("- 12 -", 1950)]
    result = page_text(lines, 2000)
    assert not result.text.rstrip().endswith("12 -")
    assert result.head == head_key("Sổ tay đảng viên") == "so tay dang vien"
    assert without_head(result.text, result.head).startswith("Chi bộ sinh hoạt")
    # A first line low on the page is body text, never a head.
    assert page_text([line("Chi bộ sinh hoạt", 900), line("định kỳ", 940)], 2000).head is None


def test_text_is_nfc_with_one_tone_placement_and_confidence_is_word_weighted():
    decomposed = unicodedata.normalize("NFD", "Hoà bình và thuý")
    result = page_text([line(decomposed, 500, conf=60.0), line("một hai ba bốn năm sáu", 540, conf=90.0)], 2000)
    assert result.text.startswith("Hòa bình và thúy") and unicodedata.is_normalized("NFC", result.text)
    assert round(result.confidence, 1) == round((60 * 4 + 90 * 6) / 10, 1)


def test_junk_text_over_a_full_page_picture_goes_to_recognition(tmp_path):
    from PIL import Image

    picture = tmp_path / "scan.pdf"
    Image.new("L", (400, 560), 240).save(picture, resolution=72.0)
    doc = pdfium.PdfDocument(str(picture))
    try:
        page = doc[0]
        assert needs_recognition("", page)                                  # no text layer
        assert needs_recognition("ÿþ#@ %%$ ¤¤¤ ~~~ @@@ ### ÿÿÿ ¬¬¬ ¦¦¦ §§§", page)  # junk over a scan
        assert needs_recognition("a 1 b", page)                            # a few stray letters
        assert not needs_recognition("Chi bộ sinh hoạt định kỳ, quán triệt nghị quyết của Đảng.", page)
        page.close()
    finally:
        doc.close()
    assert not needs_recognition("Mục lục")  # a short typeset page without a picture keeps its text
    assert plausible_share("đảng viên gương mẫu") == 1.0


def test_absurd_page_sizes_are_refused_and_large_ones_rendered_smaller():
    assert render_size(420, 595, 300, 40_000_000) == 300           # A5
    assert render_size(14_400, 14_400, 300, 40_000_000) is None     # 200 × 200 inches
    assert render_size(2384, 3370, 300, 40_000_000) == 150          # A0 fits at a lower resolution
    assert render_size(0, 595, 300, 40_000_000) is None


def test_a_scan_is_read_at_its_own_resolution_within_bounds():
    from library.ocr.worker import scan_resolution

    assert scan_resolution(300, 200.4) == 200   # no enlarging a 200 dpi scan to 300
    assert scan_resolution(300, 150) == 200     # small print reads better a little larger
    assert scan_resolution(300, 600) == 300     # nor reading 600 dpi at full size
    assert scan_resolution(300, None) == 300    # vector pages (outlined text) at the setting
