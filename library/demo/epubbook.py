"""Writes demo EPUB 3 books by hand (nav document plus an NCX for EPUB 2 readers), byte for byte reproducible."""
from __future__ import annotations

import io
import unicodedata
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = uuid.UUID("6f1c2a52-3d1e-4d4e-9a43-7c0d7f0a5e11")  # ids of demo books derive from it

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

STYLE = """body { font-family: "DejaVu Serif", serif; line-height: 1.5; margin: 0 5%; }
h1 { font-size: 1.3em; margin: 1.2em 0 0.8em; }
p { text-indent: 1.2em; margin: 0 0 0.4em; text-align: justify; }
.cover { text-align: center; margin: 0; padding: 0; }
.cover img { max-width: 100%; max-height: 100%; }
"""

XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="{lang}" lang="{lang}">
<head>
<meta charset="utf-8"/>
<title>{title}</title>
<link rel="stylesheet" type="text/css" href="style.css"/>
</head>
<body{body_attrs}>
{body}
</body>
</html>
"""


def book_id(title: str, authors: list[str], year: int) -> str:
    """A stable urn:uuid, so the same demo book is the same book on every run."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, '|'.join([title, *authors, str(year)]))}"


def _page(lang: str, title: str, body: str, body_attrs: str = "") -> str:
    return XHTML.format(lang=lang, title=escape(title), body=body, body_attrs=body_attrs)


def _chapter_xhtml(lang: str, title: str, text: str) -> str:
    paragraphs = "\n".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n") if p.strip())
    return _page(lang, title, f'<section epub:type="chapter">\n<h1>{escape(title)}</h1>\n{paragraphs}\n</section>')


def _nav(lang: str, title: str, entries: list[tuple[str, str]], has_cover: bool) -> str:
    items = "\n".join(f'    <li><a href="{href}">{escape(name)}</a></li>' for name, href in entries)
    marks = ['    <li><a epub:type="cover" href="cover.xhtml">Bìa</a></li>'] if has_cover else []
    if entries:
        marks.append(f'    <li><a epub:type="bodymatter" href="{entries[0][1]}">Nội dung</a></li>')
    body = f'<nav epub:type="toc" id="toc">\n  <h1>Mục lục</h1>\n  <ol>\n{items}\n  </ol>\n</nav>'
    if marks:
        body += ('\n<nav epub:type="landmarks" id="landmarks" hidden="">\n  <h2>Các mốc</h2>\n  <ol>\n'
                 + "\n".join(marks) + "\n  </ol>\n</nav>")
    return _page(lang, title, body)


