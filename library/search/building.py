"""Index builds at C speed where Whoosh loops in Python: terms counted at once, postings kept
per term in lists (no global sort), written a block at a time (codec.BulkFieldWriter).

Profile of a rebuild before (2,000 synthetic pages, one process): writing the segment's
postings one call each ~55% of the time, the pool's per-posting bookkeeping and its sort of
one tuple per posting ~20%, counting terms token by token ~15%. The files are Whoosh's own.
"""
from __future__ import annotations

from collections import Counter, defaultdict, deque
from itertools import repeat

from whoosh import multiproc
from whoosh.formats import Existence, Frequency
from whoosh.multiproc import SubWriterTask
from whoosh.system import pack_uint

from library.search.analysis import SyllableAnalyzer, TermCounts, index_terms


class TermPool:
    """The postings of the documents a writer adds, per field and term, until its segment is
    written: docnums (ascending) and weights in lists, appended in C loops, instead of
    Whoosh's SortingPool (a tuple per posting, sorted whole, spilled to disk past a size).
    """

    def __init__(self, schema):
        self.fieldnames: set[str] = set()
        self._ids: dict[str, defaultdict] = {}
        self._weights: dict[str, defaultdict] = {}
        self._values: dict[tuple[str, bytes], list] = {}  # only what the weight does not say
        # what a posting's value bytes are, when its weight says it all
        self._derived = {name: _derived_values(field.format)
                         for name, field in schema.items() if field.format is not None}
        self._unordered: set[tuple[str, bytes]] = set()

    def _field(self, fieldname: str) -> tuple[defaultdict, defaultdict]:
        ids = self._ids.get(fieldname)
        if ids is None:
            ids = self._ids[fieldname] = defaultdict(list)
            self._weights[fieldname] = defaultdict(list)
            self.fieldnames.add(fieldname)
        return ids, self._weights[fieldname]

    def add_terms(self, fieldname: str, docnum: int, btexts: list[bytes], weights) -> None:
        """A document's terms of one field, each once, and their weights."""
        ids, weighed = self._field(fieldname)
        # for each term: its list of docnums, then append; a loop in C (deque drains the map)
        deque(map(list.append, map(ids.__getitem__, btexts), repeat(docnum)), maxlen=0)
        deque(map(list.append, map(weighed.__getitem__, btexts), weights), maxlen=0)

    def add(self, item) -> None:
        """One posting (fieldname, term bytes, docnum, weight, value bytes): segment merges."""
        fieldname, btext, docnum, weight, value = item
        ids, weighed = self._field(fieldname)
        docnums = ids[btext]
        if docnums and docnums[-1] >= docnum:
            self._unordered.add((fieldname, btext))
        docnums.append(docnum)
        weighed[btext].append(weight)
        if self._derived.get(fieldname) is None:
            self._values.setdefault((fieldname, btext), []).append(value or b"")

    def iter_postings(self) -> TermRuns:
        return TermRuns(self)

    def runs(self):
        """(fieldname, term bytes, docnums, weights, values) in field and term order."""
        for fieldname in sorted(self._ids):
            ids_of, weights_of = self._ids[fieldname], self._weights[fieldname]
            derive = self._derived.get(fieldname)
            for btext in sorted(ids_of):
                ids, weights = ids_of[btext], weights_of[btext]
                values = self._values.get((fieldname, btext), [])
                if (fieldname, btext) in self._unordered:
                    order = sorted(range(len(ids)), key=ids.__getitem__)
                    ids = list(map(ids.__getitem__, order))
                    weights = list(map(weights.__getitem__, order))
                    values = list(map(values.__getitem__, order)) if values else values
                if derive is not None:
                    values = derive(weights)
                yield fieldname, btext, ids, weights, values

    def cleanup(self) -> None:
        self._ids.clear()
        self._weights.clear()
        self._values.clear()


class TermRuns:
    """What SegmentWriter hands the field writer: postings, as runs of one term each."""

    def __init__(self, pool: TermPool):
        self.pool = pool

    def runs(self):
        return self.pool.runs()

    def __iter__(self):  # any other consumer: one posting at a time, as Whoosh's pool gives
        for fieldname, btext, ids, weights, values in self.runs():
            yield from zip(repeat(fieldname), repeat(btext), ids, weights, values)


def _derived_values(fmt):
    if type(fmt) is Existence:
        return lambda weights: [b""] * len(weights)
    if isinstance(fmt, Frequency) and fmt.field_boost == 1.0:
        return lambda weights: list(map(pack_uint, map(int, weights)))
    return None


def supports(schema) -> bool:
    """Whether add_document() below covers every field of the schema (no vectors, spelling)."""
    return all(not field.vector and not field.separate_spelling()
               and (field.format is None or _derived_values(field.format) is not None)
               for _, field in schema.items())


def add_document(writer, fields: dict) -> None:
    """SegmentWriter.add_document() without per-document boosts, vectors or spelling words."""
    writer._check_state()
    perdocwriter, schema, docnum, pool = writer.perdocwriter, writer.schema, writer.docnum, writer.pool
    names = sorted(name for name in fields if not name.startswith("_"))
    writer._check_fields(schema, names)
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in names:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if isinstance(field.format, TermCounts) and isinstance(field.analyzer, SyllableAnalyzer):
                counts = Counter(getattr(index_terms(value), field.analyzer.stream))
                frequencies = list(counts.values())
                pool.add_terms(fieldname, docnum, list(map(str.encode, counts)),
                               frequencies if field.format.field_boost == 1.0 else
                               [n * field.format.field_boost for n in frequencies])
                length = sum(frequencies) if field.scorable else 0
            elif field.indexed:
                items = list(field.index(value))
                pool.add_terms(fieldname, docnum, [b for b, _, _, _ in items],
                               [w for _, _, w, _ in items])
                if field.scorable:  # its number of tokens
                    length = sum(freq for _, freq, _, _ in items)
            perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    writer._added = True
    writer.docnum += 1


class BulkSubWriterTask(SubWriterTask):
    """MpWriter's worker process, indexing with the library's writer instead of Whoosh's."""

    writer_class = None  # set by store.CheckedMpWriter

    def run(self):
        # this runs in the forked child only: its copy of the module is the one changed
        multiproc.SegmentWriter = self.writer_class
        super().run()
