"""The index on disk: opened lazily, one searcher per generation for all threads, writers that wait for the lock."""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import threading
import time
import traceback
import warnings
from contextlib import contextmanager

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.multiproc import MpWriter
from whoosh.writing import SegmentWriter

from library import faults
from library.search import building, segment_files
from library.search.codec import LibraryCodec
from library.search.errors import IndexBusy, IndexMissing, IndexOutdated, SearchUnavailable
from library.search.layout import INDEX_NAME, make_schema
from library.search.postings import PostingsCache
from library.search.snapshot import Snapshot

log = logging.getLogger(__name__)
segment_files.install()
OPEN_ATTEMPTS = 5
_ANY_TOC = re.compile(r"^_(.+)_\d+\.toc$")
OK, MISSING, OUTDATED, UNREADABLE = "ok", "missing", "outdated", "unreadable"


class LibrarySegmentWriter(SegmentWriter):
    """Whoosh's writer, made to leave nothing behind when it fails (a full disk, say).

    Whoosh keeps the write lock when setting up a writer fails after taking it, and a
    cancelled writer leaves its half-written segment files in the folder until some later
    commit: here both are undone at once, while the lock is still ours.
    """

    def __init__(self, ix, **options):
        self._ix = ix
        try:
            super().__init__(ix, **options)
            self._bulk = building.supports(self.schema)
            if self._bulk:
                self.pool = building.TermPool(self.schema)
        except BaseException as error:
            lock = getattr(self, "writelock", None)
            if lock is not None and lock.fd is not None:
                _close_open_files(self, depth=4)
                # a part that failed half-built holds its files only in the failing frames
                frame = error.__traceback__
                while frame is not None:
                    _close_open_files(list(frame.tb_frame.f_locals.values()), depth=2)
                    frame = frame.tb_next
                self._remove_leftovers()
                if hasattr(self, "_tempstorage"):
                    self._tempstorage.destroy()
                lock.release()
            raise

    def add_document(self, **fields):
        if self._bulk:
            building.add_document(self, fields)
        else:
            super().add_document(**fields)

    def _commit_toc(self, segments):
        faults.checkpoint(faults.DURING_INDEX_COMMIT)
        super()._commit_toc(segments)

    def cancel(self):
        self._check_state()
        try:
            self._close_segment()
        except Exception:  # the disk may still be full: the files go below anyway
            log.warning("closing a cancelled index segment failed", exc_info=True)
            for part in (self.perdocwriter, self.fieldwriter, self.pool):
                _close_open_files(part)
        self._remove_leftovers()
        self._finish()

    def _remove_leftovers(self):
        """Files of no committed generation: what this writer had begun (the lock is ours)."""
        try:
            toc = self._ix._read_toc()
            index.clean_files(self._ix.storage, self._ix.indexname, toc.generation, toc.segments)
        except Exception:
            log.warning("removing the files of a cancelled index write failed", exc_info=True)


class CheckedMpWriter(MpWriter):
    """A multiprocess writer that refuses to commit when a worker lost documents.

    Whoosh's MpWriter waits one second per worker for its result and goes on without it,
    so a crashed worker would silently drop its share of the books (as AsyncWriter does).
    """

    def add_document(self, **fields):
        self.documents_sent = getattr(self, "documents_sent", 0) + 1
        super().add_document(**fields)

    def _new_task(self):
        # as MpWriter's, with workers that index through LibrarySegmentWriter
        task = building.BulkSubWriterTask(self.storage, self.indexname, self.jobqueue,
                                          self.resultqueue, self.subargs, self.multisegment)
        task.writer_class = LibrarySegmentWriter
        self.tasks.append(task)
        task.start()
        return task

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


