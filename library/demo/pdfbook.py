"""Typesets demo PDFs with fpdf2 and DejaVu Sans: title page, page numbers, metadata, outline."""
from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",           # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
    "/usr/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts/Supplemental",
    "C:/Windows/Fonts",
)

PAGE_SIZE = (148.0, 210.0)                     # A5, in millimetres
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 16.0, 16.0, 18.0
BODY_SIZES = (9.5, 9.0, 8.5, 8.0, 7.5, 7.0)   # shrink until a page's text fits
LINE_FACTOR = 1.32                             # line height as a multiple of the font size
PARAGRAPH_GAP = 0.35                           # extra space between paragraphs, in lines
PT = 25.4 / 72                                 # one point in millimetres


# What the demo fonts keep: Latin with Vietnamese, combining marks, general punctuation, ₫.
SUBSET_UNICODES = sorted({*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00),
                          *range(0x2000, 0x2070), 0x20AB, 0x2116, 0x2122, 0x2190, 0x2192, 0x25CF})


class FontMissing(RuntimeError):
    """DejaVu Sans is needed to typeset Vietnamese."""


def find_font(name: str = "DejaVuSans.ttf") -> Path:
    """The path of a DejaVu font file, searched in the usual font folders."""
    override = os.environ.get("LIBRARY_DEMO_FONT_DIR")
    dirs = ([override] if override else []) + list(FONT_DIRS)
    for folder in dirs:
        base = Path(folder).expanduser()
        candidate = base / name
        if candidate.is_file():
            return candidate
        if base.is_dir() and base.name in ("truetype", "fonts"):
            for found in base.glob(f"*/{name}"):
                return found
    raise FontMissing(
        f"Không tìm thấy phông {name} (DejaVu Sans). Cài gói Debian fonts-dejavu-core "
        f"(apt-get install fonts-dejavu-core) hoặc đặt LIBRARY_DEMO_FONT_DIR."
    )


def subset_font(name: str) -> Path:
    """A copy of the font cut down to SUBSET_UNICODES, cached on disk.

    fpdf2 parses the whole font for every document; DejaVu Sans has ~6,000 glyphs, the cut ~1,000,
    which saves about 0.1 s per book (40% of a 20-page one).
    """
    from fontTools import subset, version as fonttools_version

    source = find_font(name)
    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{fonttools_version}|1".encode())
    target = Path(tempfile.gettempdir()) / "tu-sach-fonts" / f"{source.stem}-vi-{key.hexdigest()[:12]}.ttf"
    if target.is_file():
        return target
    options = subset.Options(layout_features=["*"], name_IDs=["*"], notdef_outline=True,
                             drop_tables=subset.Options().drop_tables + ["FFTM"])
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=SUBSET_UNICODES)
    font = subset.load_font(str(source), options, dontLoadGlyphNames=True)
    subsetter.subset(font)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        font.save(str(partial))
        os.replace(partial, target)  # atomic: parallel writers each produce the same file
    except OSError:
        return source  # no writable temporary folder: the whole font works too, only slower
    finally:
        font.close()
    return target


def creation_date(year: int) -> datetime:
    """A fixed date inside the book's year, so the same book gives the same bytes."""
    return datetime(year, 3, 1, 8, 0, 0, tzinfo=timezone.utc)


def _new_pdf(title: str, authors: list[str], year: int, subject: str | None) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=PAGE_SIZE)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
    pdf.set_title(title)
    pdf.set_author("; ".join(authors))
    if subject:
        pdf.set_subject(subject)
    pdf.set_creator("Tủ sách điện tử – bộ tài liệu mẫu")
    pdf.set_producer("fpdf2")
    pdf.set_lang("vi")
    pdf.set_creation_date(creation_date(year))
    return pdf


