"""The index on disk: opened lazily, a fresh searcher per thread, writers that wait for the lock."""
from __future__ import annotations

import logging
import os
import threading
import time
import traceback
import warnings

from whoosh import index
from whoosh.multiproc import MpWriter

from library.search.codec import LibraryCodec
from library.search.errors import IndexBusy, SearchUnavailable
from library.search.layout import INDEX_NAME, make_schema
from library.search.snapshot import PostingsCache, Snapshot

log = logging.getLogger(__name__)
OPEN_ATTEMPTS = 5


class CheckedMpWriter(MpWriter):
    """A multiprocess writer that refuses to commit when a worker lost documents.

    Whoosh's MpWriter waits one second per worker for its result and goes on without it,
    so a crashed worker would silently drop its share of the books (as AsyncWriter does).
    """

    def add_document(self, **fields):
        self.documents_sent = getattr(self, "documents_sent", 0) + 1
        super().add_document(**fields)

    def cancel(self):
        # MpWriter.cancel() only flags its own copies of the workers, which then wait for
        # work forever: stop them for real before releasing the lock.
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
            task.join()
        super().cancel()

    def _commit_toc(self, segments):
        written = sum(s.doc_count_all() for s in segments)
        failed = [t.exitcode for t in self.tasks if t.exitcode]
        if failed or written < getattr(self, "documents_sent", 0):
            raise RuntimeError(f"indexing workers failed ({failed}); {written} documents written "
                               f"of {self.documents_sent}")
        super()._commit_toc(segments)


def _retrying(action):
    """Run an open that may race a commit: the table of contents it read can vanish meanwhile."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return action()
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def _drop_traceback(error: BaseException) -> None:
    """Free the frames of a failed open: Whoosh leaves the file of an unreadable TOC open there."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        error.__traceback__ = None


class IndexStore:
    def __init__(self, path: str, write_timeout: float = 60.0):
        self.path = str(path)
        self.write_timeout = write_timeout
        self._local = threading.local()
        self._segment_columns: dict = {}
        self._postings = PostingsCache()
        self._index: index.Index | None = None
        self._lock = threading.Lock()

    # Opening

    def open(self, create: bool = True) -> index.Index:
        try:
            if not index.exists_in(self.path, indexname=INDEX_NAME):
                if not create:
                    raise SearchUnavailable()
                os.makedirs(self.path, exist_ok=True)
                return index.create_in(self.path, make_schema(), indexname=INDEX_NAME)
            return _retrying(lambda: index.open_dir(self.path, indexname=INDEX_NAME))
        except SearchUnavailable:
            raise
        except Exception as error:
            # logged as text: a record holding the traceback would keep Whoosh's file open
            log.error("cannot open the search index in %s\n%s", self.path,
                      "".join(traceback.format_exception(error)))
            _drop_traceback(error)
            raise SearchUnavailable() from None

    def create_empty(self) -> index.Index:
        """A new, empty index in place of whatever is there (a corrupt one, say)."""
        os.makedirs(self.path, exist_ok=True)
        return index.create_in(self.path, make_schema(), indexname=INDEX_NAME)

    def snapshot(self) -> Snapshot:
        """This thread's view of the latest committed index, refreshed on every call.

        Whoosh's own Searcher.refresh() reuses the readers of segments whose name is unchanged,
        so it misses deletions made since, and it keeps segments a merge has replaced: after a
        commit this opens all readers afresh instead (segments' columns stay cached).
        """
        current: Snapshot | None = getattr(self._local, "snapshot", None)
        try:
            ix = self._index or self.open()
            self._index = ix
            if current is not None and current.generation == ix.latest_generation():
                return current
            searcher = _retrying(lambda: self.open(create=False).searcher())
            with self._lock:  # the segment cache is shared by the worker's threads
                snapshot = Snapshot(searcher, self._segment_columns, self._postings)
        except SearchUnavailable:
            self._index = None
            self._forget()
            raise
        except Exception as error:
            self._index = None
            self._forget()
            log.exception("cannot read the search index in %s", self.path)
            raise SearchUnavailable() from error
        self._forget()
        self._local.snapshot = snapshot
        return snapshot

    def _forget(self):
        current = getattr(self._local, "snapshot", None)
        self._local.snapshot = None
        if current is not None:
            try:
                current.close()
            except Exception:  # already broken; closing is only tidying up
                log.debug("closing a broken searcher failed", exc_info=True)

    def close(self):
        self._forget()

    # Writing

    def writer(self, ix: index.Index | None = None, procs: int = 1):
        ix = ix or self.open()
        options = dict(timeout=self.write_timeout, delay=0.25, codec=LibraryCodec(), limitmb=1024)
        try:
            if procs > 1:
                return CheckedMpWriter(ix, procs=procs, multisegment=True, **options)
            return ix.writer(**options)
        except index.LockError as error:
            raise IndexBusy() from error
