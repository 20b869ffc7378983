"""EPUBs packed by hand for the fidelity tests: any manifest, spine, fallbacks and raw
documents (pictures in the spine, RTL, MathML, SVG), which the demo typesetter never writes."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


@dataclass
class Part:
    href: str                     # relative to OEBPS/
    data: bytes | str
    media_type: str = "application/xhtml+xml"
    spine: bool = True
    fallback: str | None = None   # href of the fallback part
    title: str | None = None      # an entry of the nav's table of contents
    properties: str | None = None


def _id(href: str) -> str:
    return "i-" + "".join(c if c.isalnum() else "-" for c in href)


def write_epub_parts(path: Path, parts: list[Part], title: str = "Sách thử", language: str = "vi") -> Path:
    manifest = []
    for part in parts:
        extra = f' fallback="{_id(part.fallback)}"' if part.fallback else ""
        extra += f' properties="{part.properties}"' if part.properties else ""
        manifest.append(f'<item id="{_id(part.href)}" href="{part.href}" media-type="{part.media_type}"{extra}/>')
    spine = "".join(f'<itemref idref="{_id(p.href)}"/>' for p in parts if p.spine)
    nav_items = "".join(f'<li><a href="{p.href}">{p.title}</a></li>' for p in parts if p.title)
    nav = (f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
           f'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Mục lục</title></head><body>'
           f'<nav epub:type="toc"><ol>{nav_items}</ol></nav></body></html>')
    opf = (f'<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           f'unique-identifier="uid"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f'<dc:identifier id="uid">urn:test:{abs(hash(title))}</dc:identifier><dc:title>{title}</dc:title>'
           f'<dc:language>{language}</dc:language><dc:creator>Ban Biên tập</dc:creator></metadata>'
           f'<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           f'{"".join(manifest)}</manifest><spine>{spine}</spine></package>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        archive.writestr("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/content.opf", opf, zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/nav.xhtml", nav, zipfile.ZIP_DEFLATED)
        for part in parts:
            data = part.data.encode("utf-8") if isinstance(part.data, str) else part.data
            archive.writestr(f"OEBPS/{part.href}", data, zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())
    return path


def xhtml(body: str, title: str = "Chương", html_attributes: str = 'lang="vi"', head: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            f'xmlns:epub="http://www.idpf.org/2007/ops" {html_attributes}><head><title>{title}</title>{head}'
            f'</head>\n<body>{body}</body></html>')


def picture(text: str | None = None, size=(620, 880), seed: int = 0) -> bytes:
    """A JPEG page: a scanned page with `text` set on it (library.demo.scans), or a plain
    drawing with no letters when text is None."""
    from PIL import Image, ImageDraw

    if text is None:
        image = Image.new("RGB", size, (250, 248, 240))
        draw = ImageDraw.Draw(image)
        draw.ellipse((60 + seed * 10, 80, size[0] - 60, size[1] - 200), outline=(120, 30, 30), width=6)
    else:
        from library.demo.scans import ScanStyle, scan_image

        image = scan_image([text], ScanStyle(dpi=200, size_inches=(4.1, 5.8), skew_degrees=0, blur=0.3,
                                             speckle=0.0005, jpeg_quality=85, font_points=11), seed=seed)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, dpi=(200, 200))
    return out.getvalue()


def image_page(src: str, alt: str = "") -> str:
    return xhtml(f'<div class="page"><img src={quoteattr(src)} alt={quoteattr(alt)}/></div>', title="Trang")


def png(width: int = 4, height: int = 4) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()
