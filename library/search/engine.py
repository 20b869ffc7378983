"""The search engine's one entry point: index, remove and rebuild books; search books and hits."""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

from whoosh import query as wq
from whoosh.writing import CLEAR

from library.search import query as uq
from library.search import searching, suggestions
from library.search.documents import BookDocument
from library.search import damage
from library.search.errors import IndexDamaged, SearchError, SearchUnavailable
from library.search.layout import index_documents
from library.search.results import BookResults, HitResults
from library.search.postings import PostingsCache
from library.search.store import IndexStore

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


class ResultCache:
    """The last answers of this process, per committed index generation, in the process's one
    cache budget beside the posting lists (library.search.postings.CACHE_BYTES).

    Members at one meeting search the same few words within minutes; a commit starts a new
    generation, so an answer never outlives the index it came from. Answers are shared
    between threads: callers only read them. `size` = 0 turns the cache off (benchmarks).
    """

    def __init__(self, cache: PostingsCache, size: int = 512):
        self.size = size
        self._cache = cache
        self._local = threading.local()  # this thread's last lookup: for benchmarks

    def last_outcome(self) -> str | None:
        """"hit" or "miss" for this thread's last lookup since asked; None when none."""
        outcome, self._local.outcome = getattr(self._local, "outcome", None), None
        return outcome

    def around(self, key: tuple, action):
        def cached(snapshot):
            if not self.size:
                return action(snapshot)
            full = ((snapshot.generation,), "answer", *key)
            found = self._cache.get(full)
            if found is not None:
                self._local.outcome = "hit"
                return found
            self._local.outcome = "miss"
            found = action(snapshot)
            self._cache.put(full, found, answer_bytes(found))
            return found
        return cached


def answer_bytes(found) -> int:
    """About what an answer holds in memory: its texts (UCS-1..4 strings) and objects."""
    items = getattr(found, "hits", None) or getattr(found, "books", [])
    size = 2048
    for item in items:
        size += 400 + 2 * (len(getattr(item, "title", "")) + len(getattr(item, "snippet", "") or ""))
        for location in getattr(item, "locations", ()):
            size += 300 + 2 * len(location.snippet)
    return size