class _Typesetter:
    """One FPDF per book; words' widths are cached because the vocabulary repeats."""

    def __init__(self, title: str, authors: list[str], year: int, subject: str | None):
        pdf = _new_pdf(title, authors, year, subject)
        pdf.add_font("DejaVu", "", str(subset_font("DejaVuSans.ttf")))
        pdf.add_font("DejaVu", "B", str(subset_font("DejaVuSans-Bold.ttf")))
        self.pdf = pdf
        self.width = pdf.w - 2 * MARGIN_X
        self._widths: dict[tuple[str, float], dict[str, float]] = {}
        self._font: tuple[str, float] | None = None

    def font(self, style: str, size: float) -> None:
        if self._font != (style, size):
            self.pdf.set_font("DejaVu", style, size)
            self._font = (style, size)

    def wrap(self, paragraph: str, style: str, size: float, width: float | None = None) -> list[str]:
        """Greedy line breaking at spaces; a word wider than the line gets a line of its own."""
        self.font(style, size)
        cache = self._widths.setdefault((style, size), {})
        measure = self.pdf.get_string_width
        limit = width or self.width
        space = cache.get(" ") or cache.setdefault(" ", measure(" "))
        lines, current, used = [], [], 0.0
        for word in paragraph.split():
            w = cache.get(word)
            if w is None:
                w = cache[word] = measure(word)
            if current and used + space + w > limit:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used += (space if current else 0.0) + w
                current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines

    def title_page(self, title: str, authors: list[str], year: int, subject: str | None) -> None:
        pdf = self.pdf
        pdf.add_page()
        self.font("", 8.5)
        pdf.set_text_color(120, 20, 20)
        self.centered(["TỦ SÁCH ĐIỆN TỬ"], 8.5, MARGIN_TOP + 6)
        pdf.set_draw_color(150, 30, 30)
        pdf.line(MARGIN_X + 20, MARGIN_TOP + 11, pdf.w - MARGIN_X - 20, MARGIN_TOP + 11)
        lines = self.wrap(title, "B", 17)
        pdf.set_text_color(20, 20, 20)
        y = self.centered(lines, 17, 62)
        self.font("", 10.5)
        y = self.centered(self.wrap("; ".join(authors), "", 10.5), 10.5, y + 12)
        if subject:
            self.font("", 9)
            pdf.set_text_color(80, 80, 80)
            self.centered(self.wrap(subject, "", 9, self.width - 10), 9, y + 8)
        self.font("", 9.5)
        pdf.set_text_color(20, 20, 20)
        self.centered([f"Hà Nội – {year}"], 9.5, pdf.h - MARGIN_BOTTOM - 6)

    def centered(self, lines: list[str], size: float, y: float) -> float:
        pdf = self.pdf
        step = size * PT * LINE_FACTOR
        for line in lines:
            pdf.text((pdf.w - pdf.get_string_width(line)) / 2, y, line)
            y += step
        return y

    def body_page(self, text: str, headings: list[str]) -> None:
        """Typesets one page of text on one PDF page, shrinking the type if it would overflow."""
        pdf = self.pdf
        pdf.add_page()
        for heading in headings:
            pdf.start_section(heading)
        paragraphs = [p for p in text.split("\n") if p.strip()]
        head: list[str] = []
        if paragraphs and paragraphs[0] in headings:
            head = self.wrap(paragraphs.pop(0), "B", 11.5)
        available = pdf.h - MARGIN_TOP - MARGIN_BOTTOM - len(head) * 11.5 * PT * LINE_FACTOR
        available -= 4 if head else 0
        for size in BODY_SIZES:
            blocks = [self.wrap(p, "", size) for p in paragraphs]
            step = size * PT * LINE_FACTOR
            needed = step * (sum(map(len, blocks)) + PARAGRAPH_GAP * max(0, len(blocks) - 1))
            if needed <= available:
                break
        y = MARGIN_TOP + 4
        if head:
            self.font("B", 11.5)
            for line in head:
                pdf.text(MARGIN_X, y, line)
                y += 11.5 * PT * LINE_FACTOR
            y += 4
        self.font("", size)
        for block in blocks:
            for line in block:
                pdf.text(MARGIN_X, y, line)
                y += step
            y += step * PARAGRAPH_GAP
        self.footer()

    def footer(self) -> None:
        self.font("", 8)
        label = str(self.pdf.page)
        self.pdf.text((self.pdf.w - self.pdf.get_string_width(label)) / 2,
                      self.pdf.h - MARGIN_BOTTOM / 2, label)


