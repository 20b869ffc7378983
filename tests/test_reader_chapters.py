"""Every EPUB chapter that imports opens in the reader: Word's <o:p> (not well-formed XML),
prefixed SVG, DTBook, and every chapter of every EPUB of the shared corpus."""
from __future__ import annotations

import re

import pytest

from library.extraction import ExtractionError, extract
from library.ingest import import_file
from library.reader.epub import Links, load_chapter
from tests.conftest import CORPUS
from tests.test_reader_epub import chapter_url, hostile_epub

WORD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/><title>Word</title></head>
<body lang="VI" style="tab-interval:36.0pt">
<div class="WordSection1">
<p class="MsoNormal"><b><span lang="VI">Nghị quyết của chi bộ<o:p></o:p></span></b></p>
<p class="MsoNormal"><span lang="VI">Đảng viên học tập suốt đời.<o:p>&nbsp;</o:p></span></p>
<p class="MsoNormal"><o:p></o:p></p>
<w:Sdt>Ô nội dung Word</w:Sdt>
</div></body></html>
"""

SVG_UNDECLARED = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Bìa</title></head>
<body><div><svg:svg viewBox="0 0 10 10"><svg:image xlink:href="pic.png" width="10" height="10"/>
<svg:script>window.PWNED=1</svg:script></svg:svg></div>
<p>Lời giới thiệu về đảng viên.</p></body></html>
"""

SVG_DECLARED = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:svg="http://www.w3.org/2000/svg"
      xmlns:xlink="http://www.w3.org/1999/xlink"><head><title>Bìa</title></head>
<body><svg:svg viewBox="0 0 10 10"><svg:image xlink:href="pic.png"/></svg:svg>
<p>Lời giới thiệu về đảng viên.</p></body></html>
"""


@pytest.mark.parametrize("chapter, text", [
    (WORD, "Đảng viên học tập suốt đời."),
    (SVG_UNDECLARED, "Lời giới thiệu về đảng viên."),
    (SVG_DECLARED, "Lời giới thiệu về đảng viên."),
])
def test_a_chapter_the_text_mode_shows_opens_in_the_reader(app, client, tmp_path, chapter, text):
    with app.app_context():
        result = import_file(hostile_epub(tmp_path / "sach.epub", chapter))
    assert result.status == "imported", result.reason
    book_id = result.book_id
    assert text in client.get(f"/doc/{book_id}/van-ban?p=1").text
    response = client.get(chapter_url(client, book_id))
    assert response.status_code == 200
    assert text in response.text
    assert "PWNED" not in response.text and "<svg" not in response.text and "o:p" not in response.text
    if "svg" in chapter:  # the cover picture kept, as a plain image of the book
        assert re.search(r'<img src="/doc/\d+/tep-sach/[^"]+/OEBPS/pic.png"', response.text)


def _corpus_epubs():
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("**/*.epub")
                  if "bad" not in p.relative_to(CORPUS).parts[:1] and p.stat().st_size < 5_000_000)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("path", _corpus_epubs(), ids=lambda p: p.name)
def test_every_chapter_of_the_corpus_opens(path):
    try:
        book = extract(path)
    except ExtractionError:
        pytest.skip("refused at import: nothing to open")
    positions = {s.href: s.position for s in book.sections if s.href}
    for section in book.sections:
        links = Links(section.href, positions, lambda name: "/r/" + name, lambda p, f: f"/c/{p}")
        chapter = load_chapter(path, links)
        if section.text.strip():
            assert chapter.html.strip(), (section.position, section.href)


@pytest.mark.skipif(not (CORPUS / "epub/idpf-epub3/svg-in-spine.epub").is_file(), reason="corpus")
def test_svg_pages_in_the_spine_open_as_pictures_served_inert(app, client):
    with app.app_context():
        result = import_file(CORPUS / "epub/idpf-epub3/svg-in-spine.epub")
    assert result.status == "imported", result.reason
    page = client.get(chapter_url(client, result.book_id))
    assert page.status_code == 200
    src = re.search(r'<img src="(/doc/\d+/tep-sach/[^"]+\.svg)"', page.text).group(1)
    picture = client.get(src)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/svg+xml"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    assert picture.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"fill:url(#path2455_2_)" in picture.data  # its own gradients kept (a cleaned SVG)
    # A page that only places a picture (flyer.jpg) shows that picture, which loads.
    flyer = client.get(chapter_url(client, result.book_id, p=2))
    src = re.search(r'<img src="(/doc/\d+/tep-sach/[^"]+/flyer\.jpg)"', flyer.text).group(1)
    assert client.get(src).status_code == 200
