"""PDFs carrying JavaScript or launch actions: stored and served as they are, never run by the
reader (pdf.js without eval, scripting or XFA), and shown to librarians (not members)."""
from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from library.extraction.pdf_actions import JAVASCRIPT, LAUNCH, active_content
from library.reader.vendor import DEFAULT_DIR
from tests.books import pdf_book
from tests.conftest import CORPUS, REPO, sign_in
from tests.test_upload import librarian_api, post_book  # noqa: F401 - fixture

ALERT = "app.alert('PWNED'); this.print({bUI: false});"


def _name(value: str) -> NameObject:
    return NameObject(value)


def scripted_pdf(path: Path, javascript: bool = True, launch: bool = True,
                 pages: list[str] | None = None) -> Path:
    """A real PDF whose opening runs JavaScript (document-level and /OpenAction) and whose
    first page, when shown, launches a program, as a hostile file would."""
    plain = pdf_book(path.with_suffix(".plain.pdf"), pages or ["Trang có mã độc về đảng viên."])
    writer = PdfWriter(clone_from=str(plain))
    if javascript:
        action = DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject(ALERT)})
        writer._root_object[_name("/OpenAction")] = action
        writer._root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): DictionaryObject(
            {_name("/Names"): ArrayObject([TextStringObject("mo-dau"), writer._add_object(action)])})})
    if launch:
        writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): DictionaryObject(
            {_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("cmd.exe")})})
    writer.write(str(path))
    plain.unlink()
    return path


@pytest.mark.parametrize("javascript, launch, expected", [
    (True, True, [JAVASCRIPT, LAUNCH]), (True, False, [JAVASCRIPT]), (False, True, [LAUNCH]),
    (False, False, []),
])
def test_active_content_is_found(tmp_path, javascript, launch, expected):
    assert active_content(scripted_pdf(tmp_path / "a.pdf", javascript, launch)) == expected


def test_actions_hidden_in_an_object_stream_or_behind_name_escapes_are_found(tmp_path):
    packed = zlib.compress(b"5 0 6 40 << /S /Launch /F (calc.exe) >> << /Type /Action >>")
    hidden = tmp_path / "objstm.pdf"
    head = b"%%PDF-1.5\n7 0 obj\n<< /Type /ObjStm /N 2 /First 8 /Filter /FlateDecode /Length %d >>\n"
    hidden.write_bytes(head % len(packed) + b"stream\n" + packed + b"\nendstream\nendobj\n%%EOF\n")
    assert active_content(hidden) == [LAUNCH]
    escaped = tmp_path / "escaped.pdf"
    escaped.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /S /Java#53cript /J#53 (app.alert(1)) >>\nendobj\n%%EOF\n")
    assert active_content(escaped) == [JAVASCRIPT]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_no_corpus_pdf_is_taken_for_scripted():
    flagged = {p.name: active_content(p) for p in CORPUS.glob("**/*.pdf") if active_content(p)}
    assert flagged == {}


def test_a_scripted_pdf_is_stored_as_it_is_and_librarians_see_what_it_carries(
        app, anonymous, librarian_api, librarian_client, client, tmp_path):  # noqa: F811
    path = scripted_pdf(tmp_path / "nghi-quyet.pdf")
    response = post_book(anonymous, librarian_api, path)
    assert response.status_code == 202, response.json
    assert JAVASCRIPT in response.json["warnings"] and LAUNCH in response.json["warnings"]
    book_id = response.json["id"]
    words = "trình đọc của thư viện không bao giờ chạy"
    assert words in librarian_client.get(f"/sach/{book_id}").text
    assert words in librarian_client.get(f"/thu-vien/sach/{book_id}").text
    assert words not in client.get(f"/sach/{book_id}").text  # members are not alarmed
    with client.get(f"/sach/{book_id}/tep") as download:
        assert download.get_data() == path.read_bytes()  # kept byte for byte


def test_the_pdf_reader_asks_pdfjs_for_no_eval_and_no_xfa():
    script = (REPO / "static/reader/pdf-reader.js").read_text(encoding="utf-8")
    options = script.split("getDocument(", 1)[1].split("}).promise", 1)[0]
    assert "isEvalSupported: false" in options and "enableXfa: false" in options
    assert "pdf.sandbox" not in script and "PDFScriptingManager" not in script


@pytest.mark.skipif(not (DEFAULT_DIR / "build").is_dir(), reason="pdf.js is not installed")
def test_the_reader_page_loads_no_scripting_bundle(app, client, tmp_path):
    from library.ingest import import_file

    with app.app_context():
        book_id = import_file(scripted_pdf(tmp_path / "a.pdf")).book_id
    page = client.get(f"/doc/{book_id}").text
    assert "pdf.sandbox" not in page and "scripting" not in page.lower()
    assert "unsafe-eval" not in client.get(f"/doc/{book_id}").headers["Content-Security-Policy"]
