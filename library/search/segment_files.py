"""Segment files read with pread() from the segment's file, neither mapped nor copied.

Whoosh maps each compound segment into memory and opens the files inside it as BufferFile,
which wraps the mapped view in an io.BytesIO, a private copy of each file (126 MB on opening
the 50,000-page library's index). Reading in place from the map stopped the copies, but every
page of the map a search touched then stayed in the worker's resident memory: ~240 MB per
worker after a minute of varied searches, the same index pages counted in each worker.

Here a segment is an open file and each read a pread() at an absolute offset: the pages stay
in the kernel's page cache, shared by every process and given back under memory pressure,
and a worker's resident memory is its own (heap, caches, code). pread() keeps no file
position, so the threads sharing one searcher cannot disturb each other's reads; each thread
keeps its own position in a file, as if each had opened it (Whoosh reads with seek then read).
A read costs a system call (~1 us) where the map cost a copy from memory: searches read whole
posting lists in few large reads, and a phrase check reads one short column value a page.
"""
from __future__ import annotations

import os
import threading
import weakref

from whoosh.filedb import compound
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.structfile import BufferFile

_LINE = 256  # readline() reads ahead this much at a time (only pickles read lines)


class _Reads:
    """The file protocol StructFile uses (read, readline, seek, tell) over a range of a file."""

    def __init__(self, fd: int, start: int, length: int):
        self._fd, self._start, self._length = fd, start, length
        self._local = threading.local()

    @property
    def _at(self) -> int:
        return getattr(self._local, "at", 0)

    @_at.setter
    def _at(self, value: int) -> None:
        self._local.at = value

    def pread(self, at: int, size: int) -> bytes:
        size = min(size, self._length - at)
        return os.pread(self._fd, size, self._start + at) if size > 0 else b""

    def read(self, size: int = -1) -> bytes:
        at = self._at
        data = self.pread(at, self._length - at if size is None or size < 0 else size)
        self._at = at + len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        at, line = self._at, b""
        while size is None or size < 0 or len(line) < size:
            chunk = self.pread(at + len(line), _LINE)
            cut = chunk.find(b"\n")
            line += chunk if cut < 0 else chunk[: cut + 1]
            if cut >= 0 or len(chunk) < _LINE:
                break
        if size is not None and size >= 0:
            line = line[:size]
        self._at = at + len(line)
        return line

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._at, os.SEEK_END: self._length}[whence]
        self._at = base + offset
        return self._at

    def tell(self) -> int:
        return self._at

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the descriptor is the segment's, closed with its storage


class SegmentFile(BufferFile):
    """One file inside a compound segment, as Whoosh's BufferFile behaves, read by pread().

    It holds its segment's storage, so the descriptor is not closed (and its number reused
    for another file) while the file is still read.
    """

    def __init__(self, storage, start: int, length: int, name=None, onclose=None):
        self._storage, self._start, self._length = storage, start, length
        self._name = name
        self.file = _Reads(storage.fd, start, length)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return SegmentFile(self._storage, self._start + position, length, name=name or self._name)

    def get(self, position, length):
        return self.file.pread(position, length)


_whoosh_init = compound.CompoundStorage.__init__


def _init(self, dbfile, use_mmap=True, basepos=0):
    _whoosh_init(self, dbfile, use_mmap=False, basepos=basepos)  # reads the directory
    # The descriptor is the storage's, closed with it or, when Whoosh forgets to close a
    # reader (it does, on some paths), once the storage and its files are collected.
    self.fd = os.dup(self._file.fileno())
    self._file.close()
    self._file = None
    self._close_fd = weakref.finalize(self, os.close, self.fd)


def _open_file(self, name, *args, **kwargs):
    if self.is_closed:
        raise StorageError("Storage was closed")
    offset, length = self.range(name)
    return SegmentFile(self, offset, length, name=name)


def _close(self):
    if self.is_closed:
        raise Exception("Already closed")  # as Whoosh's
    self.is_closed = True
    self._close_fd()


def install() -> None:
    """Make Whoosh's compound segments (this process's) read their files with pread()."""
    compound.CompoundStorage.__init__ = _init
    compound.CompoundStorage.open_file = _open_file
    compound.CompoundStorage.close = _close
