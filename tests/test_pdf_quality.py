"""What a PDF page really says: a few words are a text layer, glued glyphs, fake bold and labels
on their side are read as words, fonts left out of the file are found on the system. PDFs are
written here byte by byte (tests/pdf_files.py); the corpus confirms on the real samples."""
import os
from datetime import datetime
from pathlib import Path

import pytest

from library.extraction import extract
from library.extraction.pdf_text import better, repair
from library.search import BookDocument, SearchIndex, SectionText
from library.search.analysis import index_terms
from pdf_files import (fake_bold, glued, glued_pdf, lines, pdf_pages, rotated_label,
                       vertical_cjk)
from books import FILLER, pdf_book

REPO = Path(__file__).resolve().parent.parent
NO_TEXT = "không có lớp văn bản"


def words(text: str) -> set[str]:
    return set(index_terms(text).folded)


# --- "Không có lớp văn bản": decided per page --------------------------------------------

@pytest.mark.parametrize("page", [["Hello"], ["Dummy PDF file"], ["Text1", "Text2", "Text3"]])
def test_a_few_words_are_a_text_layer(tmp_path, page):
    book = extract(pdf_pages(tmp_path / "few.pdf", [lines(page)]))
    assert book.searchable and book.scanned_pages == []
    assert not any(NO_TEXT in w for w in book.warnings)
    assert book.sections[0].text == "\n".join(page)


def test_a_few_words_import_searchable_without_the_warning(app, tmp_path):
    from library.catalog.models import Book
    from library.extensions import db
    from library.ingest import import_file
    with app.app_context():
        result = import_file(pdf_pages(tmp_path / "hello.pdf", [lines(["Hello"])]))
        assert result.status == "imported", result.reason
        assert db.session.get(Book, result.book_id).searchable is True
        assert not any("Không tìm kiếm được" in w or NO_TEXT in w for w in result.warnings)


def test_books_labelled_before_are_brought_in_line_by_the_migration(app, tmp_path):
    """An instance that imported "Hello" under the whole-file rule: searchable after upgrade;
    a real scan keeps its label."""
    import json

    from alembic.command import downgrade, upgrade
    from sqlalchemy import text

    from library.catalog.models import Book
    from library.extensions import db
    from library.ingest import import_file
    from books import scanned_pdf
    with app.app_context():
        hello = import_file(pdf_pages(tmp_path / "hello.pdf", [lines(["Hello"])])).book_id
        scan = import_file(scanned_pdf(tmp_path / "scan.pdf")).book_id
        db.session.commit()  # no transaction of the test holds a table the migrations alter
        config = app.extensions["migrate"].migrate.get_config()
        downgrade(config, "18a1c0de5e1f")  # the revision before the per-page label
        old = json.dumps(["Tệp PDF không có lớp văn bản (có thể là bản quét), không tìm kiếm được nội dung"])
        db.session.execute(text("UPDATE book SET searchable = :f, warnings = :w WHERE id = :i"),
                           {"f": False, "w": old, "i": hello})
        db.session.commit()
        upgrade(config, "head")
        db.session.expire_all()
        assert db.session.get(Book, hello).searchable is True
        assert db.session.get(Book, hello).warnings == []
        assert db.session.get(Book, scan).searchable is False


def test_blank_and_digit_only_pages_are_still_no_text_layer(tmp_path):
    book = extract(pdf_pages(tmp_path / "numbers.pdf", [lines(["12"]), b""]))
    assert not book.searchable and any(NO_TEXT in w for w in book.warnings)


# --- Glued glyphs --------------------------------------------------------------------------

def test_a_control_glyph_between_words_is_a_space(tmp_path):
    path = glued_pdf(tmp_path / "glued.pdf", [glued(["alpha", "habibi", "omega"]),
                                             glued(["Long", "Biên", "bridge"])])
    book = extract(path)
    assert words(book.sections[0].text) >= {"alpha", "habibi", "omega"}
    assert words(book.sections[1].text) >= {"long", "bien", "bridge"}


def test_a_private_use_glyph_between_words_is_a_space(tmp_path):
    book = extract(glued_pdf(tmp_path / "pua.pdf", [glued(["alpha", "habibi"])], unicode=0xF0B7))
    assert words(book.sections[0].text) >= {"alpha", "habibi"}


def test_a_glued_word_is_found_at_its_page_in_a_real_index(tmp_path):
    path = glued_pdf(tmp_path / "glued.pdf", [lines(["Nothing here"]), glued(["alpha", "habibi", "omega"])])
    book = extract(path)
    index = SearchIndex(str(tmp_path / "index"))
    try:
        index.index_book(BookDocument(1, "Glued", [], "chi-bo-dien-tu", 2020, "application/pdf",
                                      datetime(2024, 1, 1), [SectionText(s.position, s.text, page=s.page)
                                                             for s in book.sections]))
        assert [(h.book_id, h.page) for h in index.search_hits("habibi").hits] == [(1, 2)]
    finally:
        index.close()


# --- Fake bold -----------------------------------------------------------------------------

def test_fake_bold_reads_once(tmp_path):
    page = (lines(["Schema d'amenagement"]) + b"\n" + fake_bold("Municipalite de Saint-Sauveur")
            + b"\n" + fake_bold("Long Bien", y=460) + b"\n" + lines(["Long Bien, the bridge"], top=400))
    text = extract(pdf_pages(tmp_path / "bold.pdf", [page])).sections[0].text
    assert "MMuu" not in text and "LLoo" not in text
    assert "Municipalite de Saint-Sauveur" in text and "Long Bien\n" in text
    assert "Long Bien, the bridge" in text


