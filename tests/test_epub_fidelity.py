"""What an EPUB chapter really holds reaches the reader: MathML kept (and read as a line of
text in the text mode and the index), SVG kept but inert (inline and as spine pages), the
document's right-to-left direction, and search marks in chapters written with decomposed
diacritics. Real import, real HTTP reader routes."""
from __future__ import annotations

import re
import unicodedata

import pytest

from library.extraction import extract
from library.extraction.epub_pictures import document_picture
from library.extraction.xhtml import document_text
from library.extraction.xmlsafe import parse_document
from library.ingest import import_file
from library.reader.foreign import clean_svg
from tests.epubs import Part, png, write_epub_parts, xhtml
from tests.test_reader_epub import chapter_url

M = 'xmlns="http://www.w3.org/1998/Math/MathML"'
MATH = xhtml(f"""<h1>Phương trình bậc hai</h1>
<p>Nghiệm của phương trình <math {M}><mi>a</mi><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mi>b</mi>
<mi>x</mi><mo>+</mo><mi>c</mi><mo>=</mo><mn>0</mn></math> là</p>
<p><math {M} display="block"><mi>x</mi><mo>=</mo><mfrac><mrow><mo>&#x2212;</mo><mi>b</mi><mo>&#xB1;</mo>
<msqrt><mrow><msup><mi>b</mi><mn>2</mn></msup><mo>&#x2212;</mo><mn>4</mn><mi>a</mi><mi>c</mi></mrow></msqrt></mrow>
<mrow><mn>2</mn><mi>a</mi></mrow></mfrac></math>, với <math {M}><mi>a</mi><mo>&#x2260;</mo><mn>0</mn></math>,
<math {M}><mi>b</mi></math> hoặc <math {M}><mi>c</mi></math> tuỳ ý.</p>
<p>Ma trận <math {M}><msub><mfenced separators="" open="[" close="]"><mi>A</mi></mfenced><mrow><mi>i</mi><mi>j</mi></mrow></msub>
<mo>=</mo><mfenced open="[" close="]"><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr>
<mtr><mtd><mn>3</mn></mtd><mtd><mn>4</mn></mtd></mtr></mtable></mfenced></math>
<math {M}><semantics><mi>y</mi><annotation encoding="TeX">y</annotation>
<annotation-xml encoding="text/html"><span onclick="window.PWNED=1">PWNED</span></annotation-xml></semantics>
<maction actiontype="statusline"><mi>z</mi><mtext>PWNED</mtext></maction><mi href="javascript:window.PWNED=2">w</mi></math></p>""",
             title="Toán")

RTL = xhtml("""<h1>الفصل الأول</h1><p>هذا نص عربي يجري من اليمين إلى اليسار.</p>
<p lang="vi" dir="ltr">Một đoạn tiếng Việt.</p>""", title="عربي", html_attributes='lang="ar" dir="rtl"')
RTL_BODY = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>ע</title>'
            '</head><body dir="rtl" lang="he"><p>שלום עולם, זה טקסט בעברית.</p></body></html>')

S = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
HOSTILE_SVG = f"""<svg {S} viewBox="0 0 200 100" onload="window.PWNED=1">
<script>window.PWNED=2</script><script xlink:href="https://evil.example/x.js"/>
<style>@import url(https://evil.example/a.css); text {{ fill: #222; background: url(https://evil.example/b.png) }}</style>
<defs><clipPath id="c"><rect width="200" height="100"/></clipPath></defs>
<foreignObject width="100" height="50"><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example/"/>PWNED</div></foreignObject>
<a xlink:href="javascript:window.PWNED=3"><text x="10" y="40" clip-path="url(#c)" onclick="window.PWNED=4">Bản đồ chi bộ</text></a>
<rect x="5" y="5" width="50" height="20" fill="url(https://evil.example/p.svg#g)" onmouseover="window.PWNED=5"/>
<image x="0" y="50" width="40" height="40" xlink:href="https://evil.example/t.png"/>
<image x="50" y="50" width="40" height="40" xlink:href="../images/dot.png"/>
<image x="100" y="50" width="40" height="40" href="javascript:window.PWNED=6"/>
<use xlink:href="https://evil.example/s.svg#x"/><use href="#c"/>
<animate attributeName="href" to="javascript:window.PWNED=7"/><set attributeName="onclick" to="window.PWNED=8"/>
<circle cx="150" cy="30" r="20" fill="#8c1818"/>
</svg>"""
INLINE_SVG = xhtml(f"<h1>Sơ đồ</h1><p>Trước hình.</p><div>{HOSTILE_SVG}</div><p>Sau hình.</p>", title="Sơ đồ")
PNG_DOT = png(4, 4)


