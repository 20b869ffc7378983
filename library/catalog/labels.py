"""What a page or chapter is called where it has no title of its own, in the reader's language.

Extraction stores a section's own title only (nav/NCX or heading). A section without one is
named when shown: "Trang N" for a page (a PDF's, or an EPUB's picture page, which has a
`page`), "Chương N" for an EPUB chapter, so English readers see "Page N" and "Chapter N".
Rows stored before, with the finished Vietnamese label, were cleared by migration 16e1.
"""
from __future__ import annotations

from library.i18n import gettext as _


def is_page(page: int | None, pdf: bool = False) -> bool:
    """A page, not a chapter: every section of a PDF, and an EPUB's picture pages."""
    return pdf or page is not None


def section_label(position: int, chapter: str | None = None, page: int | None = None,
                  pdf: bool = False) -> str:
    if chapter:
        return chapter
    if is_page(page, pdf):
        return _("Trang {number}", number=page or position)
    return _("Chương {number}", number=position)


def chapter_of(hit) -> str | None:
    """A search hit's `chapter` for programs: its title, or for an untitled EPUB chapter its
    made-up name ("Chương N" / "Chapter N", as the API always gave); None for a page."""
    if hit.chapter or hit.page is not None or not hit.position:
        return hit.chapter
    return section_label(hit.position)