@pytest.mark.parametrize("doubled, once", [
    ("MMuunniicciippaalliittéé ddee MMoorriinn--HHeeiigghhttss", "Municipalité de Morin-Heights"),
    ("LLoonngg  BBiieenn", "Long Bien"),
    ("NNgguuyyễễnn VVăănn LLợợii", "Nguyễn Văn Lợi"),
    ("Sổ tay ĐĐẢẢNNGG VVIIÊÊNN", "Sổ tay ĐẢNG VIÊN"),
    ("Municipalité de Saint-SauveurMunicipalité de Saint-Sauveur", "Municipalité de Saint-Sauveur"),
])
def test_whole_doubled_runs_are_undoubled(doubled, once):
    assert repair(doubled) == (once, True)


@pytest.mark.parametrize("text", [
    "Long", "Hello", "Nguyễn Văn Lợi", "Hoàng Long, cool", "aa bb", "ee", "Đường Trường Sơn",
    "Họ và tên: ........................", "Số: 1122/QĐ-TTg", "xx yy", "Lúc ấy, ai cũng vui vẻ.",
    "Tiến lên, tiến lên", "ooo", "Mississippi", "Anna Hannah", "1100 2200 3300",
])
def test_legitimate_text_is_never_repaired(text):
    assert repair(text) == (text, False)


# --- A label on its side -------------------------------------------------------------------

def test_a_label_on_its_side_reads_as_one_word(tmp_path):
    page = lines(["Carte des zones inondables"]) + b"\n" + rotated_label("Saint-Sauveur")
    text = extract(pdf_pages(tmp_path / "map.pdf", [page])).sections[0].text
    assert text == "Carte des zones inondables\nSaint-Sauveur"


def test_short_lines_of_a_list_stay_apart():
    text = "Mục lục\n1\n2\n3\n4\n5\nA. Mở đầu\nB. Nội dung"
    assert repair(text) == (text, False)


# --- The second opinion --------------------------------------------------------------------

def test_the_text_with_more_real_words_is_kept():
    pdfium = " يبيبَح˴ ϲΒϴΒ habibi يبيبَح"
    pypdf = "حَبيبي habibi حَبيبي"
    assert better(pdfium, pypdf) == pypdf
    assert better(pypdf, pdfium) == pypdf
    # fewer words, or words cut in pieces, are never better
    assert better("Chi bộ họp định kỳ", "Chi") == "Chi bộ họp định kỳ"
    broken = "Đ ả ng viên ch ấ p hành ngh ị quy ế t"
    assert better("Đảng viên chấp hành nghị quyết\uf0b7ϲΒ", broken) == "Đảng viên chấp hành nghị quyết\uf0b7ϲΒ"


def test_vietnamese_pages_are_stored_as_before(tmp_path):
    import pypdfium2 as pdfium
    from library.vietnamese import clean_text
    path = pdf_book(tmp_path / "vn.pdf", [FILLER, "Lúc ấy, ai cũng đến.\nKhác, thì đó là việc.",
                                           "Đảng viên Nguyễn Văn Long, Hoàng Anh Tuấn."])
    doc = pdfium.PdfDocument(path)
    before = [clean_text(doc[i].get_textpage().get_text_bounded().replace("\x02", "")).strip()
              for i in range(len(doc))]
    doc.close()
    assert [s.text for s in extract(path).sections] == before
    assert "Khác, thì đó là việc." in before[2]


# --- Fonts the file leaves out -------------------------------------------------------------

def test_vertical_japanese_in_a_font_left_out_is_read_through_the_system_cjk_font(tmp_path):
    # Adobe-Japan1 CIDs of わたくしといふ現象は (Miyazawa Kenji, from the corpus's jo.pdf).
    # Without a CJK font (fonts-noto-cjk, bin/setup) pdfium reads none of them.
    cids = [0x0398, 0x0368, 0x0358, 0x0360, 0x0371, 0x034D, 0x037E, 0x0771, 0x09C5, 0x0378]
    book = extract(vertical_cjk(tmp_path / "jo.pdf", cids))
    assert book.sections[0].text == "わたくしといふ現象は"
    assert book.searchable


# --- The corpus's own samples --------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus() -> Path:
    root = Path(os.environ.get("LIBRARY_CORPUS", REPO.parent / "shared" / "corpus"))
    if not (root / "MANIFEST.tsv").exists():
        pytest.skip(f"test corpus not found at {root} (set LIBRARY_CORPUS)")
    return root


def test_habibi_is_found_on_every_page_of_the_samples(corpus):
    pages = [s.text for name in ("habibi.pdf", "habibi-rotated.pdf", "habibi-oneline-cmap.pdf")
             for s in extract(corpus / "pdf/pypdf-samples" / name).sections]
    assert len(pages) == 6 and all("habibi" in words(text) for text in pages)


def test_the_map_reads_its_bold_and_turned_labels(corpus):
    text = extract(corpus / "pdf/pdfminer/issue-1008-inline-ascii85.pdf").sections[0].text
    assert "Municipalité de Morin-Heights" in text and "MMuu" not in text
    assert "\nSaint-Sauveur\n" in text


def test_the_japanese_poem_is_read_whole(corpus):
    text = extract(corpus / "pdf/pdfminer/jo.pdf").sections[0].text
    assert sum(not ch.isspace() for ch in text) >= 850  # of 898 pypdf reads; 262 without the font


def test_few_word_corpus_pdfs_have_a_text_layer(corpus):
    for name in ("pdfminer/issue-886-xref-stream-widths.pdf", "pdfminer/issue-1082-annotations.pdf",
                 "pypdf-samples/output_with_metadata_pymupdf.pdf", "pdfminer/simple4.pdf"):
        book = extract(corpus / "pdf" / name)
        assert book.searchable and not any(NO_TEXT in w for w in book.warnings), name
    assert not extract(corpus / "pdf/pypdf-samples/imagemagick-images.pdf").searchable
