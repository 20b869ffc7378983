"""EPUB chapters in the reader: what a hostile book carries never reaches the page, the
book's pictures and styles are served alone with nosniff, the chapter opens at the hit."""
import re
import zipfile
from pathlib import Path

import pytest

from library.catalog.models import Book, BookStatus
from library.extensions import db
from library.ingest import import_file
from library.reader.sanitize import clean_css
from tests.books import epub_book

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

HOSTILE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="vi">
<head><title>Độc</title>
<link rel="stylesheet" href="style.css"/><link rel="stylesheet" href="https://evil.example/x.css"/>
<meta http-equiv="refresh" content="0;url=https://evil.example/"/>
<base href="https://evil.example/"/>
<script>document.title='PWNED'</script>
</head>
<body>
<h1 id="top">Chương độc hại</h1>
<script>document.title='PWNED'; window.PWNED = 1;</script>
<p onclick="window.PWNED=2">Đoạn về đảng viên và <b onmouseover="window.PWNED=3">tự diễn biến</b>.</p>
<p><a href="JaVaScRiPt&#x3A;window.PWNED=4">lừa</a> <a href="javascript:alert(1)">lừa 2</a>
<a href="https://evil.example/">ra ngoài</a> <a href="//evil.example/x">ra ngoài 2</a>
<a href="chapter-002.xhtml#muc-2">sang chương hai</a> <a href="#top">lên đầu</a></p>
<p><img src="pic.png" alt="hình" onerror="window.PWNED=5"/>
<img src="data:image/png;base64,iVBORw0KGgo=" alt="data"/><img src="https://evil.example/t.png" alt="ngoài"/>
<img src="../../../etc/passwd" alt="thoát"/></p>
<svg xmlns="http://www.w3.org/2000/svg"><script>window.PWNED=6</script><circle r="5"/></svg>
<iframe src="https://evil.example/"></iframe>
<object data="x.swf"></object><embed src="x.swf"/>
<form action="https://evil.example/"><input name="password"/><button>Gửi</button></form>
<div style="background:url(https://evil.example/bg.png)">kiểu nội tuyến</div>
<style>body { background: url(https://evil.example/s.png) }</style>
</body></html>
"""

STYLE = """@import url("https://evil.example/more.css");
p { color: #333; background: url(https://evil.example/a.png); }
h1 { background-image: u\\72l(https://evil.example/b.png); behavior: url(x.htc); }
.x { width: expression(alert(1)); }
"""


def hostile_epub(path: Path, chapter: str = HOSTILE) -> Path:
    """A demo EPUB whose first chapter is replaced by raw XHTML, with a picture and a stylesheet."""
    plain = path.with_suffix(".plain.epub")
    epub_book(plain, [("Một", "Tạm."), ("Hai", "Mục hai về đảng viên.")], title="Sách độc hại")
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("chapter-001.xhtml"):
                data = chapter.encode("utf-8")
            elif info.filename.endswith("style.css"):
                data = STYLE.encode("utf-8")
            elif info.filename.endswith("content.opf"):
                data = data.replace(b"</manifest>",
                                    b'<item id="pic" href="pic.png" media-type="image/png"/></manifest>')
            target.writestr(info, data)
        target.writestr("OEBPS/pic.png", PNG)
        target.writestr("OEBPS/notes.txt", "không phải hình")
    plain.unlink()
    return path


@pytest.fixture
def hostile(app, tmp_path):
    with app.app_context():
        result = import_file(hostile_epub(tmp_path / "doc-hai.epub"))
        assert result.status == "imported", result.reason
        return result.book_id


def chapter_url(client, book_id, p=1, q=None):
    page = client.get(f"/doc/{book_id}", query_string={"p": p, **({"q": q} if q else {})})
    assert page.status_code == 200
    src = re.search(r'<iframe[^>]+src="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert 'sandbox="allow-scripts"' in page.text and "allow-same-origin" not in page.text
    return src


def test_the_reader_page_frames_the_chapter_in_a_sandbox(client, hostile):
    page = client.get(f"/doc/{hostile}?p=1").text
    assert "<h2 class=\"reader-chapter\" dir=\"auto\">Một</h2>" in page  # the chapter title from the book's table of contents
    assert "PWNED" not in page  # the chapter's body is not in the app's page at all
    assert f"/doc/{hostile}?p=2" in page  # next chapter, and the table of contents


def test_a_hostile_chapter_comes_out_inert(client, hostile):
    response = client.get(chapter_url(client, hostile))
    html = response.text
    assert response.status_code == 200
    body = html.split("<body", 1)[1]
    for bad in ["PWNED", "onclick", "onmouseover", "onerror", "javascript", "JaVaScRiPt", "evil.example",
                "data:image", "<iframe", "<object", "<embed", "<form", "<input", "<button",
                "style=", "<style", "<base", "refresh", "passwd"]:
        assert bad.lower() not in body.lower(), bad
    head = html.split("<body", 1)[0]
    assert "evil.example" not in head and "<base" not in head and "refresh" not in head
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/reader/anchors.js" defer>',
                                                  '<script src="/static/reader/epub-frame.js" defer>']
    # What is harmless stays: the text, the heading's anchor, the picture, links inside the book.
    assert "Đoạn về đảng viên và <b>tự diễn biến</b>" in body
    assert 'href="#top"' in body and f'href="/doc/{hostile}?p=2#muc-2"' in body
    picture = re.search(r'<img src="([^"]+)" alt="hình">', body).group(1)
    assert "/tep-sach/" in picture and picture.endswith("/OEBPS/pic.png")
    assert "lừa" in body and "ra ngoài" in body  # link text kept, the link itself gone
    assert '<svg><circle r="5"></circle></svg>' in body  # the drawing stays, its script gone


def test_the_chapter_has_its_own_strict_policy(client, hostile):
    policy = client.get(chapter_url(client, hostile)).headers["Content-Security-Policy"]
    parts = dict(p.strip().split(" ", 1) for p in policy.split(";") if " " in p.strip())
    assert policy.startswith("default-src 'none'")
    assert parts["script-src"] == "localhost/static/reader/anchors.js localhost/static/reader/epub-frame.js"
    assert parts["sandbox"] == "allow-scripts" and "allow-same-origin" not in policy
    assert "'unsafe-inline'" not in policy and "evil" not in policy
    assert parts["img-src"].startswith(f"localhost/doc/{hostile}/tep-sach/")


def test_pictures_and_styles_of_the_book_only_with_nosniff(client, anonymous, hostile):
    html = client.get(chapter_url(client, hostile)).text
    picture = re.search(r'<img src="([^"]+)" alt="hình">', html).group(1)
    style = re.search(r'<link rel="stylesheet" href="(/doc/[^"]+style\.css)">', html).group(1)
    got = anonymous.get(picture)  # the frame may not send the cookie: the token is enough
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    css = anonymous.get(style)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "color: #333" in css.text
    for bad in ("evil", "url(", "@import", "expression(", "behavior"):
        assert bad not in css.text, bad
    base = picture.rsplit("/OEBPS/", 1)[0]
    for name in ("OEBPS/notes.txt", "OEBPS/chapter-001.xhtml", "OEBPS/content.opf",
                 "META-INF/container.xml", "OEBPS/missing.png", "../x.png"):
        assert anonymous.get(f"{base}/{name}").status_code == 404, name
    token = base.split("/tep-sach/")[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert anonymous.get(picture.replace(token, forged)).status_code == 404
    assert anonymous.get(picture.replace(f"/doc/{hostile}/", f"/doc/{hostile + 1}/")).status_code == 404


def test_chapter_needs_a_user_or_the_token(client, anonymous, hostile):
    src = chapter_url(client, hostile)
    assert anonymous.get(src.split("?")[0]).status_code == 404
    assert anonymous.get(src).status_code == 200


def test_chapter_of_a_withdrawn_book_is_gone(app, client, hostile):
    src = chapter_url(client, hostile)
    with app.app_context():
        db.session.get(Book, hostile).status = BookStatus.WITHDRAWN
        db.session.commit()
    assert client.get(src).status_code == 404
    assert client.get(f"/doc/{hostile}?p=1").status_code == 404


def test_the_chapter_opens_at_the_searched_words(client, hostile):
    html = client.get(chapter_url(client, hostile, p=2, q="dang vien")).text
    assert '<mark id="hit">đảng viên</mark>' in html
    first = client.get(chapter_url(client, hostile, p=1, q="tu dien bien")).text
    assert '<b><mark id="hit">tự diễn biến</mark></b>' in first


def test_highlighting_never_unescapes_text(client, app, tmp_path):
    chapter = HOSTILE.replace("Đoạn về đảng viên", "&lt;script&gt;window.PWNED=7&lt;/script&gt; đảng viên")
    with app.app_context():
        book_id = import_file(hostile_epub(tmp_path / "b.epub", chapter)).book_id
    for query in ("dang vien", '"unbalanced', "title:x^100", "*"):
        html = client.get(chapter_url(client, book_id, q=query)).text
        assert "<script>window" not in html and "&lt;script&gt;window.PWNED=7" in html, query


@pytest.mark.parametrize("css, kept, gone", [
    ("a { color: red }", "color: red", None),
    ("a { background: URL( 'https://x/y' ) }", "background", "https://x"),
    ("a { background: \\75 rl(https://x/y) }", "background", "https://x"),
    ("@import 'https://x/y.css'; p { margin: 0 }", "margin: 0", "@import"),
    ("a { background: image-set('https://x/y' 1x) }", "background", "https://x"),
    ("/* url(https://x/y) */ p { top: 0 }", "top: 0", "https://x"),
    ("</style><script>alert(1)</script>", "alert(1)", "<script"),
    (".st1 { fill: url(#grad_2) }", "url(#grad_2)", None),  # inside the document: kept
    ("html { -epub-writing-mode: vertical-rl }", "html { writing-mode: vertical-rl }", "-epub-"),
    (".st1 { fill: url(#g), url(https://x/y) }", "url(#g)", "https://x"),
])
def test_clean_css(css, kept, gone):
    out = clean_css(css)
    assert kept in out
    if gone:
        assert gone not in out
