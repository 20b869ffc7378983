"""Hostile input: PDF shapes known to hurt pypdf and pdfium (built here), every file of the
shared bad corpus, metadata carrying HTML/JS, and search syntax meant to make Whoosh slow.
Each is refused with a plain reason or imported safely, with nothing leaking into pages,
JSON, logs or the index."""
import logging
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library.catalog.models import Book
from library.extensions import db
from library.ingest import FAILED, IMPORTED, import_file
from library.search import get_index
from tests.conftest import CORPUS

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"


def pdf(objects: list[bytes], trailer: bytes = b"", xref: bool = True, prev: bool = False) -> bytes:
    """A PDF from numbered objects (1-based), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    extra = b" /Prev %d" % start if prev else b""  # the table names itself as the previous one
    out += b"trailer\n<< /Size %d /Root 1 0 R%s%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, extra, trailer, start)
    return bytes(out)


def stream(data: bytes, filters: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), filters) + data + b"\nendstream"


TEXT = stream(b"BT /F1 12 Tf 72 720 Td (Chi bo sinh hoat) Tj ET")
BOMB = zlib.compress(zlib.compress(b"\0" * (64 << 20), 9), 9)  # 64 MiB behind two Flate layers
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
          + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10)
                     for i in range(9))
          + b']><x:xmpmeta xmlns:x="adobe:ns:meta/"><t>&j;</t></x:xmpmeta>')
SCRIPT_TITLE = "<script>alert('xss')</script><img src=x onerror=alert(1)>"

SHAPES = {
    "nested-flate-bomb": pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE,
                              stream(BOMB, b" /Filter [/FlateDecode /FlateDecode]")]),
    "page-tree-cycle": pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", PAGE, TEXT]),
    "circular-prev": pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                          b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, TEXT], prev=True),
    "huge-size": pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>", PAGE, TEXT],
                     trailer=b" /Size 2147483647"),
    "xmp-billion-laughs": pdf([b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
                               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, TEXT,
                               stream(LAUGHS, b" /Type /Metadata /Subtype /XML")]),
    "no-xref-table": pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                          b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, TEXT], xref=False),
}


def nothing_leaks(text: str):
    assert "<script" not in text and "onerror=" not in text and "Traceback" not in text
    assert "/tmp/" not in text and "pytest-of" not in text


@pytest.fixture
def hardened(app):
    app.config["EXTRACT_TIMEOUT_SECONDS"] = 20
    return app


@pytest.mark.slow
@pytest.mark.parametrize("name", SHAPES)
def test_hostile_pdf_shapes_are_refused_or_imported_safely(hardened, tmp_path, name, caplog):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(SHAPES[name])
    with hardened.app_context(), caplog.at_level(logging.INFO):
        result = import_file(path)
        assert result.status in (IMPORTED, FAILED)
        if result.status == FAILED:
            assert result.reason and len(result.reason) < 200
            nothing_leaks(result.reason)
            assert db.session.scalar(select(func.count(Book.id))) == 0
            books_dir = Path(hardened.config["BOOKS_DIR"])
            assert not books_dir.exists() or not [p for p in books_dir.rglob("*") if p.is_file()]
        else:
            book = db.session.get(Book, result.book_id)
            assert sum(len(s.text) for s in book.sections) < 1_000_000  # no bomb in the rows
            assert result.book_id in get_index().indexed_book_ids()
    assert "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" not in caplog.text  # no entity expansion logged


def test_metadata_with_html_and_script_is_shown_as_text_everywhere(app, tmp_path, client, api_headers):
    path = tmp_path / "script.pdf"
    title = SCRIPT_TITLE.encode("latin-1").replace(b"(", b"\\(").replace(b")", b"\\)")
    path.write_bytes(pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                          PAGE, TEXT, b"<< /Title (" + title + b") /Author (<b>Ban</b>) >>"],
                         trailer=b" /Info 5 0 R"))
    with app.app_context():
        result = import_file(path)
    assert result.status == IMPORTED, result.reason
    page = client.get(f"/sach/{result.book_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    listing = client.get("/api/books", headers=api_headers).get_json()
    assert listing["books"][0]["title"] == SCRIPT_TITLE  # JSON carries the text as text
    found = client.get("/tim-kiem?q=alert+xss").get_data(as_text=True)
    assert "<script>alert" not in found and "<img src=x" not in found
    hits = client.get("/api/search?q=chi+bo+sinh+hoat", headers=api_headers).get_json()["hits"]
    assert hits and all("<script" not in h["snippet"] for h in hits)


BAD = sorted(p for p in (CORPUS / "bad").rglob("*") if p.is_file() and p.suffix in (".pdf", ".epub"))


@pytest.mark.slow
@pytest.mark.skipif(not BAD, reason="shared bad corpus not found")
def test_every_bad_corpus_file_gives_a_plain_reason_and_leaves_nothing(app, caplog):
    with app.app_context(), caplog.at_level(logging.WARNING):
        for path in BAD:
            result = import_file(path)
            if result.status == FAILED:
                nothing_leaks(result.reason)
        imported = db.session.scalar(select(func.count(Book.id)))
        assert imported == len(get_index().indexed_book_ids())
    assert "<script" not in caplog.text


HOSTILE_QUERIES = ["*", "??????", "content:[a TO z]", "title:*", "a" * 100_000, "đảng\x00viên",
                   " OR ".join(f"từ{n}" for n in range(3000)), "(" * 5000, '"' * 999, "-" * 10_000,
                   "%ED%A0%80", "%00", "*:*", "đảng~5", "NOT NOT NOT", "\u202e" * 50]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_hostile_search_input_is_answered_or_refused_never_a_500(app, client, api_headers, tmp_path, query):
    from urllib.parse import quote

    # %ED%A0%80 goes as is: a lone surrogate, invalid UTF-8 on the wire
    encoded = query if query.startswith("%ED") else quote(query)
    for url in ("/tim-kiem", "/api/search", "/api/suggest"):
        response = client.get(f"{url}?q={encoded}", headers=api_headers)
        assert response.status_code in (200, 400), (url, response.status_code)
        if url != "/tim-kiem":
            assert response.is_json


def epub_zip(path: Path, members: dict[str, bytes], extra_entries: int = 0) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        for name, data in members.items():
            zf.writestr(name, data)
        for n in range(extra_entries):
            zf.writestr(zipfile.ZipInfo(f"x/{n}"), b"")
    return path


CONTAINER = (b'<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             b'<rootfiles><rootfile full-path="c.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')


def lying_sizes(path: Path) -> Path:
    """A chapter of 200 MiB of zeros whose local and central headers claim 100 bytes."""
    import struct

    epub_zip(path, {"META-INF/container.xml": CONTAINER, "c.opf": b"<package/>",
                    "ch.xhtml": b"\0" * (200 << 20)})
    data = bytearray(path.read_bytes())
    at = data.find(b"ch.xhtml")
    while at != -1:
        header = data.rfind(b"PK", 0, at)
        if data[header:header + 4] == b"PK\x03\x04":
            struct.pack_into("<I", data, header + 22, 100)
        elif data[header:header + 4] == b"PK\x01\x02":
            struct.pack_into("<I", data, header + 24, 100)
        at = data.find(b"ch.xhtml", at + 1)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["200000-entries", "lying-sizes"])
def test_hostile_epub_zips_are_refused_through_the_whole_import(hardened, tmp_path, shape):
    path = tmp_path / f"{shape}.epub"
    if shape == "lying-sizes":
        lying_sizes(path)
    else:
        epub_zip(path, {"META-INF/container.xml": CONTAINER}, extra_entries=200_000)
    with hardened.app_context():
        result = import_file(path)
        assert result.status == FAILED and result.reason, result
        nothing_leaks(result.reason)
        assert db.session.scalar(select(func.count(Book.id))) == 0