def _book(app, tmp_path, parts, title="Sách thử"):
    with app.app_context():
        result = import_file(write_epub_parts(tmp_path / "sach.epub", parts, title=title))
    assert result.status == "imported", result.reason
    return result.book_id


def _frame(client, book_id, p=1, q=None):
    response = client.get(chapter_url(client, book_id, p=p, q=q))
    assert response.status_code == 200
    return response.text


def _inert(html: str):
    body = html.split("<body", 1)[1]
    for bad in ("PWNED", "onload", "onclick", "onmouseover", "javascript", "evil.example", "<script>",
                "<foreignobject", "<iframe", "<animate", "<set ", "@import", "<annotation"):
        assert bad.lower() not in body.lower(), bad


def test_mathml_is_kept_for_the_reader_and_read_as_a_line_of_text(app, client, tmp_path):
    book_id = _book(app, tmp_path, [Part("toan.xhtml", MATH, title="Phương trình")])
    html = _frame(client, book_id)
    _inert(html)
    assert '<math display="block">' in html and "<mfrac>" in html and "<msqrt>" in html
    # <mfenced>, which browsers no longer draw, comes as the brackets it means
    assert "<mfenced" not in html and '<mo fence="true">[</mo>' in html
    text = client.get(f"/doc/{book_id}/van-ban?p=1").text
    assert "a x^2 + b x + c = 0" in text.replace("ax", "a x") or "ax^2 + bx + c = 0" in text
    assert "x = (−b ± √(b^2 − 4ac))/(2a)" in text
    assert "a ≠ 0, b hoặc c tuỳ ý" in text
    assert "[A]_(ij) = [1 2; 3 4]" in text
    assert ", , ," not in text and "PWNED" not in text


def test_math_text_is_what_search_finds(app, client, tmp_path):
    book_id = _book(app, tmp_path, [Part("toan.xhtml", MATH, title="Phương trình")])
    hits = client.get("/api/search", query_string={"q": "phương trình bậc hai"}).json["hits"]
    assert hits and hits[0]["book_id"] == book_id and "PWNED" not in hits[0]["snippet"]


def test_right_to_left_chapters_keep_their_direction(app, client, tmp_path):
    book_id = _book(app, tmp_path, [Part("ar.xhtml", RTL, title="عربي"), Part("he.xhtml", RTL_BODY, title="עברית")])
    arabic = _frame(client, book_id, 1)
    assert re.search(r'<html lang="ar" dir="rtl">', arabic)
    assert '<p lang="vi" dir="ltr">Một đoạn tiếng Việt.</p>' in arabic  # a paragraph's own direction stays
    hebrew = _frame(client, book_id, 2)
    assert re.search(r'<html lang="he" dir="rtl">', hebrew)
    plain = _frame(client, _book(app, tmp_path / "..", [Part("vi.xhtml", xhtml("<p>Chữ Việt.</p>"))], "Việt"))
    assert "dir=" not in plain.split("<body", 1)[0]


