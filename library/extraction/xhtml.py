"""Plain text out of an (X)HTML, SVG or DTBook content document, one block per line."""
import re
from html.entities import name2codepoint

from lxml import etree

_SKIP = {"head", "script", "style", "template", "noscript", "rt", "rp", "object", "audio", "video",
         "math-annotation", "annotation-xml", "metadata", "defs"}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl", "dt",
          "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
          "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
          "tfoot", "th", "thead", "tr", "ul", "text", "tspan", "title", "desc",
          # DTBook (EPUB 2 alternative content)
          "level", "level1", "level2", "level3", "level4", "level5", "level6", "hd", "list", "lic",
          "line", "poem", "linegroup", "frontmatter", "bodymatter", "rearmatter", "doctitle",
          "docauthor", "sidebar", "note", "prodnote"}
_SPACES = re.compile(r"[^\S\n]+")
_HEADINGS = ("h1", "h2", "h3")


def _local(tag) -> str | None:
    if not isinstance(tag, str):
        return None  # comments, processing instructions, entities
    return tag.rsplit("}", 1)[-1].lower()


def _entity_text(node) -> str:
    # Entities stay unexpanded (resolve_entities=False); the HTML ones are safe to spell out.
    code = name2codepoint.get(node.name)
    return chr(code) if code else " "


def _collect(root, out: list[str]) -> None:
    """Iterative walk: deep hostile nesting cannot hit Python's recursion limit."""
    stack = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            out.append("\n")
            if node.tail and node is not root:
                out.append(node.tail)
            continue
        tag = _local(node.tag)
        if tag is None:
            if node.tag is etree.Entity:
                out.append(_entity_text(node))
            if node.tail:
                out.append(node.tail)
            continue
        if tag in _SKIP:
            if node.tail and node is not root:
                out.append(node.tail)
            continue
        block = tag in _BLOCK
        if block:
            out.append("\n")
        if node.text:
            out.append(node.text)
        if block:
            stack.append((node, True))
        else:
            # Inline element: its tail comes after its children, so push a tail-only marker.
            stack.append((_Tail(node.tail if node is not root else None), False))
        stack.extend((child, False) for child in reversed(node))


class _Tail:
    """Stands in for an inline element's tail on the walk stack."""

    __slots__ = ("tail",)
    tag = etree.Comment  # not a str: treated like a comment, i.e. only the tail is used

    def __init__(self, tail):
        self.tail = tail


def _tidy(raw: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def _body(root):
    for el in root.iter("{*}body"):
        return el
    return root


def document_text(root) -> str:
    """The document body's text: blocks become lines, inline whitespace collapses."""
    if root is None:
        return ""
    out: list[str] = []
    _collect(_body(root), out)
    # Source line breaks are just spaces in HTML; only block boundaries make lines.
    raw = "".join(s if s == "\n" else s.replace("\n", " ") for s in out)
    return _tidy(raw)


def _element_text(el) -> str:
    out: list[str] = []
    _collect(el, out)
    return _tidy("".join(out).replace("\n", " "))


def document_title(root) -> str:
    """The first h1/h2/h3 of the body, else <title>, else ''."""
    if root is None:
        return ""
    body = _body(root)
    for el in body.iter():
        if _local(el.tag) in _HEADINGS:
            text = _element_text(el)
            if text:
                return text
    for el in root.iter("{*}title"):
        text = _element_text(el)
        if text:
            return text
    return ""
