"""EPUB chapters for the reader, read from the stored file: the chapter's body made safe,
its stylesheets, and the book's pictures and styles (nothing else of the zip).

The zip was vetted at ingest; it is opened again through SafeZip and every document
parsed with xmlsafe's parser (no entities, no DTD, no network) all the same.
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from lxml import etree

from library.extraction.types import ExtractionError
from library.extraction.xmlsafe import parse_document
from library.extraction.zipcheck import SafeZip, resolve_href
from library.reader.foreign import clean_svg, prepare_math
from library.reader.sanitize import clean_css, clean_html

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".avif": "image/avif",
               # shown only as <img> (no script in it ever runs) or, opened alone, under
               # "default-src 'none'; sandbox": a fixed-layout page or cover drawn in SVG
               ".svg": "image/svg+xml"}
STYLE_TYPES = {".css": "text/css; charset=utf-8"}
# A chapter's own <style> elements (in its head, in its SVG drawings), cleaned and served as
# one stylesheet of the book: the chapter's policy applies no inline style.
INLINE_STYLES = ".styles.css"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class ChapterUnreadable(Exception):
    """The stored book has no readable document at that place."""


@dataclass
class Chapter:
    html: str                      # the body, sanitised
    lang: str | None = None
    stylesheets: list[str] = field(default_factory=list)  # zip paths of the book's CSS
    dir: str | None = None         # "rtl" for Arabic or Hebrew (from <html> or <body>)
    # A fixed-layout page's size in CSS pixels (its <meta name="viewport">): the frame
    # scales the page to fit, as a page of a picture book is laid out for one size.
    page_size: tuple[int, int] | None = None


@dataclass
class Links:
    """How the chapter's references become URLs of this site."""

    chapter_href: str                       # zip path of this chapter
    positions: dict[str, int]               # zip path of each chapter -> its position
    resource_url: Callable[[str], str]      # zip path of a picture or stylesheet -> URL
    chapter_url: Callable[[int, str], str]  # (position, fragment) -> reader URL


def resource_type(name: str) -> str | None:
    """The content type of a zip entry the reader may serve, or None."""
    suffix = posixpath.splitext(name)[1].lower()
    return IMAGE_TYPES.get(suffix) or STYLE_TYPES.get(suffix)


def local_name(tag) -> str | None:
    """'p' for '{http://www.w3.org/1999/xhtml}p', and for 'o:p' or 'svg:svg' too: a chapter
    that is not well-formed XML (Word's <o:p>, an undeclared svg: prefix) goes through the
    HTML parser, which keeps the prefix in the name (and lxml's QName refuses such a name)."""
    if not isinstance(tag, str):
        return None
    if tag.startswith("{"):
        return tag.rsplit("}", 1)[1]
    return tag.rsplit(":", 1)[-1].lower()


def _find(root, name: str):
    return next((el for el in root.iter() if local_name(el.tag) == name), None)


