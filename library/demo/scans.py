"""Scanned pages made from known Vietnamese text, for the recognition tests and benchmark.

A page is typeset with DejaVu Sans into a greyscale picture at a given resolution, with what
a scanner or a phone camera adds (a slight skew, blur, speckle, JPEG compression), and
wrapped as an image-only PDF page: no text layer at all, as real scans arrive.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from library.demo.pdfbook import find_font

A5_INCHES = (5.83, 8.27)


@dataclass
class ScanStyle:
    dpi: int = 200
    skew_degrees: float = 0.6      # the page lies a little crooked on the glass
    blur: float = 0.5              # Gaussian radius in pixels at 200 dpi, scaled with dpi
    speckle: float = 0.002         # share of pixels turned to dust
    jpeg_quality: int = 75
    size_inches: tuple[float, float] = A5_INCHES
    font_points: float = 11.0


def _wrap(text: str, font, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and font.getlength(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + ([current] if current else [])


def scan_image(paragraphs: list[str], style: ScanStyle | None = None, *, head: str | None = None,
               number: int | None = None, seed: int = 0, drawn: list[str] | None = None):
    """A PIL greyscale picture of the page: `head` atop as a running head, the paragraphs,
    `number` at the foot. `drawn` receives the body's lines as set (what fits the page)."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    style = style or ScanStyle()
    rng = random.Random(seed)
    dpi = style.dpi
    width, height = (round(side * dpi) for side in style.size_inches)
    margin = round(0.6 * dpi)
    font = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), round(style.font_points / 72 * dpi))
    small = ImageFont.truetype(str(find_font("DejaVuSans.ttf")), round(9 / 72 * dpi))
    image = Image.new("L", (width, height), 244)
    draw = ImageDraw.Draw(image)
    y = margin
    if head:
        draw.text((width / 2, margin * 0.6), head, fill=40, font=small, anchor="mm")
        y = margin + small.size
    line_height = font.size * 1.45
    for paragraph in paragraphs:
        for line in _wrap(paragraph, font, width - 2 * margin):
            if y + line_height > height - margin:
                break
            draw.text((margin, y), line, fill=22, font=font)
            if drawn is not None:
                drawn.append(line)
            y += line_height
        y += font.size * 0.5
    if number is not None:
        draw.text((width / 2, height - margin * 0.6), str(number), fill=40, font=small, anchor="mm")
    if style.skew_degrees:
        image = image.rotate(style.skew_degrees * rng.choice((-1, 1)), resample=Image.BICUBIC,
                             fillcolor=244, expand=False)
    if style.blur:
        image = image.filter(ImageFilter.GaussianBlur(style.blur * dpi / 200))
    if style.speckle:
        pixels = image.load()
        for _ in range(int(width * height * style.speckle)):
            x, yy = rng.randrange(width), rng.randrange(height)
            pixels[x, yy] = rng.choice((30, 90, 200))
    return image


def jpeg(image, quality: int):
    """The picture after a JPEG round trip: the artefacts a scanner's compression leaves."""
    from PIL import Image

    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    out.seek(0)
    return Image.open(out)


def write_scanned_book(path: str | Path, pages: list[list[str]], style: ScanStyle | None = None, *,
                       head: str | None = None, numbered: bool = True,
                       drawn: list[list[str]] | None = None) -> int:
    """An image-only PDF, one JPEG picture per page; returns the page count. `drawn`
    receives each page's body lines as set."""
    style = style or ScanStyle()
    images = []
    for n, paragraphs in enumerate(pages, start=1):
        lines: list[str] = []
        images.append(jpeg(scan_image(paragraphs, style, head=head, number=n if numbered else None,
                                      seed=n, drawn=lines), style.jpeg_quality))
        if drawn is not None:
            drawn.append(lines)
    images = [im.convert("L") for im in images]
    images[0].save(str(path), "PDF", save_all=True, append_images=images[1:], resolution=float(style.dpi))
    return len(images)