def write_pdf(path: str | Path, title: str, authors: list[str], year: int, pages: list[str],
              outline: list[tuple[str, int]] | None = None, subject: str | None = None) -> int:
    """Writes an A5 PDF: a title page, then pages[i] alone on PDF page i + 2.

    `outline` holds (title, n) with n a 1-based index into `pages` (PDF page n + 1);
    when a page's first line is one of its outline titles, it is set as a heading.
    Returns the number of PDF pages.
    """
    title = unicodedata.normalize("NFC", title)
    authors = [unicodedata.normalize("NFC", a) for a in authors]
    setter = _Typesetter(title, authors, year, subject)
    setter.title_page(title, authors, year, subject)
    headings: dict[int, list[str]] = {}
    for name, number in outline or []:
        if not 1 <= number <= len(pages):
            raise ValueError(f"outline entry {name!r} points at page {number} of {len(pages)}")
        headings.setdefault(number, []).append(unicodedata.normalize("NFC", name))
    for number, text in enumerate(pages, start=1):
        setter.body_page(unicodedata.normalize("NFC", text), headings.get(number, []))
    setter.pdf.output(str(path))
    return setter.pdf.page


def write_scanned_pdf(path: str | Path, title: str, authors: list[str], year: int, pages: list[str],
                      subject: str | None = None, dpi: int = 110) -> int:
    """Like write_pdf, but every page is a picture of its text: a PDF with no text layer."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow comes with fpdf2

    px = dpi / 25.4
    size = (round(PAGE_SIZE[0] * px), round(PAGE_SIZE[1] * px))
    regular = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), round(9.5 * PT * px))
    bold = ImageFont.truetype(str(find_font("DejaVuSans-Bold.ttf")), round(15 * PT * px))
    widths: dict[tuple[int, str], float] = {}

    def wrap(text: str, font) -> list[str]:
        lines, current = [], ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            key = (id(font), trial)
            if key not in widths:
                widths[key] = font.getlength(trial)
            if current and widths[key] > size[0] - 2 * MARGIN_X * px:
                lines.append(current)
                current = word
            else:
                current = trial
        return lines + ([current] if current else [])

    def picture(blocks: list[tuple[str, object]], number: int):
        image = Image.new("L", size, 246)  # the grey of scanned paper
        draw = ImageDraw.Draw(image)
        y = MARGIN_TOP * px
        for text, font in blocks:
            for line in wrap(text, font):
                draw.text((MARGIN_X * px, y), line, fill=25, font=font)
                y += font.size * LINE_FACTOR
            y += font.size * PARAGRAPH_GAP
        draw.text((size[0] / 2, size[1] - MARGIN_BOTTOM / 2 * px), str(number), fill=60,
                  font=regular, anchor="mm")
        return image

    pdf = _new_pdf(title, authors, year, subject)
    cover = [(unicodedata.normalize("NFC", title), bold), ("; ".join(authors), regular),
             (f"Hà Nội – {year}", regular)]
    sheets = [cover] + [[(p, regular) for p in text.split("\n") if p.strip()] for text in pages]
    for number, blocks in enumerate(sheets, start=1):
        pdf.add_page()
        pdf.image(picture(blocks, number), x=0, y=0, w=PAGE_SIZE[0], h=PAGE_SIZE[1])
    pdf.output(str(path))
    return pdf.page
