"""The OPDS 1.2 catalogue for e-reader apps: shelves, new books and search as Atom feeds."""
from __future__ import annotations

import mimetypes
from datetime import datetime

from flask import Response, abort, request, url_for
from lxml import etree
from sqlalchemy import func, select

from library.api import bp
from library.catalog import queries
from library.catalog.links import cover_url
from library.catalog.models import Book, BookStatus, utcnow
from library.extensions import db
from library.search import QueryError, SearchUnavailable, get_index
from library.vietnamese import clean_text
from library.security import page_arg
from library.i18n import gettext as _
from library.i18n import ngettext
from library.translatable import N_

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    None: ATOM,
    "dc": "http://purl.org/dc/terms/",
    "opds": "http://opds-spec.org/2010/catalog",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "thr": "http://purl.org/syndication/thread/1.0",
}
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH = "application/opensearchdescription+xml"
PER_PAGE = 25
MAX_QUERY = 500
SUMMARY_CHARS = 1000
SITE = N_("Tủ sách điện tử")


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _text(value) -> str:
    # lxml refuses control characters outright; clean_text drops them (and NULs).
    return clean_text(str(value))


def _sub(parent, tag: str, text=None, **attrs):
    """A child element; text and attributes go through lxml, which escapes them."""
    element = etree.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = _text(text)
    return element


def _link(parent, rel: str, href: str, type_: str | None = None, **attrs):
    return _sub(parent, f"{{{ATOM}}}link", rel=rel, href=href, type=type_, **attrs)


def _stamp(moment: datetime | None) -> str:
    """RFC 3339 in UTC; the database keeps naive UTC datetimes."""
    return (moment or utcnow()).replace(microsecond=0).isoformat() + "Z"


def _latest_change() -> datetime | None:
    return db.session.scalar(
        select(func.max(Book.updated_at)).where(Book.status == BookStatus.READY))


