"""Every document matching a query of terms, And, Or and AndNot: set algebra over whole
posting lists at C speed once they are read, for the Snapshot of a generation."""
from __future__ import annotations

from itertools import compress

from whoosh import query as wq
from whoosh.reading import TermNotFound

from library.search.codec import term_holders
from library.search.postings import Postings

COMMON_SHARE = 4  # a term on a quarter of the pages or more is common (_document_map)


class Matching:
    """What Snapshot matches with: its postings(), has_postings(), frequency(), doc_count,
    _leaves, _postings (the cache) and _postings_key."""

    def docnums(self, query: wq.Query) -> list[int]:
        """Every live document matching a query of terms, And, Or and AndNot, in order."""
        if isinstance(query, wq.And) and len(query.subqueries) == 1:  # "cua cua" apart
            query = query.subqueries[0]
        if isinstance(query, wq.Term):  # the posting list is in order already
            return self.postings(query.fieldname, query.text).ids.tolist()
        common = self._all_common(query)
        if common:
            return self._on_every(common)
        found = self._evaluate(query)
        driver = self._driver(query)
        if driver is not None and len(driver.ids) < len(found) * 4:
            # those of a posting list holding them all, in its order: no sort of many
            return list(filter(found.__contains__, driver.ids))
        return sorted(found)

    def _driver(self, query: wq.Query) -> Postings | None:
        """A posting list read already that holds every document matching the query."""
        if isinstance(query, wq.Term):
            if self.has_postings(query.fieldname, query.text):
                return self.postings(query.fieldname, query.text)
            return None
        if isinstance(query, wq.AndNot):
            return self._driver(query.a)
        if isinstance(query, wq.And):
            drivers = [d for d in map(self._driver, query.subqueries) if d is not None]
            return min(drivers, key=lambda postings: postings.count, default=None)
        return None

    def _evaluate(self, query: wq.Query) -> set[int]:
        if isinstance(query, wq.Term):
            return self.postings(query.fieldname, query.text).docset()
        if isinstance(query, wq.AndNot):
            found = self._evaluate(query.a)
            return found - self._evaluate(query.b) if found else found
        if isinstance(query, wq.And):
            # the rarest first: the intersection only shrinks
            common = self._all_common(query)
            if common:
                return set(self._on_every(common))
            parts = sorted(query.subqueries, key=self._estimate)
            found = self._evaluate(parts[0])
            for part in parts[1:]:
                if not found:
                    break
                if not isinstance(part, wq.Term):
                    found &= self._evaluate(part)
                elif (len(found) * 2048 < self._estimate(part)  # fewer than half its blocks
                        and not self.has_postings(part.fieldname, part.text)):
                    found = self._containing(found, part.fieldname, part.text)
                else:
                    found = self._keep(found, self.postings(part.fieldname, part.text))
            return found
        if isinstance(query, wq.Or):
            return set().union(*(self._evaluate(q) for q in query.subqueries))
        raise TypeError(f"cannot match {query!r}")

    def _all_common(self, query: wq.Query) -> list[wq.Term]:
        """The terms of an And of two or more terms, each on a COMMON_SHARE of the pages."""
        if not isinstance(query, wq.And) or len(query.subqueries) < 2:
            return []
        parts = query.subqueries
        if all(isinstance(p, wq.Term) and self._estimate(p) * COMMON_SHARE >= self.doc_count
               for p in parts):
            return parts
        return []

    def _on_every(self, terms: list[wq.Term]) -> list[int]:
        """The documents holding every one of these common terms (ascending): their
        document maps ANDed."""
        found = -1
        for term in terms:
            found &= self._document_map(term.fieldname, term.text)
        size = self.doc_count
        flags = found.to_bytes(size, "little")
        if flags.count(1) * 8 >= size:
            return list(compress(range(size), flags))
        # few: find() leaps over the runs of zeros (500 of 20,000 pages: 0.01 ms where
        # compress() takes 0.3 ms whatever it keeps)
        docnums, at = [], flags.find(1)
        while at >= 0:
            docnums.append(at)
            at = flags.find(1, at + 1)
        return docnums

    def _document_map(self, field: str, term: str) -> int:
        """A common term's documents as a byte a document (1: holds it) in one integer: ANDing
        two costs ~0.1 ms for 20,000 pages where intersecting their sets costs ~1 ms. Kept
        only for terms on a COMMON_SHARE of the pages or more: no larger than their lists."""
        key = (self._postings_key, field, term, "document map")
        found = self._postings.get(key)
        if found is None:
            flags = bytearray(self.doc_count)
            for docnum in self.postings(field, term).ids:
                flags[docnum] = 1
            found = int.from_bytes(flags, "little")
            self._postings.put(key, found, self.doc_count)
        return found

    @staticmethod
    def _keep(found: set[int], postings: Postings) -> set[int]:
        """Those of found (a set of our own) in a posting list: C loops, no set of the list."""
        if len(found) * 16 < postings.count:  # few: a bisection each
            return set(filter(postings.weight, found))
        found.intersection_update(postings.ids)
        return found

    def _containing(self, docnums: set[int], field: str, term: str) -> set[int]:
        """Those of a few documents that hold a common term, without reading all its postings."""
        kept = set()
        for leaf, offset, end in self._leaves:
            local = sorted(d - offset for d in docnums if offset <= d < end)
            if not local:
                continue
            try:
                kept.update(offset + d for d in term_holders(leaf, field, term, local))
            except TermNotFound:
                continue
        return kept

    def _estimate(self, query: wq.Query) -> int:
        if isinstance(query, wq.Term):
            return self.frequency(query.fieldname, query.text)
        if isinstance(query, (wq.And, wq.AndNot)):
            parts = [query.a] if isinstance(query, wq.AndNot) else query.subqueries
            return min(map(self._estimate, parts))
        return sum(map(self._estimate, query.subqueries))