def _close_open_files(obj, depth: int = 3, seen: set | None = None) -> None:
    """Close the files a writer left open when closing it failed half-way (ENOSPC): Whoosh
    keeps them in attributes of its column, term and posting writers, a few levels down."""
    seen = set() if seen is None else seen
    if depth < 0 or id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (io.IOBase, StructFile)):
        try:
            obj.close()
        except Exception:  # nothing more to do for a file that cannot even close
            pass
        return
    values = vars(obj).values() if hasattr(obj, "__dict__") else ()
    if isinstance(obj, (list, tuple)):
        values = obj
    elif isinstance(obj, dict):
        values = obj.values()
    for value in list(values):
        if not isinstance(value, (str, bytes, int, float, bool, type(None))):
            _close_open_files(value, depth - 1, seen)


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


def other_versions(path: str) -> list[str]:
    """Index names other than INDEX_NAME with a table of contents in `path`."""
    try:
        names = os.listdir(path)
    except OSError:
        return []
    return sorted({m.group(1) for n in names if (m := _ANY_TOC.match(n)) and m.group(1) != INDEX_NAME})


def _current_tocs(path: str) -> list[str]:
    try:
        return [n for n in os.listdir(path) if (m := _ANY_TOC.match(n)) and m.group(1) == INDEX_NAME]
    except OSError:
        return []


