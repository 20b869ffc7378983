"""EPUB 2/3 -> one section per spine chapter, metadata, table of contents and cover.

The container, OPF, nav/NCX and chapters are parsed here with lxml under xmlsafe's rules
(no entity expansion, no DTD, no network) from a zip already vetted by zipcheck. ebooklib
is not used to read uploads: it reads every member whole, with no size cap, and stops on
the sloppy-but-readable EPUBs a library receives (missing files, HTML chapters).
"""
import posixpath
import re
from dataclasses import dataclass, field

from library.extraction.epub_pictures import RASTER_TYPES, document_picture, is_page_sized, is_raster
from library.extraction.epub_toc import NavPoint, nav_points, ncx_points
from library.extraction.metadata import plain, plain_html, split_authors, year_of
from library.extraction.sniff import EPUB
from library.extraction.types import ExtractedBook, ExtractedSection, ExtractionError, TocEntry, check_size
from library.extraction.xhtml import document_text, document_title
from library.extraction.xmlsafe import parse_document, parse_xml
from library.extraction.zipcheck import SafeZip, resolve_href
from library.vietnamese import clean_text
from library.translatable import N_

_DOCUMENTS = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml",
              "text/x-oeb1-document", "image/svg+xml", "application/xml", "text/xml"}
_COVER_MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif"}
MAX_COVER = 10 << 20
# What calibre and friends put in <title> when they know nothing: no chapter title at all.
_PLACEHOLDERS = {"inconnu(e)", "unknown", "untitled", "không rõ"}
NO_CHAPTERS = N_("Tệp EPUB không có chương nào đọc được")


@dataclass
class Item:
    id: str
    path: str | None          # None: a remote resource
    media_type: str
    properties: set[str] = field(default_factory=set)
    fallback: str | None = None


def _rootfile(z: SafeZip) -> str:
    if "META-INF/container.xml" not in z.names:
        raise ExtractionError(N_("Tệp EPUB thiếu META-INF/container.xml"))
    container = parse_xml(z.read("META-INF/container.xml", 1 << 20))
    rootfiles = [r for r in container.iter("{*}rootfile") if r.get("full-path")]
    # Multiple renditions: the first OPF is the default one (EPUB Multiple-Rendition spec).
    rootfiles.sort(key=lambda r: r.get("media-type", "application/oebps-package+xml")
                   != "application/oebps-package+xml")
    if not rootfiles:
        raise ExtractionError(N_("Tệp EPUB không chỉ ra tệp mô tả gói (OPF)"))
    path = resolve_href("", rootfiles[0].get("full-path"))
    if path not in z.names:
        raise ExtractionError(N_("Tệp EPUB thiếu tệp mô tả gói (OPF)"))
    return path


def _manifest(opf, opf_dir: str) -> dict[str, Item]:
    items: dict[str, Item] = {}
    manifest = next(opf.iter("{*}manifest"), None)
    for el in manifest.iter("{*}item") if manifest is not None else ():
        item_id, href = el.get("id"), el.get("href")
        if item_id and href and item_id not in items:
            items[item_id] = Item(item_id, resolve_href(opf_dir, href),
                                  (el.get("media-type") or "").strip().lower(),
                                  set((el.get("properties") or "").split()), el.get("fallback"))
    return items


def _content_item(item: Item, items: dict[str, Item]) -> Item:
    """Follow the fallback chain to a content document; cycles end where they loop."""
    seen = set()
    current = item
    while current.media_type not in _DOCUMENTS and current.fallback and current.id not in seen:
        seen.add(current.id)
        nxt = items.get(current.fallback)
        if nxt is None:
            break
        current = nxt
    return current if current.media_type in _DOCUMENTS else item


def _spine(opf, items: dict[str, Item]) -> tuple[list[Item], str | None]:
    spine = next(opf.iter("{*}spine"), None)
    if spine is None:
        raise ExtractionError(N_("Tệp EPUB không có danh sách chương (spine)"))
    linear, other, seen = [], [], set()
    for ref in spine.iter("{*}itemref"):
        item = items.get(ref.get("idref", ""))
        if item is None or item.id in seen or item.path is None:
            continue
        seen.add(item.id)
        (other if (ref.get("linear") or "").strip() == "no" else linear).append(item)
    # Non-linear items (pop-ups, answers) stay out, unless they are all the book has.
    return (linear or other), spine.get("toc")


