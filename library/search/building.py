"""Index builds at C speed where Whoosh loops in Python: terms counted at once, postings kept
per term in lists (no global sort), written a block at a time (codec.BulkFieldWriter).

Profile of a rebuild before (2,000 synthetic pages, one process): writing the segment's
postings one call each ~55% of the time, the pool's per-posting bookkeeping and its sort of
one tuple per posting ~20%, counting terms token by token ~15%. The files are Whoosh's own.

A writer's postings stay in memory up to POOL_BYTES; beyond, they go to a run file (sorted
by term, marshalled) and the runs are merged, term by term, when the segment is written:
a writer process's memory no longer grows with the library.
"""
from __future__ import annotations

import heapq
import marshal
import tempfile
from array import array
from collections import Counter, defaultdict, deque
from itertools import groupby, islice, repeat

from whoosh import multiproc
from whoosh.formats import Existence, Frequency
from whoosh.multiproc import SubWriterTask
from whoosh.system import pack_uint

from library.search.analysis import SyllableAnalyzer, TermCounts, index_terms


# Estimated memory of the pool: a posting is a docnum and a weight in its term's list (8 bytes
# each, the int objects shared, plus the list's spare room); a term its bytes, its list and
# a dict entry. Checked against the resident size of a rebuild's writer processes (a spill at
# 200 MB estimated: 340 MB resident, of which ~140 MB the forked app).
POSTING_BYTES, TERM_BYTES = 20, 300
POOL_BYTES = 192 * 1024 * 1024
RUN_CHUNK = 2000  # terms marshalled together in a run file


class TermPool:
    """The postings of the documents a writer adds, per field and term, until its segment is
    written: docnum and weight after docnum and weight in one list per term, appended in C
    loops, instead of Whoosh's SortingPool (a tuple per posting, sorted whole, spilled to disk
    past a size). Past `limit_bytes` they are written to a run file and the pool starts empty.
    """

    def __init__(self, schema, limit_bytes: int | None = None):
        self.fieldnames: set[str] = set()
        self.limit_bytes = POOL_BYTES if limit_bytes is None else limit_bytes
        self._postings: dict[str, defaultdict] = {}
        self._values: dict[tuple[str, bytes], list] = {}  # only what the weight does not say
        # what a posting's value bytes are, when its weight says it all
        self._derived = {name: _derived_values(field.format)
                         for name, field in schema.items() if field.format is not None}
        self._unordered: set[tuple[str, bytes]] = set()
        self._size = 0
        self._spilled: list = []  # run files, in the order their documents were added

    def _field(self, fieldname: str) -> defaultdict:
        postings = self._postings.get(fieldname)
        if postings is None:
            postings = self._postings[fieldname] = defaultdict(list)
            self.fieldnames.add(fieldname)
        return postings

    def add_terms(self, fieldname: str, docnum: int, btexts: list[bytes], weights) -> None:
        """A document's terms of one field, each once, and their weights."""
        postings = self._field(fieldname)
        terms = len(postings)
        # for each term: its list, extended by (docnum, weight); a loop in C (deque drains it)
        deque(map(list.extend, map(postings.__getitem__, btexts), zip(repeat(docnum), weights)),
              maxlen=0)
        self._grew(len(btexts), len(postings) - terms)

    def add(self, item) -> None:
        """One posting (fieldname, term bytes, docnum, weight, value bytes): segment merges."""
        fieldname, btext, docnum, weight, value = item
        postings = self._field(fieldname)[btext]
        if postings and postings[-2] >= docnum:
            self._unordered.add((fieldname, btext))
        postings += (docnum, weight)
        if self._derived.get(fieldname) is None:
            self._values.setdefault((fieldname, btext), []).append(value or b"")
        self._grew(1, len(postings) == 2)

    def _grew(self, postings: int, terms: int) -> None:
        self._size += postings * POSTING_BYTES + terms * TERM_BYTES
        if self._size > self.limit_bytes:
            self._spill()

    def _spill(self) -> None:
        """The pool's postings to a run file (unnamed: gone with the process, whatever happens)."""
        run = tempfile.TemporaryFile(prefix="library-postings-")
        terms = self._memory_runs(derive=False)
        # a chunk of terms a time: marshal.load() from a file reads it a few bytes a call
        while chunk := list(map(_packed, islice(terms, RUN_CHUNK))):
            blob = marshal.dumps(chunk)
            run.write(len(blob).to_bytes(8, "little"))
            run.write(blob)
        run.flush()
        self._spilled.append(run)
        self._clear()

    def iter_postings(self) -> TermRuns:
        return TermRuns(self)

    def runs(self):
        """(fieldname, term bytes, docnums, weights, values) in field and term order."""
        if not self._spilled:
            yield from self._memory_runs()
            return
        sources = [_read_run(run) for run in self._spilled] + [self._memory_runs(derive=False)]
        for (fieldname, btext), parts in groupby(heapq.merge(*sources, key=_term), _term):
            first, *rest = parts
            _, _, ids, weights, values = first  # fresh lists: extended in place below
            ordered = True
            for part in rest:
                ordered = ordered and part[2][0] > ids[-1]
                ids += part[2]
                weights += part[3]
                values += part[4]
            if not ordered:  # postings added out of docnum order (a merge): as _memory_runs
                order = sorted(range(len(ids)), key=ids.__getitem__)
                ids = list(map(ids.__getitem__, order))
                weights = list(map(weights.__getitem__, order))
                values = list(map(values.__getitem__, order)) if values else values
            derive = self._derived.get(fieldname)
            yield fieldname, btext, ids, weights, derive(weights) if derive else values

    def _memory_runs(self, derive: bool = True):
        for fieldname in sorted(self._postings):
            postings_of = self._postings[fieldname]
            derived = self._derived.get(fieldname)
            for btext in sorted(postings_of):
                postings = postings_of[btext]
                ids, weights = postings[0::2], postings[1::2]
                values = self._values.get((fieldname, btext), [])
                if (fieldname, btext) in self._unordered:
                    order = sorted(range(len(ids)), key=ids.__getitem__)
                    ids = list(map(ids.__getitem__, order))
                    weights = list(map(weights.__getitem__, order))
                    values = list(map(values.__getitem__, order)) if values else values
                if derive and derived is not None:
                    values = derived(weights)
                yield fieldname, btext, ids, weights, values

    def _clear(self) -> None:
        self._postings.clear()
        self._values.clear()
        self._unordered.clear()
        self._size = 0

    def cleanup(self) -> None:
        self._clear()
        for run in self._spilled:
            run.close()
        self._spilled.clear()


def _term(run) -> tuple[str, bytes]:
    return run[0], run[1]


def _packed(term_run):
    """Docnums and weights as machine words: marshal makes an object of each int it reads."""
    fieldname, btext, ids, weights, values = term_run
    try:
        kind, packed = "I", array("I", weights).tobytes()
    except TypeError:  # boosted weights are floats
        kind, packed = "d", array("d", weights).tobytes()
    return fieldname, btext, array("I", ids).tobytes(), kind, packed, values


def _unpacked(term_run):
    fieldname, btext, ids, kind, weights, values = term_run
    return fieldname, btext, _words("I", ids), _words(kind, weights), values


def _words(kind: str, packed: bytes) -> list:
    words = array(kind)
    words.frombytes(packed)
    return words.tolist()


def _read_run(run):
    run.seek(0)
    while size := int.from_bytes(run.read(8), "little"):
        yield from map(_unpacked, marshal.loads(run.read(size)))


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