class IndexStore:
    """`create_missing=False` (the app): an index that is not there is reported missing
    rather than silently made empty, so books never vanish from search with /healthz ok."""

    def __init__(self, path: str, write_timeout: float = 60.0, create_missing: bool = True):
        self.path = str(path)
        self.write_timeout = write_timeout
        self.create_missing = create_missing
        self._current: Snapshot | None = None
        self._segment_columns: dict = {}
        self.cache = self._postings = PostingsCache()  # the process's one cache budget
        self._index: index.Index | None = None
        self._lock = threading.Lock()

    # Opening

    def open(self, create: bool | None = None) -> index.Index:
        create = self.create_missing if create is None else create
        try:
            # By file name only: whoosh's exists_in opens the newest table of contents,
            # which a commit in another process may delete in between (then not "missing").
            if not _current_tocs(self.path):
                if other_versions(self.path):
                    raise IndexOutdated()
                if not create:
                    raise IndexMissing()
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
        """A new, empty index in place of whatever is there (a corrupt or older one, say)."""
        os.makedirs(self.path, exist_ok=True)
        ix = index.create_in(self.path, make_schema(), indexname=INDEX_NAME)
        self.remove_other_versions()
        return ix

    def remove_other_versions(self) -> None:
        """Delete the files of older index formats: they are never read again."""
        old = other_versions(self.path)
        for name in os.listdir(self.path) if old else []:
            if any(name.startswith((f"_{o}_", f"{o}_")) for o in old):
                try:
                    os.remove(os.path.join(self.path, name))
                except OSError:
                    log.warning("cannot remove %s from an older index", name)

    def exists(self) -> bool:
        """Whether an index of this format is there (reads no more than a file name)."""
        return bool(_current_tocs(self.path))

    def older_versions(self) -> list[str]:
        return other_versions(self.path)

    def state(self) -> str:
        """ok, missing, outdated or unreadable: what /healthz and the reconciler report."""
        try:
            self.snapshot()
            return OK
        except SearchUnavailable as error:
            return error.reason

    def write_locked(self) -> bool:
        """Whether some process holds the write lock now (indexing or rebuilding)."""
        if not _current_tocs(self.path):
            return False
        lock = _retrying(lambda: index.open_dir(self.path, indexname=INDEX_NAME)).lock("WRITELOCK")
        if lock.acquire(blocking=False):
            lock.release()
            return False
        return True

    def snapshot(self) -> Snapshot:
        """The latest committed generation, opened once for all the threads of the process.

        Whoosh's own Searcher.refresh() reuses the readers of segments whose name is unchanged,
        so it misses deletions made since, and it keeps segments a merge has replaced: after a
        commit this opens all readers afresh instead (segments' columns stay cached). A thread
        that must not see the snapshot closed under it reads through `reading()`.
        """
        current = self._current
        try:
            ix = self._index or self.open()
            self._index = ix
            if current is not None and current.generation == ix.latest_generation():
                return current
            with self._lock:  # one thread opens the new generation; the others take it
                current = self._current
                if current is not None and current.generation == ix.latest_generation():
                    return current
                searcher = _retrying(lambda: self.open(create=False).searcher())
                snapshot = Snapshot(searcher, self._segment_columns, self._postings)
                self._current = snapshot
        except SearchUnavailable:
            self._index = None
            self._forget()
            raise
        except Exception as error:
            self._index = None
            self._forget()
            log.exception("cannot read the search index in %s", self.path)
            raise SearchUnavailable() from error
        if current is not None:
            self._retire(current)
        self._postings.forget(lambda key: key[0][0] == snapshot.generation)
        return snapshot

    @contextmanager
    def reading(self):
        """The latest snapshot, kept open until the block ends even if a newer one comes."""
        for _ in range(OPEN_ATTEMPTS):
            snapshot = self.snapshot()
            if snapshot.lease():
                break
        else:  # generations came faster than this thread could take one: unlikely
            raise SearchUnavailable()
        try:
            yield snapshot
        finally:
            snapshot.release()

    def _retire(self, snapshot: Snapshot) -> None:
        try:
            snapshot.retire()
        except Exception:  # already broken; closing is only tidying up
            log.debug("closing a broken searcher failed", exc_info=True)

    def _forget(self):
        with self._lock:
            current, self._current = self._current, None
        if current is not None:
            self._retire(current)

    def close(self):
        self._forget()

    # Writing

    def writer(self, ix: index.Index | None = None, procs: int = 1):
        ix = ix or self.open()
        options = dict(timeout=self.write_timeout, delay=0.25, codec=LibraryCodec(), limitmb=1024)
        try:
            if procs > 1:
                return CheckedMpWriter(ix, procs=procs, multisegment=True, **options)
            return LibrarySegmentWriter(ix, **options)
        except index.LockError as error:
            raise IndexBusy() from error

    # Generations: a rebuild is written beside the live index and adopted in one rename

    def new_beside(self) -> index.Index:
        """An empty index in a hidden folder inside this one (same file system: files move
        by rename), for a rebuild that the live index keeps answering and taking writes during."""
        os.makedirs(self.path, exist_ok=True)
        for name in os.listdir(self.path):  # left by a rebuild that was killed
            pid = name.split("-")[1] if name.startswith(".next-") else ""
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)
        path = os.path.join(self.path, f".next-{os.getpid()}-{time.monotonic_ns()}")
        os.makedirs(path)
        return index.create_in(path, make_schema(), indexname=INDEX_NAME)

    def adopt(self, ix: index.Index) -> None:
        """Make the committed index `ix` (from new_beside) this index's next generation.

        Its segment files move in under new names of their own, then one table of contents
        naming only them is renamed into place: a search sees the old index or the new one,
        and writers wait only for these renames.
        """
        path = ix.storage.folder
        toc = index.TOC.read(ix.storage, INDEX_NAME)
        live = FileStorage(self.path)
        lock = live.lock(f"{INDEX_NAME}_WRITELOCK")
        deadline = time.monotonic() + self.write_timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise IndexBusy()
            time.sleep(0.05)
        try:
            for name in os.listdir(path):
                if not name.endswith(".toc") and "WRITELOCK" not in name:
                    os.replace(os.path.join(path, name), os.path.join(self.path, name))
            generation = index.TOC._latest_generation(live, INDEX_NAME) + 1
            index.TOC(toc.schema, toc.segments, generation).write(live, INDEX_NAME)
            index.clean_files(live, INDEX_NAME, generation, toc.segments)
        finally:
            lock.release()
        shutil.rmtree(path, ignore_errors=True)
        self.remove_other_versions()

    def discard(self, ix: index.Index) -> None:
        shutil.rmtree(ix.storage.folder, ignore_errors=True)
