"""Segment files read in place from the memory map, not copied into the process.

Whoosh opens each file inside a compound segment as a BufferFile over the segment's memory
map, and BufferFile wraps that view in an io.BytesIO, which copies it: every postings,
term and stored-fields file a searcher opens became private memory (126 MB on opening the
50,000-page library's index, more as further columns were opened), on top of the mapped
pages themselves. MappedFile reads the view where it lies; the pages stay the kernel's,
shared by every worker and given back under memory pressure.
"""
from __future__ import annotations

import os
import threading

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class _View:
    """The read-only file protocol StructFile uses (read, seek, tell) over a memoryview.

    The threads of a worker share one searcher, hence these files: each thread keeps its own
    position, as if each had opened the file (Whoosh reads with seek() then read()).
    """

    def __init__(self, buf):
        self._buf = buf
        self._local = threading.local()

    @property
    def _at(self) -> int:
        return getattr(self._local, "at", 0)

    @_at.setter
    def _at(self, value: int) -> None:
        self._local.at = value

    def read(self, size: int = -1) -> bytes:
        at = self._at
        end = len(self._buf) if size is None or size < 0 else min(at + size, len(self._buf))
        self._at = end
        return bytes(self._buf[at:end])

    def readline(self, size: int = -1) -> bytes:
        at = self._at
        rest = bytes(self._buf[at:])
        cut = rest.find(b"\n")
        line = rest if cut < 0 else rest[: cut + 1]
        if size is not None and size >= 0:
            line = line[:size]
        self._at = at + len(line)
        return line

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._at, os.SEEK_END: len(self._buf)}[whence]
        self._at = base + offset
        return self._at

    def tell(self) -> int:
        return self._at

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the map is closed with the segment's storage


class MappedFile(BufferFile):
    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = _View(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


def install() -> None:
    """Make Whoosh's compound segments open their files as MappedFile (this process)."""
    compound.BufferFile = MappedFile