def _metadata(opf, book: ExtractedBook) -> None:
    meta = next(opf.iter("{*}metadata"), opf)
    values: dict[str, list[str]] = {}
    for el in meta.iter():
        if isinstance(el.tag, str):
            # Lower-cased: OEBPS 1.2 packages spell them dc:Title, dc:Creator.
            name = el.tag.rsplit("}", 1)[-1].lower()
            text = plain("".join(el.itertext()))
            if text and name in ("title", "creator", "date", "publisher", "description", "language"):
                values.setdefault(name, []).append(text)
    first = {name: texts[0] for name, texts in values.items()}
    book.title = first.get("title")
    book.publisher = first.get("publisher")
    book.language = first.get("language")
    book.year = year_of(first.get("date"))
    book.description = plain_html(first.get("description")) or None
    for creator in values.get("creator", []):
        book.authors += [a for a in split_authors(creator) if a not in book.authors]


def _toc_points(z: SafeZip, items: dict[str, Item], toc_id: str | None) -> list[NavPoint]:
    """The nav document's entries, else the NCX's. Both are parsed (and so vetted) if present."""
    points: list[NavPoint] = []
    nav = next((i for i in items.values() if "nav" in i.properties and i.path in z.names), None)
    if nav is not None:
        points = nav_points(parse_document(z.read(nav.path)), nav.path)
    ncx = items.get(toc_id or "")
    if ncx is None or ncx.path not in z.names:
        ncx = next((i for i in items.values()
                    if i.media_type == "application/x-dtbncx+xml" and i.path in z.names), None)
    if ncx is not None:
        ncx_list = ncx_points(parse_xml(z.read(ncx.path)), ncx.path)
        points = points or ncx_list
    return points


def _cover_candidates(z: SafeZip, opf, items: dict[str, Item]) -> list[Item]:
    images = [i for i in items.values() if i.media_type.startswith("image/") and i.path in z.names]
    candidates = [i for i in images if "cover-image" in i.properties]
    for meta in opf.iter("{*}meta"):
        if (meta.get("name") or "").lower() == "cover":
            ref = meta.get("content") or ""
            candidates += [i for i in images if ref in (i.id, posixpath.basename(i.path))]
    candidates += [i for i in images if "cover" in (i.id + " " + i.path.rsplit("/", 1)[-1]).lower()]
    return candidates


def _cover(z: SafeZip, candidates: list[Item]) -> tuple[bytes | None, str | None]:
    for item in candidates:
        try:
            data = z.read(item.path, MAX_COVER)
        except ExtractionError:
            continue  # an oversized cover is dropped, the book still imports
        for magic, ext in _COVER_MAGIC.items():
            if data.startswith(magic):
                return data, ext
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return data, "webp"
    return None, None


def _chapter_title(root, nav_title: str | None) -> str | None:
    """nav/NCX title, else the first h1-h3, else <title> unless a placeholder, else None:
    'Chương N' or 'Trang N' is said where shown, in the reader's language
    (library.catalog.labels)."""
    if nav_title:
        return nav_title
    heading = clean_text(document_title(root)).strip() if root is not None else ""
    if heading and heading.lower() not in _PLACEHOLDERS:
        return heading
    return None


@dataclass
class _Spine:
    """What the spine walk carries from one item to the next."""

    z: SafeZip
    items: dict[str, Item]
    titles: dict[str, str]
    covers: set[str]                      # zip paths of the cover's picture and page
    positions: dict[str, int] = field(default_factory=dict)
    in_spine: set[str] = field(default_factory=set)  # zip paths the spine lists
    told: set[str] = field(default_factory=set)  # fallback documents already given to a picture
    fallbacks: dict[str, int] = field(default_factory=dict)  # fallback document -> its first picture
    missing: int = 0


def _picture_page(walk: _Spine, item: Item, position: int) -> ExtractedSection:
    """A picture in the spine is a page of its own (a comic, a scanned book). Its fallback
    document's text goes with the first picture that names it: a fallback of its own is
    that page's text; one shared by every page (a transcript) is found at the first."""
    fallback = _content_item(item, walk.items)
    text, root = "", None
    # A fallback that is a chapter of the spine as well stays that chapter.
    if fallback is not item and fallback.path in walk.z.names and fallback.path not in walk.in_spine:
        walk.fallbacks.setdefault(fallback.path, position)
        if fallback.path not in walk.told:
            walk.told.add(fallback.path)
            root = parse_document(walk.z.read(fallback.path))
            text = clean_text(document_text(root)).strip()
    title = walk.titles.get(item.path) or (walk.titles.get(fallback.path) if root is not None else None)
    return ExtractedSection(position=position, text=text, href=item.path, page=position,
                            chapter=_chapter_title(None, title))


