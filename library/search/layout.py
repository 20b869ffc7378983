"""The index layout: a Whoosh document per page or chapter chunk, and one per book for its title."""
from __future__ import annotations

import re

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema

from library.search.analysis import SyllableAnalyzer, TermCounts, phrase_text
from library.search.documents import BookDocument
from library.vietnamese import canonical, clean_text

# Bump when the schema or the analysis changes: an index of another version is not opened
# (search answers from nothing until `index rebuild`) rather than misread.
INDEX_NAME = "library_v3"
BOOK, SECTION = "book", "section"  # the two kinds of document
TEXT_FIELDS = ("exact", "folded", "pairs")
# Highlighting and phrase checks read the stored text: their cost grows with its length,
# so a long EPUB chapter becomes several documents of about this size.
CHUNK_TARGET, CHUNK_LIMIT = 3000, 4000
_CHUNK_END = re.compile(r"\n\s*\n|[.!?…]\s|\n")


class PhraseColumn(COLUMN):
    """The document's folded syllables as plain bytes, runs apart (see analysis.phrase_text).

    A quoted phrase of three syllables or more is proven by a substring search here: a slice
    read from the segment file (one pread) and a search in C, where the stored text costs an unpickle
    and a decompression. Computed from the text given for it, in the process that indexes.
    """

    def __init__(self):
        super().__init__(VarBytesColumn())

    def to_column_value(self, value):
        return phrase_text(value)


def make_schema() -> Schema:
    # Folded syllables and pairs are what a query must match; accented syllables rank the exact
    # forms first. No positions: pairs of adjacent syllables stand in for phrase queries.
    text = {name: TEXT(analyzer=SyllableAnalyzer(name), phrase=False) for name in TEXT_FIELDS}
    for field in text.values():
        field.format = TermCounts(field_boost=field.format.field_boost)
    return Schema(
        book=NUMERIC(int, bits=64, stored=True, sortable=True, shift_step=0),
        position=NUMERIC(int, bits=64, stored=True, sortable=True, shift_step=0),
        kind=ID(stored=True),
        shelf=ID(stored=True), year=ID(stored=True), author=ID,
        page=STORED, chapter=STORED, text=STORED,
        title=STORED, authors=STORED, created=STORED, media_type=STORED,
        phrases=PhraseColumn(),
        **text,
    )


def author_key(name: str) -> str:
    return " ".join(canonical(name).split())


def chunks(text: str) -> list[str]:
    """Pieces of at most CHUNK_LIMIT characters, cut at a paragraph or sentence end if possible."""
    pieces = []
    while len(text) > CHUNK_LIMIT:
        cut = 0
        for match in _CHUNK_END.finditer(text, CHUNK_TARGET // 2, CHUNK_LIMIT):
            cut = match.end()
            if cut >= CHUNK_TARGET:
                break
        if not cut:
            cut = text.rfind(" ", CHUNK_TARGET // 2, CHUNK_LIMIT) + 1 or CHUNK_LIMIT
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces + [text] if text.strip() or not pieces else pieces


def book_fields(doc: BookDocument) -> dict:
    """The filters every document of the book carries, so a filtered search needs no join."""
    fields = {"book": int(doc.book_id), "shelf": doc.shelf or ""}
    if doc.year is not None:
        fields["year"] = str(doc.year)
    authors = [author_key(a) for a in doc.authors if a and a.strip()]
    if authors:
        fields["author"] = authors
    return fields


def index_documents(doc: BookDocument) -> list[dict]:
    """The Whoosh documents of one book: its title document first, then its text chunks."""
    common = book_fields(doc)
    title = clean_text(doc.title or "")
    authors = [clean_text(a) for a in doc.authors if a and a.strip()]
    # A full stop between title and authors keeps a pair from spanning them.
    heading = " . ".join([title, *authors])
    created = doc.created.timestamp() if doc.created else None
    documents = [dict(common, kind=BOOK, position=0, title=title, authors=authors, created=created,
                      media_type=doc.media_type or "", phrases=heading,
                      **dict.fromkeys(TEXT_FIELDS, heading))]
    for section in doc.sections:
        for piece in chunks(clean_text(section.text or "")):
            if not piece.strip():
                continue
            documents.append(dict(common, kind=SECTION, position=section.position,
                                  page=section.page, chapter=section.chapter, text=piece,
                                  phrases=piece, **dict.fromkeys(TEXT_FIELDS, piece)))
    return documents
