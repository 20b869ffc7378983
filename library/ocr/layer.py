"""The reader copy of a recognised scan: the original PDF (and its reader tail) followed by an
incremental update that lays each recognised page's invisible text over its picture.

tesseract's text-only PDF renderer writes that text (render mode 3, a glyphless font) for a
page the size of the rendered image; here it is placed on the page it was read from, through
the page's crop box and rotation, so pdf.js finds every word where the picture shows it.
The stored original and the download are never touched: the update is a file of its own
that the reader is served after them (library.reader.files).
"""
from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter, Transformation

log = logging.getLogger(__name__)


class LayerError(Exception):
    """The original could not be read strictly enough to add a layer: the reader goes without."""


def placement(page, layer_page) -> Transformation:
    """Maps the layer page (the picture as displayed, in points) onto `page`'s user space."""
    box = page.cropbox
    left, bottom = float(box.left), float(box.bottom)
    width, height = float(box.width), float(box.height)
    rotation = int(page.get("/Rotate", 0) or 0) % 360
    shown_w, shown_h = (height, width) if rotation in (90, 270) else (width, height)
    sx = shown_w / max(float(layer_page.mediabox.width), 1e-6)
    sy = shown_h / max(float(layer_page.mediabox.height), 1e-6)
    # (x, y) shown -> (u, v) in the crop box, for each way the page may be turned.
    a, b, c, d, e, f = {
        0: (1, 0, 0, 1, 0, 0),
        90: (0, 1, -1, 0, width, 0),
        180: (-1, 0, 0, -1, width, height),
        270: (0, -1, 1, 0, 0, height),
    }.get(rotation, (1, 0, 0, 1, 0, 0))
    return Transformation((a * sx, b * sx, c * sy, d * sy, e + left, f + bottom))


def build(base: bytes, layers: dict[int, bytes]) -> bytes:
    """The incremental update (bytes to append to `base`) adding each `layers[page]` (1-based
    page -> tesseract text-only PDF) to that page of `base` (the original + its reader tail)."""
    try:
        writer = PdfWriter(io.BytesIO(base), incremental=True)
        pages = writer.pages
        for number, layer in sorted(layers.items()):
            if not 1 <= number <= len(pages):
                continue
            page = pages[number - 1]
            layer_page = PdfReader(io.BytesIO(layer)).pages[0]
            page.merge_transformed_page(layer_page, placement(page, layer_page), over=True, expand=False)
            page.compress_content_streams()
        out = io.BytesIO()
        writer.write(out)
    except Exception as exc:  # noqa: BLE001 - pypdf's errors on odd files are many and untyped
        raise LayerError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    data = out.getvalue()
    if not data.startswith(base):
        raise LayerError("the update does not start with the original")
    return data[len(base):]