def _sections(walk: _Spine, spine: list[Item], book: ExtractedBook) -> dict:
    """Appends one section per readable spine document or picture; returns zip path -> position."""
    positions = walk.positions
    for item in spine:
        position = len(book.sections) + 1
        if item.media_type in RASTER_TYPES and item.path in walk.z.names:
            if item.path in positions:
                continue
            positions[item.path] = position
            section = _picture_page(walk, item, position)
            book.sections.append(section)
            if _needs_recognition(walk, section.text, item.path):
                book.scanned_pages.append(position)
            continue
        doc = _content_item(item, walk.items)
        is_document = doc.media_type in _DOCUMENTS
        if not is_document and not doc.media_type.startswith("image/"):
            continue  # stylesheets, fonts, scripts listed in the spine by mistake
        if doc.path not in walk.z.names:
            walk.missing += 1
            continue
        if doc.path in positions:
            continue
        root = parse_document(walk.z.read(doc.path)) if is_document else None
        picture = doc.path if is_raster(doc.path) else document_picture(root, doc.path)
        # The title and the picture first: document_text edits the tree.
        nav_title = walk.titles.get(doc.path) or walk.titles.get(item.path)
        # A picture page's <title> is mostly the book's own: its place names it better.
        chapter = _chapter_title(None if picture else root, nav_title)
        text = clean_text(document_text(root)).strip()
        # A picture page is a page: numbered by its place, as the reader and search name it.
        book.sections.append(ExtractedSection(position=position, text=text, chapter=chapter, href=doc.path,
                                              page=position if picture else None))
        if picture and doc.path not in walk.covers and _needs_recognition(walk, text, picture):
            book.scanned_pages.append(position)
        positions[doc.path] = position
        positions.setdefault(item.path, position)
    for path, position in walk.fallbacks.items():
        positions.setdefault(path, position)  # the contents may point at a picture's fallback
    if walk.missing:
        book.warnings.append(N_("Thiếu {count} tệp chương được khai báo trong EPUB",
                                count=walk.missing))
    return positions


def _needs_recognition(walk: _Spine, text: str, picture: str) -> bool:
    """A page with no letters whose picture is page-sized and not the cover: a scan to read."""
    return (not any(ch.isalpha() for ch in text) and picture not in walk.covers
            and is_page_sized(walk.z, picture))


def extract_epub(path, max_chapters: int | None = None) -> ExtractedBook:
    """Chapters in spine order, metadata, toc and cover; ExtractionError when unreadable or
    with more spine documents than `max_chapters`."""
    with SafeZip(path) as z:
        opf_path = _rootfile(z)
        opf = parse_xml(z.read(opf_path))
        if not isinstance(opf.tag, str) or opf.tag.rsplit("}", 1)[-1] != "package":
            raise ExtractionError(N_("Tệp mô tả gói (OPF) của EPUB không hợp lệ"))
        items = _manifest(opf, posixpath.dirname(opf_path))
        spine, toc_id = _spine(opf, items)
        check_size(len(spine), max_chapters, "chương")
        book = ExtractedBook(media_type=EPUB)
        _metadata(opf, book)
        points = _toc_points(z, items, toc_id)
        titles: dict[str, str] = {}
        for point in points:
            titles.setdefault(point.path, point.title)
        candidates = _cover_candidates(z, opf, items)
        covers = {i.path for i in candidates[:1]} | {i.path for i in items.values()
                                                    if "cover" in i.id.lower() and i.path}
        walk = _Spine(z, items, titles, covers, in_spine={i.path for i in spine})
        positions = _sections(walk, spine, book)
        if not book.sections:
            raise ExtractionError(NO_CHAPTERS)
        book.toc = [TocEntry(p.title, p.level, positions[p.path]) for p in points if p.path in positions]
        book.cover, book.cover_ext = _cover(z, candidates)
    book.searchable = any(re.search(r"\w", s.text) for s in book.sections)
    if not book.searchable:
        book.warnings.append(N_("Tệp EPUB không có lớp văn bản (chỉ có hình ảnh), không tìm kiếm được nội dung"))
    return book
