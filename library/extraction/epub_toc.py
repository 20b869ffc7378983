"""An EPUB's table of contents from the EPUB 3 nav document or the EPUB 2 NCX."""
import posixpath
from dataclasses import dataclass

from library.extraction.xhtml import element_text
from library.extraction.zipcheck import resolve_href
from library.vietnamese import clean_text

MAX_ENTRIES = 10_000
MAX_DEPTH = 12  # deeper nesting is no table of contents a reader would show
_OPS = "{http://www.idpf.org/2007/ops}type"


@dataclass
class NavPoint:
    title: str
    level: int
    path: str  # zip path of the target document, fragment dropped


def _label(el) -> str:
    return clean_text(element_text(el)).strip() if el is not None else ""


def _local(el) -> str:
    return el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""


def _children(el, name: str):
    return [c for c in el if _local(c) == name]


def nav_points(root, doc_path: str) -> list[NavPoint]:
    """Entries of the nav document's epub:type="toc" <nav> (else its first <nav>), in order."""
    navs = [el for el in root.iter("{*}nav")]
    toc = next((n for n in navs if "toc" in (n.get(_OPS) or n.get("epub:type") or "").split()), None)
    toc = toc if toc is not None else (navs[0] if navs else None)
    if toc is None:
        return []
    base = posixpath.dirname(doc_path)
    points: list[NavPoint] = []
    for ol in _children(toc, "ol"):
        _walk_ol(ol, 1, base, points)
    return points


def _walk_ol(ol, level: int, base: str, points: list[NavPoint]) -> None:
    for li in _children(ol, "li"):
        if len(points) >= MAX_ENTRIES:
            return
        link = next((c for c in li if _local(c) in ("a", "span")), None)
        href = link.get("href") if link is not None else None
        path = resolve_href(base, href, strict=False) if href else None
        if path and (title := _label(link)):
            points.append(NavPoint(title, level, path))
        if level < MAX_DEPTH:
            for sub in _children(li, "ol"):
                _walk_ol(sub, level + 1, base, points)


def ncx_points(root, doc_path: str) -> list[NavPoint]:
    """navMap/navPoint entries of an NCX, nested levels kept, in document order."""
    base = posixpath.dirname(doc_path)
    points: list[NavPoint] = []
    for nav_map in root.iter("{*}navMap"):
        _walk_ncx(nav_map, 1, base, points)
        break
    return points


def _walk_ncx(parent, level: int, base: str, points: list[NavPoint]) -> None:
    for point in _children(parent, "navpoint"):
        if len(points) >= MAX_ENTRIES:
            return
        nav_label = next((c for c in point if _local(c) == "navlabel"), None)
        label = next(nav_label.iter("{*}text"), None) if nav_label is not None else None
        content = next((c for c in point if _local(c) == "content"), None)
        src = content.get("src") if content is not None else None
        path = resolve_href(base, src, strict=False) if src else None
        if path and (title := _label(label)):
            points.append(NavPoint(title, level, path))
        if level < MAX_DEPTH:
            _walk_ncx(point, level + 1, base, points)
