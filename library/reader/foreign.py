"""SVG and MathML in a book, made safe to show: drawing and presentation only.

Inline in a chapter they go through the chapter's allowlist (library.reader.sanitize,
these tags and attributes added); an SVG file of the book shown as a picture goes through
`clean_svg` here. Neither keeps a script, an event handler, a <foreignObject> (HTML inside
a drawing), an animation (which may set an href), a <style> with outside URLs, or a
reference to anything but the book's own files and the drawing's own #fragments.
"""
from __future__ import annotations

import re

from lxml import etree

SVG_TAGS = {
    "svg", "g", "defs", "symbol", "use", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "textPath", "image", "clipPath", "mask", "pattern", "marker",
    "linearGradient", "radialGradient", "stop", "filter", "feGaussianBlur", "feOffset", "feBlend",
    "feColorMatrix", "feFlood", "feComposite", "feMerge", "feMergeNode", "switch", "desc",
}
SVG_ATTRIBUTES = {
    "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy",
    "r", "rx", "ry", "d", "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke",
    "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "stroke-dasharray",
    "stroke-dashoffset", "stroke-miterlimit", "opacity", "clip-path", "clip-rule", "mask", "filter",
    "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
    "letter-spacing", "word-spacing", "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
    "fx", "fy", "clipPathUnits", "maskUnits", "maskContentUnits", "patternUnits",
    "patternContentUnits", "patternTransform", "markerWidth", "markerHeight", "markerUnits",
    "refX", "refY", "orient", "marker-start", "marker-mid", "marker-end", "visibility", "display",
    "stdDeviation", "in", "in2", "result", "mode", "values", "operator", "flood-color",
    "flood-opacity", "version", "href", "startOffset", "image-rendering", "shape-rendering",
    "text-rendering", "color-rendering", "vector-effect", "color",
}
MATH_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle",
    "merror", "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover",
    "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr",
    "semantics", "annotation",
}
MATH_ATTRIBUTES = {
    "display", "mathvariant", "mathsize", "displaystyle", "scriptlevel", "fence", "separator",
    "stretchy", "symmetric", "largeop", "movablelimits", "accent", "accentunder", "lspace",
    "rspace", "linethickness", "notation", "rowspan", "columnspan", "columnalign", "rowalign",
    "columnlines", "rowlines", "columnspacing", "rowspacing", "frame", "width", "height", "depth",
    "voffset", "minsize", "maxsize", "alttext", "form", "encoding",
}
# Dropped with their content (the chapter's allowlist adds these to its own).
DROPPED = {"foreignobject", "annotation-xml", "animate", "animatemotion", "animatetransform",
           "set", "script", "style"}
# An attribute may point only inside the drawing: url(#id), never url(https://...).
_URL = re.compile(r"url\s*\(", re.I)
_LOCAL_URL = re.compile(r"^\s*url\(\s*['\"]?#[\w.:-]+['\"]?\s*\)\s*$")


def attribute_value(attribute: str, value: str) -> str | None:
    """The value to keep for a presentation attribute, or None: no URL but a #fragment."""
    if _URL.search(value) and not _LOCAL_URL.match(value):
        return None
    return value


def fragment_only(value: str) -> str | None:
    """<use href> and the like: only a reference to the drawing's own #id."""
    value = value.strip()
    return value if re.fullmatch(r"#[\w.:-]+", value) else None


def prepare_math(root) -> None:
    """MathML as browsers draw it today, before the allowlist: annotations (TeX, HTML) out,
    <maction> as the one expression it shows, <mfenced> as brackets."""
    for el in list(root.iter("{*}annotation", "{*}annotation-xml")):
        _remove(el)
    for action in list(root.iter("{*}maction")):
        shown = next((c for c in action if isinstance(c.tag, str)), None)
        if action.getparent() is not None and shown is not None:
            shown.tail = action.tail
            action.getparent().replace(action, shown)
    unfence(root)


def unfence(root) -> None:
    """<mfenced> (MathML 2, not drawn by browsers any more) as the <mrow> of <mo>s it means:
    open, the children between separators, close."""
    for fenced in [el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) == "mfenced"]:
        namespace = fenced.tag[:fenced.tag.index("}") + 1] if fenced.tag.startswith("{") else ""
        children = list(fenced)
        separators = "".join(fenced.get("separators", ",").split())
        row = etree.Element(namespace + "mrow")
        row.append(_mo(namespace, fenced.get("open", "(")))
        for index, child in enumerate(children):
            row.append(child)
            if index < len(children) - 1 and separators:
                row.append(_mo(namespace, separators[min(index, len(separators) - 1)]))
        row.append(_mo(namespace, fenced.get("close", ")")))
        row.tail = fenced.tail
        fenced.getparent().replace(fenced, row) if fenced.getparent() is not None else None


def _mo(namespace: str, text: str):
    mo = etree.Element(namespace + "mo", fence="true")
    mo.text = text
    return mo


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def clean_svg(data: bytes, resource_ok) -> bytes:
    """An SVG file of the book, shown as a picture: only drawing elements and attributes,
    hrefs only to #fragments or, for <image>, the book's own pictures (`resource_ok(href)`
    says which); <style> and style="" kept without url() (but #fragments) or @import.
    Raises ValueError when unreadable."""
    from library.extraction.xmlsafe import parse_xml
    from library.reader.sanitize import clean_css

    root = parse_xml(data)
    if root is None or _local(root.tag) != "svg":
        raise ValueError("not an SVG document")
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                _remove(el)
            continue
        name = _local(el.tag)
        if name == "style" and el.getparent() is not None:
            el.text = clean_css("".join(el.itertext()))
            del el[:]
            el.attrib.clear()
            continue
        if name == "a" and el.getparent() is not None:
            _unwrap(el)  # a link in a picture goes nowhere; its text and drawing stay
            continue
        if (name not in SVG_TAGS and name != "title") or name.lower() in DROPPED:
            if el.getparent() is not None:
                _remove(el)
            continue
        for attribute in list(el.attrib):
            value = el.attrib[attribute]
            local = attribute if attribute in ("id", "class") else _local(attribute)
            keep = None
            if local == "href":
                keep = fragment_only(value) or (value if name == "image" and resource_ok(value) else None)
            elif local == "style":  # in a picture of its own, styles apply as the drawing's
                keep = clean_css(value)
            elif local in SVG_ATTRIBUTES or local in ("id", "class"):
                keep = attribute_value(local, value)
            del el.attrib[attribute]
            if keep is not None:
                el.set(_XLINK_HREF if local == "href" and attribute == _XLINK_HREF else local, keep)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _unwrap(el) -> None:
    """The element out, its text and children left where it stood."""
    parent, index = el.getparent(), el.getparent().index(el)
    children = list(el)
    lead = el.text or ""
    if children:
        children[-1].tail = (children[-1].tail or "") + (el.tail or "")
    else:
        lead += el.tail or ""
    parent.remove(el)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if lead:
        previous = parent[index - 1] if index > 0 else None
        if previous is not None:
            previous.tail = (previous.tail or "") + lead
        else:
            parent.text = (parent.text or "") + lead


def _remove(el) -> None:
    parent = el.getparent()
    previous = el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