def _ncx(identifier: str, title: str, entries: list[tuple[str, str]]) -> str:
    points = "\n".join(
        f'    <navPoint id="nav-{n}" playOrder="{n}">\n'
        f"      <navLabel><text>{escape(name)}</text></navLabel>\n"
        f'      <content src="{href}"/>\n    </navPoint>'
        for n, (name, href) in enumerate(entries, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">\n'
        f'  <head>\n    <meta name="dtb:uid" content={quoteattr(identifier)}/>\n'
        '    <meta name="dtb:depth" content="1"/>\n'
        '    <meta name="dtb:totalPageCount" content="0"/>\n'
        '    <meta name="dtb:maxPageNumber" content="0"/>\n  </head>\n'
        f"  <docTitle><text>{escape(title)}</text></docTitle>\n"
        f"  <navMap>\n{points}\n  </navMap>\n</ncx>\n"
    )


def _opf(identifier: str, title: str, authors: list[str], year: int, language: str,
         chapters: list[str], has_cover: bool, extra: dict[str, str | None]) -> str:
    meta = [
        f"    <dc:identifier id=\"bookid\">{escape(identifier)}</dc:identifier>",
        f"    <dc:title>{escape(title)}</dc:title>",
        f"    <dc:language>{escape(language)}</dc:language>",
        f"    <dc:date>{year}</dc:date>",
        f'    <meta property="dcterms:modified">{year}-03-01T08:00:00Z</meta>',
    ]
    for n, author in enumerate(authors, start=1):
        meta.append(f'    <dc:creator id="creator{n}">{escape(author)}</dc:creator>')
        meta.append(f'    <meta refines="#creator{n}" property="role" scheme="marc:relators">aut</meta>')
    for name in ("publisher", "description", "subject"):
        if extra.get(name):
            meta.append(f"    <dc:{name}>{escape(extra[name])}</dc:{name}>")
    manifest = [
        '    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
        '    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>',
        '    <item id="style" href="style.css" media-type="text/css"/>',
    ]
    spine = []
    if has_cover:
        meta.append('    <meta name="cover" content="cover-image"/>')
        manifest.append('    <item id="cover-image" href="cover.png" media-type="image/png" properties="cover-image"/>')
        manifest.append('    <item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>')
        spine.append('    <itemref idref="cover" linear="no"/>')
    for n, href in enumerate(chapters, start=1):
        manifest.append(f'    <item id="chap{n}" href="{href}" media-type="application/xhtml+xml"/>')
        spine.append(f'    <itemref idref="chap{n}"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="bookid" '
        f'xml:lang="{escape(language)}">\n'
        '  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n' + "\n".join(meta) + "\n  </metadata>\n"
        "  <manifest>\n" + "\n".join(manifest) + "\n  </manifest>\n"
        '  <spine toc="ncx">\n' + "\n".join(spine) + "\n  </spine>\n</package>\n"
    )


def write_epub(path: str | Path, title: str, authors: list[str], year: int,
               chapters: list[tuple[str, str]], language: str = "vi", cover_png: bytes | None = None,
               *, publisher: str | None = None, description: str | None = None,
               subject: str | None = None) -> str:
    """Writes an EPUB 3 file, chapters as (title, text with paragraphs split by newlines).

    Chapter n is OEBPS/chapter-NNN.xhtml, the n-th linear item of the spine. Returns the book's identifier.
    """
    nfc = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
    title, authors = nfc(title), [nfc(a) for a in authors]
    identifier = book_id(title, authors, year)
    hrefs = [f"chapter-{n:03d}.xhtml" for n in range(1, len(chapters) + 1)]
    entries = [(nfc(name), href) for (name, _), href in zip(chapters, hrefs)]
    files: list[tuple[str, str | bytes]] = [
        ("META-INF/container.xml", CONTAINER),
        ("OEBPS/content.opf", _opf(identifier, title, authors, year, language, hrefs, cover_png is not None,
                                   {"publisher": publisher, "description": description, "subject": subject})),
        ("OEBPS/nav.xhtml", _nav(language, title, entries, cover_png is not None)),
        ("OEBPS/toc.ncx", _ncx(identifier, title, entries)),
        ("OEBPS/style.css", STYLE),
    ]
    if cover_png is not None:
        cover = f'<div class="cover"><img src="cover.png" alt={quoteattr(title)}/></div>'
        files.append(("OEBPS/cover.xhtml", _page(language, title, cover, ' epub:type="cover"')))
        files.append(("OEBPS/cover.png", cover_png))
    for (name, text), href in zip(chapters, hrefs):
        files.append((f"OEBPS/{href}", _chapter_xhtml(language, nfc(name), nfc(text))))
    stamp = (max(1980, year), 3, 1, 8, 0, 0)  # fixed, so every run gives the same bytes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "mimetype", b"application/epub+zip", stamp, zipfile.ZIP_STORED)
        for name, data in files:
            _add(archive, name, data if isinstance(data, bytes) else data.encode("utf-8"), stamp,
                 zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED)
    Path(path).write_bytes(buffer.getvalue())
    return identifier


def _add(archive: zipfile.ZipFile, name: str, data: bytes, stamp: tuple, method: int) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = method
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def render_cover(title: str, authors: list[str], year: int, color: tuple[int, int, int] = (140, 24, 24),
                 size: tuple[int, int] = (600, 900)) -> bytes:
    """A plain generated cover: a coloured page with the title, authors and year, as PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow comes with fpdf2

    from library.demo.pdfbook import find_font

    width, height = size
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, width - 31, height - 31), outline=(240, 200, 90), width=4)
    big = ImageFont.truetype(str(find_font("DejaVuSans-Bold.ttf")), 46)
    small = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), 26)
    y = 190
    for line in _wrap(draw, unicodedata.normalize("NFC", title), big, width - 120):
        draw.text((width / 2, y), line, font=big, fill=(255, 246, 220), anchor="ma")
        y += 60
    y += 40
    for line in _wrap(draw, "; ".join(authors), small, width - 120):
        draw.text((width / 2, y), line, font=small, fill=(245, 225, 180), anchor="ma")
        y += 36
    draw.text((width / 2, height - 110), f"TỦ SÁCH ĐIỆN TỬ · {year}", font=small,
              fill=(240, 200, 90), anchor="ma")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + ([current] if current else [])
