"""A book's XHTML and CSS made safe to show: an allowlist of tags and attributes (nh3),
links and images only to the book's own files, CSS without url() or @import.

Books come from outside: a chapter may carry scripts, event handlers, forms, frames,
`javascript:` links or requests to other sites. What survives here is text, structure
and the book's own pictures; a frame sandbox and a strict policy come on top of it.
"""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from typing import Callable

import nh3

from library.reader import foreign

TAGS = {
    "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite",
    "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
} | foreign.SVG_TAGS | foreign.MATH_TAGS
# Removed with everything inside them: their content is code or a foreign document.
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed",
                        "form", "select", "textarea", "button", "title", "head"} | foreign.DROPPED
ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "col": {"span"},
    "colgroup": {"span"},
    "time": {"datetime"},
    **{tag: foreign.SVG_ATTRIBUTES for tag in foreign.SVG_TAGS},
    **{tag: foreign.MATH_ATTRIBUTES for tag in foreign.MATH_TAGS},
}
URL_ATTRIBUTES = {("a", "href"), ("img", "src"), ("image", "href")}

# url(...) in any spelling (escapes included), image-set(), @import and legacy IE hooks.
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}\s?|.)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_URL = re.compile(r"(url|image-set|image|src)\s*\((?:[^()\"']|\"[^\"]*\"|'[^']*')*\)", re.I)
_CSS_IMPORT = re.compile(r"@import[^;]*;?|@namespace[^;]*;?|@charset[^;]*;?", re.I)
_CSS_LEGACY = re.compile(r"expression\s*\(|behavior\s*:|-moz-binding\s*:|javascript:", re.I)


def _css_unescape(match: re.Match) -> str:
    body = match.group(1)
    if re.fullmatch(r"[0-9a-fA-F]{1,6}\s?", body):
        code = int(body.strip(), 16)
        return chr(code) if 0 < code < 0x110000 else "\ufffd"
    return body


# EPUB 3.0's prefixed properties (a vertical Japanese book's "-epub-writing-mode: vertical-rl")
# are the standard ones browsers know: spelled out again without the prefix.
_EPUB_PREFIXED = re.compile(r"(^|[;{\s])-epub-(writing-mode|hyphens|word-break|line-break|text-emphasis[\w-]*)\s*:")
_LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[\w.:-]+\1\s*\)", re.I)


def _css_url(match: re.Match) -> str:
    # url(#gradient) points inside the document (an SVG's fills): nothing is fetched
    return match.group(0) if _LOCAL_URL.fullmatch(match.group(0)) else "none"


def clean_css(css: str) -> str:
    """The book's stylesheet without any way to fetch or run something."""
    css = _CSS_COMMENT.sub("", css)
    # Escapes first, so that u\72l( or \75 rl( cannot hide a url().
    css = _CSS_ESCAPE.sub(_css_unescape, css)
    css = _CSS_IMPORT.sub("", css)
    css = _CSS_URL.sub(_css_url, css)
    css = _CSS_LEGACY.sub("/* removed */", css)
    css = _EPUB_PREFIXED.sub(r"\1\2:", css)
    return css.replace("<", "")  # never able to close a <style> it might be put in


def clean_html(fragment: str, rewrite_url: Callable[[str, str, str], str | None]) -> str:
    """The fragment through the allowlist; `rewrite_url(tag, attribute, value)` returns the
    URL to keep for a link or image (the book's own files only), or None to drop it."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in URL_ATTRIBUTES:
            return rewrite_url(tag, attribute, value)
        if attribute == "href":  # <use>, <textPath>, a gradient's: only the drawing's own #ids
            return foreign.fragment_only(value)
        return foreign.attribute_value(attribute, value)

    return nh3.clean(
        fragment,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer",
        # Only relative URLs, and those only as rewrite_url made them.
        url_schemes=set(),
    )


# Tags inside a line of text: a phrase may run across them ("<em>Hồ</em> Chí Minh").
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
           "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
# Where a block ends: a character search treats as punctuation, so no phrase spans two blocks.
_BLOCK_BREAK = "|"


class _Highlighter(HTMLParser):
    """Reads sanitised HTML into tags and text, the text joined as the reader sees it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, str, int]] = []  # ("tag" | "text" | "drawn", content, offset)
        self.joined: list[str] = []
        self.length = 0
        self.in_svg = 0  # a <mark> inside SVG text would be an unknown SVG element, not drawn

    def _tag(self, markup: str, tag: str):
        self.parts.append(("tag", markup, self.length))
        if tag not in _INLINE:
            self._add(_BLOCK_BREAK)

    def _add(self, text: str):
        self.joined.append(text)
        self.length += len(text)

    def handle_starttag(self, tag, attrs):
        self.in_svg += tag == "svg"
        self._tag(self.get_starttag_text(), tag)

    def handle_startendtag(self, tag, attrs):
        self._tag(self.get_starttag_text(), tag)

    def handle_endtag(self, tag):
        self.in_svg -= tag == "svg" and self.in_svg > 0
        self._tag(f"</{tag}>", tag)

    def handle_data(self, data):
        self.parts.append(("drawn" if self.in_svg else "text", data, self.length))
        self._add(data)


def highlight(clean: str, query: str) -> str:
    """Sanitised HTML with what the query marks (library.search.marks: one rule for every
    reader) in <mark>, over the chapter's whole text; the first mark gets id="hit" so the
    chapter can open there."""
    from library.search.marks import marker

    found = marker(query) if query.strip() else None
    if found is None:
        return clean
    parser = _Highlighter()
    parser.feed(clean)
    parser.close()
    spans = found.spans("".join(parser.joined))
    out: list[str] = []
    first, started = True, set()
    for kind, content, offset in parser.parts:
        if kind == "tag":
            out.append(content)
            continue
        if kind == "drawn":
            out.append(escape(content, quote=False))
            continue
        at, end = 0, len(content)
        for span in spans:
            a, b = max(span[0] - offset, at), min(span[1] - offset, end)
            if a >= b:
                continue
            out.append(escape(content[at:a], quote=False))
            # the first mark opens the chapter; a phrase's later pieces are not new hits
            attribute = ' id="hit"' if first else ' class="more"' if span in started else ""
            out.append(f"<mark{attribute}>{escape(content[a:b], quote=False)}</mark>")
            first, at = False, b
            started.add(span)
        out.append(escape(content[at:], quote=False))
    return "".join(out)