def test_inline_svg_is_kept_and_inert(app, client, tmp_path):
    parts = [Part("chapters/so-do.xhtml", INLINE_SVG, title="Sơ đồ"),
             Part("images/dot.png", PNG_DOT, "image/png", spine=False)]
    book_id = _book(app, tmp_path, parts)
    html = _frame(client, book_id)
    _inert(html)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'viewBox="0 0 200 100"' in svg and "<circle" in svg and 'clip-path="url(#c)"' in svg
    assert "Bản đồ chi bộ" in svg and '<use href="#c">' in svg
    pictures = re.findall(r'<image[^>]*href="([^"]+)"', svg)
    assert len(pictures) == 1 and re.fullmatch(r"/doc/\d+/tep-sach/[^/]+/OEBPS/images/dot\.png", pictures[0])
    assert client.get(pictures[0]).status_code == 200
    # The text around it and in it is the chapter's text; a search mark never goes inside the drawing.
    text = client.get(f"/doc/{book_id}/van-ban?p=1").text
    assert "Trước hình." in text and "Bản đồ chi bộ" in text and "Sau hình." in text
    marked = _frame(client, book_id, q="bản đồ")
    assert "<mark" not in re.search(r"<svg.*?</svg>", marked, re.S).group(0)


def test_svg_pages_of_the_spine_are_drawn_inline_and_svg_pictures_are_served_clean(app, client, tmp_path):
    page = f'<svg {S} viewBox="0 0 100 150"><image width="100" height="150" xlink:href="scan.png"/></svg>'
    parts = [Part("images/bia.svg", HOSTILE_SVG.replace("../images/dot.png", "dot.png"), "image/svg+xml",
                  title="Bìa vẽ"),
             Part("images/trang.svg", page, "image/svg+xml", title="Trang quét"),
             Part("images/dot.png", PNG_DOT, "image/png", spine=False),
             Part("images/scan.png", PNG_DOT, "image/png", spine=False),
             Part("chuong.xhtml", xhtml('<p>Hình minh hoạ: <img src="images/bia.svg" alt="bìa"/></p>'), title="Chương")]
    book_id = _book(app, tmp_path, parts)
    drawn = _frame(client, book_id, 1)
    _inert(drawn)
    assert '<div class="svg-page"><svg' in drawn and "Bản đồ chi bộ" in drawn and "<circle" in drawn
    # A spine SVG that only places a picture shows the picture itself (which then loads).
    assert re.search(r'<img src="/doc/\d+/tep-sach/[^"]+/OEBPS/images/scan\.png"', _frame(client, book_id, 2))
    # The SVG file shown as an <img>: served as an SVG picture, cleaned, inert on its own.
    src = re.search(r'<img src="([^"]+/OEBPS/images/bia\.svg)"', _frame(client, book_id, 3)).group(1)
    served = client.get(src)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/svg+xml"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    body = served.data.decode("utf-8")
    for bad in ("PWNED", "onload", "onclick", "javascript", "evil.example", "<script", "foreignObject",
                "<animate", "<set ", "@import", "url(https"):
        assert bad not in body, bad
    assert "<circle" in body and "Bản đồ chi bộ" in body and 'href="dot.png"' in body and 'href="#c"' in body
    assert "text { fill: #222;" in body  # its style, without the outside URLs


def test_clean_svg_refuses_what_is_not_svg():
    with pytest.raises(ValueError):
        clean_svg(b"<html><body>x</body></html>", lambda href: True)


def test_decomposed_diacritics_are_marked_in_the_reader(app, client, tmp_path):
    nfd = unicodedata.normalize("NFD", "<h1>BÁO CÁO CHÍNH TRỊ</h1><p>Báo cáo của chi bộ về đảng viên mới.</p>")
    assert "A\u0301" in nfd
    book_id = _book(app, tmp_path, [Part("bao-cao.xhtml", xhtml(nfd), title="Báo cáo")])
    for query in ("báo cáo", "bao cao", "BÁO CÁO chính trị"):
        html = _frame(client, book_id, q=query)
        assert re.search(r'<mark id="hit">BÁO CÁO( CHÍNH TRỊ)?</mark>', html), query
    assert '<mark class="more">' in _frame(client, book_id, q="đảng viên") or \
        '<mark id="hit">đảng viên</mark>' in _frame(client, book_id, q="đảng viên")


def test_math_text_of_the_extractor():
    text = document_text(parse_document(MATH.encode("utf-8")))
    assert "x = (−b ± √(b^2 − 4ac))/(2a)" in text
    assert "PWNED" not in text


