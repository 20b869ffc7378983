"""Whether a PDF carries JavaScript or actions that start other programs, for librarians to see.

The file is stored and served as it is, and the reader never runs any of it (pdf.js renders
pages only: no scripting, no eval); a librarian should still know what a file carries before
it reaches members who may open the download in another viewer.

Found by scanning the file's bytes, and the decompressed object streams where a PDF 1.5+
hides most of its dictionaries: an action is a dictionary whose /S is /JavaScript or
/Launch (names may be written with #xx escapes), JavaScript is also any /JS entry.
"""
from __future__ import annotations

import mmap
import re
import zlib
from library.translatable import N_

JAVASCRIPT = N_("Tệp PDF có mã JavaScript; trình đọc của thư viện không bao giờ chạy mã này")
LAUNCH = N_("Tệp PDF có lệnh mở chương trình hoặc tệp khác (Launch); trình đọc của thư viện không bao giờ chạy lệnh này")
_ACTION = re.compile(rb"/S\s*/([A-Za-z0-9#]{2,40})")
_JS_KEY = re.compile(rb"/J(?:S|#53)\s*[(<\[0-9]")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm")
_STREAM = re.compile(rb"stream\r?\n")
MAX_STREAMS = 5000           # object streams looked into
MAX_INFLATED = 64 << 20      # bytes of object streams inflated in all


def _name(raw: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _scan(data, found: set[str]) -> None:
    for match in _ACTION.finditer(data):
        name = _name(match.group(1))
        if name == b"JavaScript":
            found.add(JAVASCRIPT)
        elif name == b"Launch":
            found.add(LAUNCH)
    if _JS_KEY.search(data):
        found.add(JAVASCRIPT)


def _object_streams(data, found: set[str]) -> None:
    """Inflate each object stream (its dictionary says /Type /ObjStm) and scan it too."""
    inflated = 0
    for count, match in enumerate(_OBJECT_STREAM.finditer(data)):
        if count >= MAX_STREAMS or inflated >= MAX_INFLATED:
            return
        start = _STREAM.search(data, match.end(), match.end() + 4096)
        if start is None:
            continue
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[start.end():start.end() + (8 << 20)], MAX_INFLATED - inflated)
        except zlib.error:
            continue  # not Flate, or damaged: nothing to read there
        inflated += len(chunk)
        _scan(chunk, found)


def active_content(path) -> list[str]:
    """Warnings for a librarian: the PDF carries JavaScript, launch actions, or both."""
    found: set[str] = set()
    with open(path, "rb") as source:
        try:
            data = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file
            return []
        with data:
            _scan(data, found)
            _object_streams(data, found)
    return [warning for warning in (JAVASCRIPT, LAUNCH) if warning in found]