class SearchIndex:
    """A Whoosh index in `index_dir`; safe to share between the threads of a web worker."""

    def __init__(self, index_dir: str, write_timeout: float = 60.0, create_missing: bool = True):
        self.store = IndexStore(index_dir, write_timeout, create_missing)
        self.results = ResultCache(self.store.cache)

    @property
    def index_dir(self) -> str:
        return self.store.path

    # Writing: one writer at a time across processes; a failed write is cancelled,
    # which releases the lock Whoosh would otherwise keep.

    def index_book(self, doc: BookDocument) -> None:
        """Replace every document of this book, in one commit."""
        self.index_books([doc])

    def index_books(self, docs: Iterable[BookDocument], progress: Progress | None = None) -> int:
        writer = self.store.writer()
        count = 0
        try:
            for doc in docs:
                writer.delete_by_term("book", int(doc.book_id))
                for fields in index_documents(doc):
                    writer.add_document(**fields)
                count += 1
                if progress:
                    progress(count)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return count

    def remove_book(self, book_id: int) -> None:
        writer = self.store.writer()
        try:
            writer.delete_by_term("book", int(book_id))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def remove_books(self, book_ids: Iterable[int]) -> None:
        """Drop several books' documents in one commit."""
        writer = self.store.writer()
        try:
            for book_id in book_ids:
                writer.delete_by_term("book", int(book_id))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def rebuild(self, docs: Iterable[BookDocument], progress: Progress | None = None,
                procs: int | None = None, swap: Callable[[Callable[[], None]], None] | None = None
                ) -> int:
        """Index everything anew beside the live index, then swap it in at once: searches
        answer and other writes go on meanwhile. `swap(adopt)`: called to do the swap, so a
        caller may hold a lock of its own around it (and catch up on changes made meanwhile)."""
        ix = self.store.new_beside()
        procs = procs or min(2, os.cpu_count() or 1)
        count = 0
        try:
            writer = self.store.writer(ix, procs=procs)
            try:
                for doc in docs:
                    for fields in index_documents(doc):
                        writer.add_document(**fields)
                    count += 1
                    if progress:
                        progress(count)
                writer.commit(mergetype=CLEAR)
            except BaseException:
                writer.cancel()
                raise
            (swap or (lambda adopt: adopt()))(lambda: self.store.adopt(ix))
            damage.clear(self.index_dir)  # every segment written anew
        finally:
            self.store.discard(ix)
        return count

    def create_if_missing(self) -> bool:
        """Make an empty index when there is none at all (a new instance); True if made."""
        if self.store.state() != "missing":
            return False
        self.store.create_empty()
        return True

    # Reading

    def search(self, query: str, *, shelf: str | None = None, year: int | str | None = None,
               author: str | None = None, sort: str = "relevance", page: int = 1,
               per_page: int = 10, snippets: bool = True) -> BookResults:
        """Books holding the query, best first, with their best pages and facet counts."""
        user_query = uq.parse(query)
        key = ("books", user_query.text, user_query.truncated, shelf, year, author, sort, page,
               per_page, snippets)
        return self._reading(self.results.around(key, lambda snapshot: searching.search_books(
            snapshot, user_query, shelf=shelf, year=year, author=author,
            sort=sort, page=page, per_page=per_page, snippets=snippets)))

    def search_hits(self, query: str, *, shelf: str | None = None, page: int = 1,
                    per_page: int = 20, snippets: bool = True) -> HitResults:
        """One hit per page or chapter (a title/author match: one hit without page)."""
        user_query = uq.parse(query)
        key = ("hits", user_query.text, user_query.truncated, shelf, page, per_page, snippets)
        return self._reading(self.results.around(key, lambda snapshot: searching.search_hits(
            snapshot, user_query, shelf=shelf, page=page, per_page=per_page, snippets=snippets)))

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Typeahead: [{book_id, title, authors}] whose title or authors start like `text`."""
        return self._reading(lambda snapshot: suggestions.typeahead(snapshot, text, limit))

    def _reading(self, action):
        """Run a read on this thread's snapshot; once more on a fresh one if files vanished.

        Whoosh opens some files of a segment on first use, and a commit in another process
        may have merged that segment away meanwhile.
        """
        try:
            with self.store.reading() as snapshot:
                return action(snapshot)
        except SearchError:
            raise
        except Exception as error:
            if not (isinstance(error, OSError) or damage.is_damage(error)):
                raise
            self.store.close()  # start again from the latest commit
        try:
            with self.store.reading() as snapshot:
                return action(snapshot)
        except SearchError:
            raise
        except OSError as error:
            self.store.close()
            log.error("search failed on the index in %s: %s", self.index_dir, error)
            raise SearchUnavailable() from error
        except Exception as error:
            if not damage.is_damage(error):
                raise
            raise self._damaged(error) from None

    def _damaged(self, error: BaseException) -> IndexDamaged:
        """The same failure on a fresh snapshot: a damaged segment, remembered for /healthz
        and the reconciler until a rebuild."""
        self.store.close()
        damage.record(self.index_dir, error)
        return IndexDamaged()

    def indexed_book_ids(self) -> set[int]:
        return set(self.store.snapshot().books)

    def doc_count(self) -> int:
        with self.store.reading() as snapshot:
            return snapshot.reader.doc_count()

    def state(self, deep: bool = False) -> str:
        """"ok", or why searches cannot answer: "missing", "outdated", "unreadable" or
        "damaged" (a search ran into a damaged segment; `deep` reads every segment to see)."""
        try:
            with self.store.reading() as snapshot:
                if damage.recorded(self.index_dir):
                    return IndexDamaged.reason
                snapshot.searcher.docs_for_query(wq.Term("kind", "book"))
                if deep:
                    damage.verify(snapshot.searcher)
            return "ok"
        except SearchUnavailable as error:
            return error.reason
        except OSError:
            self.store.close()
            return "unreadable"
        except Exception as error:
            if not damage.is_damage(error):
                raise
            self._damaged(error)
            return IndexDamaged.reason

    def is_healthy(self) -> bool:
        return self.state() == "ok"

    def write_locked(self) -> bool:
        return self.store.write_locked()

    def close(self) -> None:
        self.store.close()
