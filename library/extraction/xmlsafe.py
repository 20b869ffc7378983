"""XML and HTML parsing that never expands entities, loads a DTD or touches the network."""
import re
from urllib.parse import urlsplit

from lxml import etree, html

from library.extraction.types import ExtractionError
from library.vietnamese import clean_text
from library.translatable import N_

_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                huge_tree=False, remove_pis=True)
_STRICT = etree.XMLParser(**_OPTIONS)
_RECOVER = etree.XMLParser(recover=True, **_OPTIONS)
_HTML = html.HTMLParser(no_network=True, remove_pis=True, remove_comments=True)

ENTITIES = N_("Tệp EPUB chứa khai báo thực thể XML (entity) không an toàn")
MALFORMED = N_("Tệp EPUB có tệp XML bị hỏng")
# Standard DTDs (XHTML, NCX, SVG, DTBook, OEB) are named, never fetched, so they are harmless;
# any other external DTD is the XXE pattern and the file is refused.
_STANDARD_HOSTS = ("w3.org", "daisy.org", "idpf.org", "openebook.org")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_DECLARED = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']|charset\s*=\s*["']?([A-Za-z0-9._-]+)""")


def _trusted_dtd(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return not url.startswith("/")  # a bare name such as "xhtml11.dtd"
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and any(
        host == h or host.endswith("." + h) for h in _STANDARD_HOSTS)


def check_doctype(tree) -> None:
    """Refuse entity declarations (billion laughs, XXE) and external DTDs outside the standards."""
    info = tree.docinfo
    dtd = info.internalDTD
    if dtd is not None and next(iter(dtd.entities()), None) is not None:
        raise ExtractionError(ENTITIES)
    url = info.system_url
    if url and not _trusted_dtd(url):
        shown = " ".join(clean_text(url).split())
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        raise ExtractionError(N_("Tệp EPUB tham chiếu DTD bên ngoài không an toàn ({url})",
                                 url=shown))


def parse_xml(data: bytes, recover: bool = True):
    """The root element of a package file (container, OPF, NCX, nav), checked."""
    try:
        root = etree.fromstring(data, _STRICT)
    except etree.XMLSyntaxError:
        if not recover:
            raise ExtractionError(MALFORMED) from None
        try:
            root = etree.fromstring(data, _RECOVER)
        except etree.XMLSyntaxError:
            root = None
    except ValueError:
        root = None
    if root is None:
        raise ExtractionError(MALFORMED)
    check_doctype(root.getroottree())
    return root


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    declared = _DECLARED.search(data[:2048])
    encoding = (declared.group(1) or declared.group(2)).decode("ascii") if declared else "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def parse_document(data: bytes):
    """The root of a content document: strict XML first, else the forgiving HTML parser.

    The HTML fallback serves the many EPUB chapters that are really HTML: named entities
    such as &agrave; without a DTD, unclosed tags, a wrong encoding declaration.
    """
    try:
        root = etree.fromstring(data, _STRICT)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None:
        check_doctype(root.getroottree())
        return root
    text = _XML_DECL.sub("", _decode(data))
    # The HTML parser ignores a DOCTYPE's internal subset, so a declaration is caught here.
    if "<!ENTITY" in text:
        raise ExtractionError(ENTITIES)
    if not text.strip():
        return None
    try:
        return html.document_fromstring(text, parser=_HTML)
    except (etree.ParserError, ValueError):
        return None