def _feed(feed_id: str, title: str, kind: str, updated: datetime | None, self_href: str):
    root = etree.Element(f"{{{ATOM}}}feed", nsmap=NS)
    _sub(root, f"{{{ATOM}}}id", feed_id)
    _sub(root, f"{{{ATOM}}}title", title)
    _sub(root, f"{{{ATOM}}}updated", _stamp(updated))
    # Atom needs an author for the feed unless every entry has one; many books have none.
    _sub(_sub(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", _(SITE))
    _link(root, "self", self_href, kind)
    _link(root, "start", url_for("api.opds_root"), NAVIGATION)
    _link(root, "up", url_for("api.opds_root"), NAVIGATION)
    _search_links(root)
    return root


def _search_links(root) -> None:
    # OPDS 1.2 points "search" at the OpenSearch description only: a templated href
    # ("?q={searchTerms}") is no IRI, and the description carries that template.
    _link(root, "search", url_for("api.opds_opensearch"), OPENSEARCH, title=_("Tìm sách"))


def _respond(root, kind: str, status: int = 200) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    response = Response(body, status=status, content_type=kind)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _book_entry(root, book: Book) -> None:
    entry = _sub(root, f"{{{ATOM}}}entry")
    _sub(entry, f"{{{ATOM}}}title", book.title)
    _sub(entry, f"{{{ATOM}}}id", f"urn:tu-sach:book:{book.id}")
    _sub(entry, f"{{{ATOM}}}updated", _stamp(book.updated_at))
    for name in book.authors or []:
        _sub(_sub(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", name)
    if book.year:
        _sub(entry, _q("dc", "issued"), book.year)
    if book.language:
        _sub(entry, _q("dc", "language"), book.language)
    if book.publisher:
        _sub(entry, _q("dc", "publisher"), book.publisher)
    _sub(entry, f"{{{ATOM}}}category", term=book.shelf.slug, label=book.shelf.name)
    if book.description:
        summary = book.description
        if len(summary) > SUMMARY_CHARS:
            summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
        _sub(entry, f"{{{ATOM}}}summary", summary, type="text")
    if book.cover_name:
        cover = cover_url(book)
        cover_type = mimetypes.guess_type(book.cover_name)[0] or "image/jpeg"
        # One image serves both: the covers are already small JPEGs or PNGs.
        _link(entry, "http://opds-spec.org/image", cover, cover_type)
        _link(entry, "http://opds-spec.org/image/thumbnail", cover, cover_type)
    _link(entry, "http://opds-spec.org/acquisition", url_for("reader.download", book_id=book.id),
          book.media_type, length=book.size, title=_("Tải về"))
    _link(entry, "alternate", url_for("catalog.book", book_id=book.id), "text/html",
          title=_("Xem trên trang"))


def _paging(root, endpoint: str, page: int, pages: int, total: int, **args) -> None:
    """Links between the pages of a feed, and the OpenSearch counts OPDS apps show."""
    def href(number: int) -> str:
        return url_for(endpoint, page=number, **args)

    _link(root, "first", href(1), ACQUISITION)
    if page > 1:
        _link(root, "previous", href(min(page - 1, pages)), ACQUISITION)
    if page < pages:
        _link(root, "next", href(page + 1), ACQUISITION)
    _link(root, "last", href(pages), ACQUISITION)
    _sub(root, _q("opensearch", "totalResults"), total)
    _sub(root, _q("opensearch", "itemsPerPage"), PER_PAGE)
    _sub(root, _q("opensearch", "startIndex"), (page - 1) * PER_PAGE + 1)


def _page_arg() -> int:
    return page_arg()


def _book_list(feed_id: str, title: str, endpoint: str, query, **args) -> Response:
    page = db.paginate(query, page=_page_arg(), per_page=PER_PAGE, error_out=False, count=True)
    books = list(page.items)
    root = _feed(feed_id, title, ACQUISITION, max((b.updated_at for b in books), default=None),
                 url_for(endpoint, page=page.page, **args))
    _paging(root, endpoint, page.page, max(page.pages, 1), page.total, **args)
    for book in books:
        _book_entry(root, book)
    return _respond(root, ACQUISITION)


@bp.get("/opds")
def opds_root():
    latest = _latest_change()
    root = _feed("urn:tu-sach:opds", _(SITE), NAVIGATION, latest, url_for("api.opds_root"))
    _link(root, "http://opds-spec.org/sort/new", url_for("api.opds_new"), ACQUISITION,
          title=_("Sách mới"))
    for summary in queries.shelves_with_counts():
        shelf = summary.shelf
        entry = _sub(root, f"{{{ATOM}}}entry")
        _sub(entry, f"{{{ATOM}}}title", shelf.name)
        _sub(entry, f"{{{ATOM}}}id", f"urn:tu-sach:shelf:{shelf.slug}")
        _sub(entry, f"{{{ATOM}}}updated", _stamp(latest))
        _sub(entry, f"{{{ATOM}}}content", ngettext("{num} cuốn sách", "{num} cuốn sách", summary.count), type="text")
        link = _link(entry, "subsection", url_for("api.opds_shelf", slug=shelf.slug), ACQUISITION)
        link.set(_q("thr", "count"), str(summary.count))
    entry = _sub(root, f"{{{ATOM}}}entry")
    _sub(entry, f"{{{ATOM}}}title", _("Sách mới"))
    _sub(entry, f"{{{ATOM}}}id", "urn:tu-sach:new")
    _sub(entry, f"{{{ATOM}}}updated", _stamp(latest))
    _sub(entry, f"{{{ATOM}}}content", _("Những cuốn sách mới nhập, mới nhất trước"), type="text")
    _link(entry, "http://opds-spec.org/sort/new", url_for("api.opds_new"), ACQUISITION)
    return _respond(root, NAVIGATION)


@bp.get("/opds/shelf/<slug>")
def opds_shelf(slug: str):
    shelf = queries.shelf_by_slug(slug) or abort(404)
    return _book_list(f"urn:tu-sach:shelf:{shelf.slug}", shelf.name, "api.opds_shelf",
                      queries.visible_books(shelf), slug=shelf.slug)


@bp.get("/opds/new")
def opds_new():
    return _book_list("urn:tu-sach:new", _("Sách mới"), "api.opds_new", queries.visible_books())


@bp.get("/opds/search")
def opds_search():
    query = request.args.get("q", "")[:MAX_QUERY]
    page, status, books, total, pages = _page_arg(), 200, [], 0, 1
    message = None
    if query.strip():
        try:
            found = get_index().search(query, page=page, per_page=PER_PAGE, snippets=False)
        except QueryError as exc:
            message = _(exc.message)
        except SearchUnavailable as exc:
            message, status = _(exc.message), 503
        else:
            page, total, pages = found.page, found.total, found.pages
            # The index may lag behind a withdrawal: the database has the last word.
            by_id = queries.books_by_ids(hit.book_id for hit in found.books)
            books = [by_id[h.book_id] for h in found.books
                     if h.book_id in by_id and by_id[h.book_id].status == BookStatus.READY]
    root = _feed("urn:tu-sach:search", _("Tìm: {query}", query=query) if query.strip() else _("Tìm sách"),
                 ACQUISITION, max((b.updated_at for b in books), default=None),
                 url_for("api.opds_search", q=query, page=page))
    if message:
        _sub(root, f"{{{ATOM}}}subtitle", message, type="text")
    _paging(root, "api.opds_search", page, pages, total, q=query)
    for book in books:
        _book_entry(root, book)
    return _respond(root, ACQUISITION, status)


@bp.get("/opds/opensearch.xml")
def opds_opensearch():
    root = etree.Element(_q("opensearch", "OpenSearchDescription"), nsmap={None: NS["opensearch"]})
    _sub(root, _q("opensearch", "ShortName"), _("Tủ sách"))  # at most 16 characters
    _sub(root, _q("opensearch", "Description"), _("Tìm sách trong {site}", site=_(SITE)))
    _sub(root, _q("opensearch", "InputEncoding"), "UTF-8")
    _sub(root, _q("opensearch", "OutputEncoding"), "UTF-8")
    # The template must be a full URL: apps resolve it without a base.
    template = url_for("api.opds_search", _external=True) + "?q={searchTerms}"
    _sub(root, _q("opensearch", "Url"), type=ACQUISITION, template=template)
    _sub(root, _q("opensearch", "Url"), type="application/atom+xml", template=template)
    return _respond(root, OPENSEARCH)
