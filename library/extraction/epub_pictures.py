"""Picture pages of an EPUB: a scanned book or a comic packaged as EPUB, where each page of
the spine is one picture (the image itself, or an XHTML page holding only that image).

Such a page has no text of its own; its picture goes to recognition like a scanned PDF
page (library.ocr), which asks `page_picture` for it again from the stored file.
"""
from __future__ import annotations

import io
import posixpath
import re
import warnings

from library.translatable import N_
from library.extraction.types import ExtractionError
from library.extraction.xmlsafe import parse_document
from library.extraction.zipcheck import SafeZip, resolve_href

# What the reader shows as a page and tesseract can read; SVG is drawn, never recognised.
RASTER_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
RASTER_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
# A page's picture is at least this tall or wide: smaller ones are ornaments and icons.
MIN_PAGE_SIDE = 500
MAX_PICTURE = 32 << 20
_WORD = re.compile(r"\w")


def is_raster(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() in RASTER_SUFFIXES


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower() if isinstance(tag, str) else ""


def document_picture(root, doc_path: str) -> str | None:
    """The zip path of the one picture a content document consists of (an <img>, or an SVG
    <image> as EPUB tools wrap a page), or None when it has text or not exactly one picture.
    Read before the document's text is taken out (xhtml.document_text edits the tree)."""
    if root is None:
        return None
    body = next((el for el in root.iter() if _local(el.tag) == "body"), root)
    pictures = []
    for el in body.iter():
        name = _local(el.tag)
        if name == "img":
            href = el.get("src")
        elif name == "image":
            href = next((v for k, v in el.attrib.items() if _local(k) == "href"), None)
        else:
            continue
        if href:
            pictures.append(href)
    if len(set(pictures)) != 1 or _has_text(body):
        return None
    try:
        path = resolve_href(posixpath.dirname(doc_path), pictures[0], strict=False)
    except ExtractionError:
        return None
    return path if path and is_raster(path) else None


def _has_text(body) -> bool:
    for el in body.iter():
        if _local(el.tag) in ("script", "style", "title", "desc"):
            continue
        if (el.text and _WORD.search(el.text)) or (el is not body and el.tail and _WORD.search(el.tail)):
            return True
    return False


def page_size(data: bytes) -> tuple[int, int] | None:
    """A picture's size in pixels from its header (nothing decoded), None when unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # only the header is read
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # PIL's plugins raise SyntaxError on some broken headers


def is_page_sized(z: SafeZip, path: str) -> bool:
    """A picture big enough to be a page (not an ornament), read from the zip's member."""
    if path not in z.names:
        return False
    try:
        size = page_size(z.read(path, MAX_PICTURE))
    except ExtractionError:
        return False
    return size is not None and max(size) >= MIN_PAGE_SIDE


def page_picture(book_path, href: str) -> bytes:
    """The picture of the page at `href` of a stored EPUB (the picture itself, or the one a
    picture-only document shows); ExtractionError when that page is no picture."""
    with SafeZip(book_path) as z:
        if href not in z.names:
            raise ExtractionError(N_("Không thấy trang trong tệp EPUB"))
        picture = href if is_raster(href) else document_picture(parse_document(z.read(href)), href)
        if picture is None or picture not in z.names:
            raise ExtractionError(N_("Trang này không phải là một hình"))
        return z.read(picture, MAX_PICTURE)
