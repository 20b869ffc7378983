"""Small PDFs written byte by byte, for what the demo typesetter cannot make: fonts left out,
glyphs drawn twice (fake bold), glyphs mapped to control characters, one word per page."""
from __future__ import annotations

from pathlib import Path

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
# Helvetica's advance widths (1/1000 em) for the letters the tests draw twice.
_WIDTHS = {**dict.fromkeys("il", 222), **dict.fromkeys("cksvyz", 500), "f": 278, "j": 222, "m": 833,
           "r": 333, "t": 278, "w": 722, " ": 278, "-": 333, "M": 833, "S": 667, "N": 722,
           "H": 722, "L": 556, "P": 667, "D": 722, "B": 667, "C": 722, "T": 611, "I": 278}


def width(char: str) -> int:
    return _WIDTHS.get(char, 556)


def write_objects(path: Path, objects: list[bytes]) -> Path:
    """A PDF of these object bodies, numbered from 1 (the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def pdf_pages(path: Path, pages: list[bytes], fonts: list[bytes] | None = None) -> Path:
    """One page per content stream; fonts are /F1, /F2, ... (Helvetica when none given)."""
    fonts = fonts or [HELVETICA]
    count = len(pages)
    first_page, first_font = 3, 3 + 2 * count
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(count))
    font_refs = b" ".join(b"/F%d %d 0 R" % (i + 1, first_font + i) for i in range(len(fonts)))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count)]
    for number, content in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                       b"<< /Font << %s >> >> /Contents %d 0 R >>" % (font_refs, first_page + 2 * number + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    return write_objects(path, objects + fonts)


def _string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def lines(texts: list[str], size: int = 12, top: int = 780) -> bytes:
    """Plain lines of Helvetica text, one under the other."""
    ops = [b"BT /F1 %d Tf 72 %d Td %d TL" % (size, top, size + 6)]
    ops += [_string(t) + b" Tj T*" for t in texts]
    return b"\n".join(ops + [b"ET"])


def fake_bold(text: str, size: int = 14, x: int = 72, y: int = 500, shift: int = 80) -> bytes:
    """Each glyph drawn twice, the second `shift` thousandths of an em to the right, as some
    map and drawing tools make bold."""
    parts = []
    for char in text:
        parts.append(_string(char) + b" %d " % (width(char) - shift) + _string(char) + b" %d" % shift)
    return b"BT /F1 %d Tf %d %d Td [%s] TJ ET" % (size, x, y, b" ".join(parts))


def glued(words: list[str], size: int = 12, y: int = 600) -> bytes:
    """Words joined by a glyph of font /F2, whose ToUnicode makes it a control character
    (glued_pdf), as pdfium reads the WeasyPrint samples: "ϲΒϴΒ\x03habibi"."""
    ops = [b"BT 72 %d Td" % y]
    for number, word in enumerate(words):
        if number:
            ops.append(b"/F2 %d Tf <03> Tj" % size)
        ops.append(b"/F1 %d Tf " % size + _string(word) + b" Tj")
    return b" ".join(ops + [b"ET"])


def glued_pdf(path: Path, pages: list[bytes], unicode: int = 0x0003) -> Path:
    """Pages that may use /F2: Helvetica whose code 3 reads as `unicode` (a control by default)."""
    fonts_at = 3 + 2 * len(pages)
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Junk def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <03> <%04x> endbfchar "
            b"endcmap CMapName currentdict /CMap defineresource pop end end" % unicode)
    # A Type 3 font: its one glyph is drawn by the file itself, a small mark 278 units wide.
    odd = (b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 278 250] /FontMatrix [0.001 0 0 0.001 0 0] "
           b"/CharProcs << /mark %d 0 R >> /Encoding << /Type /Encoding /Differences [3 /mark] >> "
           b"/FirstChar 3 /LastChar 3 /Widths [278] /Resources << >> /ToUnicode %d 0 R >>"
           % (fonts_at + 3, fonts_at + 2))
    mark = b"278 0 0 0 250 250 d1 20 0 200 250 re f"
    return pdf_pages(path, pages, [HELVETICA, odd, _stream(cmap), _stream(mark)])


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def rotated_label(text: str, size: int = 12, x: int = 500, y: int = 300) -> bytes:
    """A label turned on its side, each glyph placed on its own as maps place them along a
    road: pdfium reads "S / aint-S / a / u / v / e / ur"."""
    ops, at = [], y
    for char in text:
        ops.append(b"BT /F1 %d Tf 0 1 -1 0 %d %d Tm " % (size, x, at) + _string(char) + b" Tj ET")
        at += width(char) * size // 1000 + 1
    return b"\n".join(ops)


def vertical_cjk(path: Path, cids: list[int]) -> Path:
    """Japanese written top to bottom (Identity-V) in Ryumin-Light, a font the file leaves out:
    pdfium reads it only with a CJK font installed (fonts-noto-cjk, bin/setup)."""
    content = b"BT /F1 12 Tf 300 780 Td <" + "".join("%04x" % c for c in cids).encode() + b"> Tj ET"
    return write_objects(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Ryumin-Light-Identity-V /Encoding /Identity-V "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /Ryumin-Light /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Japan1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /Ryumin-Light /Flags 4 /FontBBox [-170 -331 1024 903] "
        b"/ItalicAngle 0 /Ascent 752 /Descent -271 /CapHeight 737 /StemV 58 >>",
    ])