def test_a_picture_page_is_recognised_only_when_it_is_only_a_picture():
    only = parse_document(xhtml('<div><img src="../img/p1.jpg" alt=""/></div>').encode())
    assert document_picture(only, "OEBPS/text/p1.xhtml") == "OEBPS/img/p1.jpg"
    captioned = parse_document(xhtml('<div><img src="p1.jpg"/><p>Hình 1</p></div>').encode())
    assert document_picture(captioned, "OEBPS/p1.xhtml") is None
    wrapped = parse_document(xhtml(f'<svg {S}><image xlink:href="p2.png"/></svg>').encode())
    assert document_picture(wrapped, "OEBPS/p2.xhtml") == "OEBPS/p2.png"


@pytest.mark.skipif(not __import__("tests.conftest", fromlist=["CORPUS"]).CORPUS.joinpath(
    "epub/idpf-epub3/haruko-jpeg.epub").is_file(), reason="shared corpus not present")
def test_the_idpf_manga_has_its_twelve_pages():
    from tests.conftest import CORPUS

    book = extract(CORPUS / "epub/idpf-epub3/haruko-jpeg.epub")
    assert len(book.sections) == 13  # twelve pages and the "about this document" picture
    assert [s.href.rsplit("/", 1)[1] for s in book.sections[:3]] == ["01.jpg", "02.jpg", "03.jpg"]
    assert [t.position for t in book.toc] == [1, 13]


def test_a_chapters_own_styles_are_served_clean_and_a_fixed_layout_page_keeps_its_size(app, client, tmp_path):
    head = ('<meta name="viewport" content="width=1200, height=1800"/>'
            '<style>p.lead { color: #123456 } body { background: url(https://evil.example/bg.png) }</style>')
    svg = f'<svg {S} viewBox="0 0 10 10"><style>.c {{ fill: url(#g) }}</style><circle class="c" r="4"/></svg>'
    book_id = _book(app, tmp_path, [Part("trang.xhtml", xhtml(f'<p class="lead">Trang cố định.</p>{svg}', head=head))])
    html = _frame(client, book_id)
    _inert(html)
    assert "<style" not in html.split("<body", 1)[1]
    assert 'data-page-width="1200" data-page-height="1800"' in html and 'class="chapter fixed-page"' in html
    styles = re.search(r'<link rel="stylesheet" href="(/doc/\d+/tep-sach/[^"]+/OEBPS/trang\.xhtml\.styles\.css)">', html)
    css = client.get(styles.group(1))
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "p.lead { color: #123456 }" in css.text and ".c { fill: url(#g) }" in css.text
    assert "evil" not in css.text and "url(https" not in css.text
    base = styles.group(1).rsplit("/OEBPS/", 1)[0]
    assert client.get(f"{base}/OEBPS/nav.xhtml.styles.css").status_code == 404  # no <style>: nothing
    assert client.get(f"{base}/OEBPS/missing.xhtml.styles.css").status_code == 404


def test_vertical_writing_keeps_its_stylesheet_and_an_alternate_one_stays_out(app, client, tmp_path):
    head = ('<link rel="alternate stylesheet" href="horizontal.css"/>'
            '<link rel="stylesheet" href="vertical.css"/>')
    parts = [Part("doc.xhtml", xhtml("<p>縦書きの文章です。</p>", head=head, html_attributes='lang="ja"'), title="一"),
             Part("horizontal.css", "html { writing-mode: horizontal-tb }", "text/css", spine=False),
             Part("vertical.css", "html { -epub-writing-mode: vertical-rl; }", "text/css", spine=False)]
    book_id = _book(app, tmp_path, parts)
    html = _frame(client, book_id)
    links = re.findall(r'<link rel="stylesheet" href="(/doc/[^"]+)">', html)
    assert [link.rsplit("/", 1)[1] for link in links] == ["vertical.css"]
    assert "html { writing-mode: vertical-rl; }" in client.get(links[0]).text