_DRAWING = {"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "use"}


def _svg_pictures(element) -> None:
    """A picture page wrapped in SVG (<svg><image xlink:href="cover.jpg"/></svg>, as most
    EPUB tools write a cover or a scanned page) keeps its picture as a plain <img>, which
    fits the screen; an SVG that draws or writes something stays SVG (library.reader.foreign)."""
    for svg in [el for el in element.iter() if local_name(el.tag) == "svg"]:
        names = {local_name(el.tag) for el in svg.iter()}
        image = next((el for el in svg.iter() if local_name(el.tag) == "image"), None)
        href = next((v for k, v in image.attrib.items() if local_name(k) == "href"), None) \
            if image is not None else None
        if href and not names & _DRAWING and svg.getparent() is not None:
            img = etree.Element("img", src=href, alt="")
            img.tail = svg.tail
            svg.getparent().replace(svg, img)


def _local_names(element) -> None:
    """XHTML elements lose their namespace (or prefix) so the allowlist sees plain tag names;
    other namespaced attributes (epub:type) are dropped, xml:lang kept as lang and an SVG's
    xlink:href as href (checked by the allowlist like any link)."""
    for el in element.iter():
        if not isinstance(el.tag, str):
            continue
        el.tag = local_name(el.tag)
        for name in list(el.attrib):
            if name.startswith("{") or ":" in name:
                value = el.attrib.pop(name)
                if name in (_XML_LANG, "xml:lang") and "lang" not in el.attrib:
                    el.attrib["lang"] = value
                elif local_name(name) == "href" and "href" not in el.attrib:
                    el.attrib["href"] = value


def _rewriter(links: Links, names: set[str]):
    base = posixpath.dirname(links.chapter_href)

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        parts = urlsplit(value.strip())
        if parts.scheme or parts.netloc:
            return None  # another site, javascript:, data: and the like
        if tag == "a" and not parts.path:
            return f"#{parts.fragment}" if parts.fragment else None
        try:
            target = resolve_href(base, value, strict=False)
        except ExtractionError:
            return None
        if target is None:
            return None
        if tag in ("img", "image"):
            return links.resource_url(target) if target in names and _is_image(target) else None
        if target == links.chapter_href:
            return f"#{parts.fragment}" if parts.fragment else "#"
        position = links.positions.get(target)
        return links.chapter_url(position, parts.fragment) if position else None

    return rewrite


def _is_image(name: str) -> bool:
    return posixpath.splitext(name)[1].lower() in IMAGE_TYPES


def load_chapter(book_path, links: Links) -> Chapter:
    with SafeZip(book_path) as z:
        href = links.chapter_href
        if href not in z.names:
            raise ChapterUnreadable(href)
        if _is_image(href) and not href.lower().endswith(".svg"):
            # A picture listed in the spine (a cover, a scanned page) is its own chapter.
            return Chapter(f'<p class="picture-page"><img src="{links.resource_url(href)}" alt=""></p>')
        root = parse_document(z.read(href))
        names = z.names
    if root is None:
        return Chapter("")
    if local_name(root.tag) == "svg" and not any(local_name(el.tag) == "image" for el in root.iter()):
        # An SVG page that only draws is shown as a picture: cleaned (foreign.clean_svg) with
        # its own <style>, which a chapter's policy would not apply inline.
        return Chapter(f'<p class="picture-page"><img src="{links.resource_url(href)}" alt=""></p>')
    if local_name(root.tag) == "svg":
        # One that places the book's pictures is drawn inline, so that they load (an SVG
        # shown as <img> loads nothing of its own); a picture alone becomes an <img>.
        page = etree.Element("div", {"class": "svg-page"})
        page.append(root)
        root = body = page
    else:
        # DTBook and other XML content documents have no <body>: their book element stands in
        body = _find(root, "body")
        if body is None:
            body = _find(root, "book")
    head = _find(root, "head")
    stylesheets = []
    for link in head.iter() if head is not None else ():
        relations = (link.get("rel") or "").lower().split()
        # an "alternate stylesheet" is one the reader may choose, not one that applies
        if local_name(link.tag) == "link" and "stylesheet" in relations and "alternate" not in relations:
            try:
                target = resolve_href(posixpath.dirname(href), link.get("href") or "", strict=False)
            except ExtractionError:
                target = None
            if target in names and resource_type(target) in STYLE_TYPES.values():
                stylesheets.append(target)
    if any(local_name(el.tag) == "style" for el in root.iter()):
        stylesheets.append(href + INLINE_STYLES)
    page_size = _page_size(head)
    lang = root.get("lang") or root.get(_XML_LANG)
    if body is not None:
        lang = body.get("lang") or body.get(_XML_LANG) or lang
    direction = _direction(body) or _direction(root)
    if body is None:
        return Chapter("", lang, stylesheets, direction)
    _svg_pictures(body)
    prepare_math(body)
    _local_names(body)
    if body.tag != "body":
        body.tag = "div"
    # NFC, as the chapter's text is indexed: a search mark must find "BÁO" written with
    # decomposed marks (B, A, U+0301, O) as well as composed.
    raw = unicodedata.normalize("NFC", etree.tostring(body, method="html", encoding="unicode"))
    return Chapter(clean_html(raw, _rewriter(links, names)), lang, stylesheets, direction, page_size)


def _page_size(head) -> tuple[int, int] | None:
    for meta in head.iter() if head is not None else ():
        if local_name(meta.tag) == "meta" and (meta.get("name") or "").lower() == "viewport":
            found = dict(re.findall(r"(width|height)\s*=\s*(\d{2,5})", (meta.get("content") or "").lower()))
            if "width" in found and "height" in found:
                return int(found["width"]), int(found["height"])
    return None


def _direction(element) -> str | None:
    """The document's writing direction, when it says one: the sanitiser drops <html> and
    <body>, so their dir goes on the frame's own <html> (vertical writing-mode is CSS, kept)."""
    value = (element.get("dir") or "").strip().lower() if element is not None else ""
    return value if value in ("rtl", "ltr", "auto") else None


def read_resource(book_path, name: str) -> tuple[bytes, str]:
    """A picture or stylesheet of the book: (bytes, content type). KeyError otherwise."""
    kind = resource_type(name)
    if kind is None:
        raise KeyError(name)
    if name.endswith(INLINE_STYLES):
        return _inline_styles(book_path, name[:-len(INLINE_STYLES)]), kind
    with SafeZip(book_path) as z:
        if name not in z.names:
            raise KeyError(name)
        data = z.read(name)
        names = z.names
    if kind in STYLE_TYPES.values():
        data = clean_css(data.decode("utf-8", errors="replace")).encode("utf-8")
    elif kind == IMAGE_TYPES[".svg"]:
        base = posixpath.dirname(name)

        def in_book(href: str) -> bool:
            try:
                target = resolve_href(base, href, strict=False)
            except ExtractionError:
                return False
            return target in names and _is_image(target) and not urlsplit(href).scheme

        data = clean_svg(data, in_book)
    return data, kind


def _inline_styles(book_path, document: str) -> bytes:
    with SafeZip(book_path) as z:
        if document not in z.names or (_is_image(document) and not document.lower().endswith(".svg")):
            raise KeyError(document)
        root = parse_document(z.read(document))
    styles = [] if root is None else \
        ["".join(el.itertext()) for el in root.iter() if local_name(el.tag) == "style"]
    if not styles:
        raise KeyError(document)
    return clean_css("\n".join(styles)).encode("utf-8")


def spine_paths(book_path) -> list[str]:
    """Zip paths of every spine document in spine order, linear or not: the documents
    KOReader numbers /body/DocFragment[1..n]."""
    from library.extraction.epub import _manifest, _rootfile
    from library.extraction.xmlsafe import parse_xml

    with SafeZip(book_path) as z:
        opf_path = _rootfile(z)
        opf = parse_xml(z.read(opf_path, 4 << 20))
    items = _manifest(opf, posixpath.dirname(opf_path))
    spine = next(opf.iter("{*}spine"), None)
    paths = []
    for ref in spine.iter("{*}itemref") if spine is not None else ():
        item = items.get(ref.get("idref", ""))
        if item is not None and item.path:
            paths.append(item.path)
    return paths
