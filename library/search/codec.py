"""Whoosh's W3 codec with posting inlining repaired, and posting lists read whole into arrays.

Whoosh 2.7 calls a misspelt method when it inlines a posting list, so its default limit of 1
disables inlining; every rare term then costs a pickled, compressed block of its own. And it
looks for a length column on disk for every posting of a field that keeps no lengths.
The codec is pickled into the index's table of contents: keep this import path stable.
"""
import pickle
import struct
import zlib
from array import array
from functools import partial
from io import BytesIO
from itertools import compress, groupby
from operator import itemgetter, sub

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3LeafMatcher, W3PerDocReader,
    W3PostingsWriter, W3TermsReader, _lenfield,
)
from whoosh.columns import NumericColumn
from whoosh.system import _FLOAT_SIZE, _INT_SIZE, unpack_int, unpack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.matching.wrappers import FilterMatcher

from library.search.blocks import block_docnums, decode_block, head_length

_TERM = itemgetter(0, 1)  # (fieldname, term bytes) of a posting from the pool
# Whoosh's hash files (whoosh.filedb.filetables): a slot (the key's hash, the item's position)
# and an item's key and value lengths
_SLOT, _LENGTHS = struct.Struct("!Iq"), struct.Struct("!ii")
_SLOTS_READ = 4  # slots read at once: a probe rarely passes more


class InliningPostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        terminfo = self._terminfo
        if self.written() or len(self) >= self._inlinelimit:
            return super().finish_postings()
        terminfo.add_block(self)
        # a format without values (Existence) still needs bytes per posting when segments merge
        values = self._values or [b""] * len(self._ids)
        terminfo.set_inlined(self._ids, self._weights, values)
        self._terminfo = None
        return terminfo

    def start_postings(self, format_, terminfo):
        # as Whoosh's, without asking the file where it is: most terms are inlined and never
        # write there; the first block notes the offset instead
        if self._terminfo:
            raise Exception("Called start in a term")
        self._format = format_
        self._blockcount = 0
        self._new_block()
        self._terminfo = terminfo
        self._startoffset = None

    def _write_block(self, last=False):
        if not self._blockcount:
            self._startoffset = self._postfile.tell()
        super()._write_block(last)

    # Whoosh minifies a block posting by posting in Python generators: the same, in C loops.

    def _mini_ids(self):
        ids = self._ids
        if self._byteids or not ids:
            return super()._mini_ids()
        return (ids[0], *map(sub, ids[1:], ids))

    def _mini_weights(self):
        weights = self._weights
        if weights.count(1.0) == len(weights):
            return None
        if weights.count(weights[0]) == len(weights):
            return weights[0]
        return tuple(weights)

    def fill(self, ids, weights, values, lengths: bytes | None) -> None:
        """Buffer a whole block at once, with the statistics add_posting() would keep."""
        self._ids = array("I", ids)
        self._weights = array("f", weights)
        self._values = [v for v in values if v]
        self._maxweight = max(self._weights)
        if lengths is not None:
            known = lengths.replace(b"\0", b"")  # a zero byte: no length (as add_posting)
            self._minlength = byte_to_length(min(known)) if known else None
            self._maxlength = byte_to_length(max(known)) if known else 0


class BulkFieldWriter(W3FieldWriter):
    """Writes each term's postings a block at a time instead of one posting per call.

    Whoosh's FieldWriter.add_postings() makes four Python calls and a dozen checks for every
    posting of the segment (half of the time of an index build); the pool hands postings
    sorted by field and term, so each term's run is cut into blocks and buffered whole.
    """

    def add_postings(self, schema, lengths, items):
        column_of = getattr(lengths, "length_bytes", None)
        field_lengths = None
        lastfield = None
        for fieldname, btext, ids, weights, values in _runs(items):
            if fieldname != lastfield:
                if lastfield is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfield = fieldname
                field_lengths = column_of(fieldname) if column_of else None
            if ids[0] == -1:  # a spelling word, not a posting (no field here keeps them)
                continue
            self.start_term(btext)
            writer = self._postwriter
            limit = writer._blocklimit
            for start in range(0, len(ids), limit):
                block = ids[start: start + limit]
                if field_lengths is not None:
                    known = bytes(map(field_lengths.__getitem__, block))
                elif lengths:
                    known = bytes(_length_byte(lengths.doc_field_length(d, fieldname))
                                  for d in block)
                else:
                    known = None
                writer.fill(block, weights[start: start + limit], values[start: start + limit],
                            known)
                if start + limit < len(ids):
                    writer._write_block()
            self.finish_term()
        if lastfield is not None:
            self.finish_field()


class LengthCachingReader(W3PerDocReader):
    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths: dict[str, bytes | None] = {}

    def _cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]

    def length_bytes(self, fieldname) -> bytes | None:
        """The field's length byte of every document of the segment (None: no lengths)."""
        if fieldname not in self._lengths:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._lengths[fieldname] = None if reader is None else _column_bytes(reader, self._doccount)
        return self._lengths[fieldname]

    def doc_field_length(self, docnum, fieldname, default=0):
        # Asked once per posting when a segment is written and per hit when scoring: read
        # the field's length column into memory once (a byte per document) instead of
        # seeking in the file each time.
        lengths = self.length_bytes(fieldname)
        if lengths is None:
            return default
        if docnum >= len(lengths):
            raise IndexError(f"Asked for docnum {docnum} of {self._doccount}")
        lbyte = lengths[docnum]
        return byte_to_length(lbyte) if lbyte else None


class LibraryCodec(W3Codec):
    # Blocks of 1024 postings rather than 128: searches read whole posting lists, and each
    # block costs a pickle and a zlib call to write and to read.
    def __init__(self, blocklimit=1024, compression=3, inlinelimit=4):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        return InliningPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def per_document_reader(self, storage, segment):
        return LengthCachingReader(storage, segment)

    def field_writer(self, storage, segment):
        return BulkFieldWriter(self, storage, segment)


def _runs(items):
    """(fieldname, term bytes, docnums, weights, values) per term: building.TermPool gives
    them so; any other source of postings (Whoosh's pool, a merge) is grouped here."""
    if hasattr(items, "runs"):
        yield from items.runs()
        return
    for (fieldname, btext), postings in groupby(items, _TERM):
        _, _, ids, weights, values = zip(*postings)
        yield fieldname, btext, ids, weights, values


def _column_bytes(reader, doccount: int) -> bytes:
    """A column of one byte a document, read whole: Whoosh reads it a byte at a time."""
    if isinstance(reader, NumericColumn.Reader) and reader._typecode == "B" and not reader._reverse:
        stored = min(reader._count, doccount)
        return (reader._dbfile.get(reader._basepos, stored)
                + reader._defaultbytes * (doccount - stored))
    return bytes(reader[n] for n in range(doccount))


def _length_byte(length) -> int:
    return length_to_byte(length) if length else 0


def term_postings(leaf, field: str, term: str, offset: int = 0) -> tuple[array, array]:
    """A term's postings in one segment as posting_arrays() gives them, read from the term's
    extent in the postings file: making Whoosh's matcher first unpickles the first block's
    header from the file, a read of a few bytes a pickle opcode. Raises TermNotFound."""
    terms = getattr(leaf, "_terms", None)
    if not isinstance(terms, W3TermsReader) or not hasattr(leaf, "deleted_docs_set"):
        return posting_arrays(leaf.postings(field, term), offset)
    info = leaf.term_info(field, term)
    if info.is_inlined() or terms._postfile is None:
        return posting_arrays(leaf.postings(field, term), offset)
    start, _length = info.extent()
    ids, weights = _read_blocks(terms._postfile, start + len(WHOOSH3_HEADER_MAGIC), offset)
    return _live(ids, weights, leaf.deleted_docs_set if leaf.has_deletions() else None, offset)


def doc_frequency(leaves, field: str, term: bytes) -> int:
    """How many documents of these segments hold a term, as Whoosh's reader counts it, from
    each segment's hash table of terms probed directly: ~5 us a term over two segments where
    Whoosh's layers (a generator, a read of each slot, of the key's lengths, of the key, of
    the count) took ~12. Ranking an unaccented query asks it of every accented spelling of
    each syllable (~20 a syllable, most in no segment)."""
    total, hashes = 0, {}
    for leaf in leaves:
        terms = getattr(leaf, "_terms", None)
        if not isinstance(terms, W3TermsReader):
            total += leaf.doc_frequency(field, term.decode("utf-8"))
            continue
        table = terms._tindex
        key = terms._keycoder(field, term)
        keyhash = hashes.get(table.hashfn)
        if keyhash is None:  # the same for every segment hashing alike
            keyhash = hashes[table.hashfn] = table.hashfn(key)
        total += _probe(table, key, keyhash)
    return total


def _probe(table, key: bytes, keyhash: int) -> int:
    """The document count of a key in one Whoosh hash file (0: absent), its slots read a few
    at once from where the key's hash points, wrapping round, up to an empty one."""
    start, slots = table.tables[keyhash & 255]
    at, probed, get = (keyhash >> 8) % slots if slots else 0, 0, table.dbfile.get
    while probed < slots:
        many = min(_SLOTS_READ, slots - at, slots - probed)
        for slot_hash, item in _SLOT.iter_unpack(get(start + at * _SLOT.size, many * _SLOT.size)):
            if not item:
                return 0
            if slot_hash == keyhash:
                # the key's and value's lengths, the key, then the term info: its flags byte,
                # its weight (a float), its document count
                head = get(item, _LENGTHS.size + len(key) + 1 + _FLOAT_SIZE + _INT_SIZE)
                stored = head[_LENGTHS.size:]
                if _LENGTHS.unpack_from(head)[0] == len(key) and stored.startswith(key):
                    return unpack_uint(head[-_INT_SIZE:])[0]
        probed += many
        at = (at + many) % slots
    return 0


def term_holders(leaf, field: str, term: str, docnums: list[int]) -> list[int]:
    """Those of a few docnums of the segment (ascending, live) that hold a term, decoding only
    the blocks of its postings whose range holds one of them (a block's header tells its last
    docnum). Cheaper than Whoosh's skip_to(), which unpickles each header from the file.
    Raises TermNotFound."""
    terms = getattr(leaf, "_terms", None)
    info = leaf.term_info(field, term)
    if not isinstance(terms, W3TermsReader) or info.is_inlined() or terms._postfile is None:
        held = set(term_postings(leaf, field, term)[0])
        return [d for d in docnums if d in held]
    postfile, position = terms._postfile, info.extent()[0] + len(WHOOSH3_HEADER_MAGIC)
    kept, at = [], 0
    while at < len(docnums):
        length = unpack_int(postfile.get(position, _INT_SIZE))[0]
        body = postfile.get(position + _INT_SIZE, abs(length))
        header = BytesIO(body)
        count, last, _maxweight, compression, _minlength, _maxlength = pickle.load(header)
        if docnums[at] <= last:
            data = body[header.tell():]
            held = set(block_docnums(zlib.decompress(data) if compression else data, count))
            while at < len(docnums) and docnums[at] <= last:
                if docnums[at] in held:
                    kept.append(docnums[at])
                at += 1
        if length < 0:  # the last block
            break
        position += _INT_SIZE + abs(length)
    return kept


def posting_arrays(matcher, offset: int = 0) -> tuple[array, array]:
    """The docnums ('I', plus `offset`: the segment's first docnum in the index) and weights
    ('f') of a term's postings in one segment, block by block.

    A Python loop over the matcher costs a few microseconds a posting; decoding whole blocks
    leaves the rest to C (set algebra, sorting). Leans on W3LeafMatcher's block layout.
    """
    deleted = None
    if isinstance(matcher, FilterMatcher):  # the segment has deletions
        deleted, matcher = matcher._ids, matcher.child
        matcher.reset()
    ids, weights = array("I"), array("f")
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        ids, weights = _read_blocks(matcher._postfile, matcher._baseoffset, offset)
    else:  # inlined postings, or any other matcher
        while matcher.is_active():
            ids.append(matcher.id() + offset)
            weights.append(matcher.weight())
            matcher.next()
    return _live(ids, weights, deleted, offset)


def _live(ids: array, weights: array, deleted, offset: int) -> tuple[array, array]:
    """The postings of documents not deleted (`deleted`: the segment's own docnums)."""
    if not deleted:
        return ids, weights
    live = [docnum - offset not in deleted for docnum in ids]
    return array("I", compress(ids, live)), array(weights.typecode, compress(weights, live))


def _read_blocks(postfile, position: int, offset: int) -> tuple[array, array]:
    """Every block of a term's postings from `position` (after the header tag), two reads a
    block: Whoosh's matcher unpickles each block's header from the file, a read of a few
    bytes a pickle opcode. Weights come a byte each ('B') while they are whole numbers below
    256 (the text fields count occurrences), else as floats ('f')."""
    ids, whole, floats = array("I"), bytearray(), None
    while True:
        length = unpack_int(postfile.get(position, _INT_SIZE))[0]
        body = postfile.get(position + _INT_SIZE, abs(length))
        header = BytesIO(body)
        count, _maxid, _maxweight, compression, _minlength, _maxlength = pickle.load(header)
        data = body[header.tell():]
        if compression:
            # the values (each count again) come last: inflating only the docnums and weights
            # before them saves ~30% of zlib's time
            inflater = zlib.decompressobj()
            docnums, weights = decode_block(inflater.decompress(data, head_length(count)), count,
                                            offset, partial(_inflate_rest, inflater))
        else:
            docnums, weights = decode_block(data, count, offset)
        # array.fromlist(list) is four times faster than array.extend(iter)
        ids.fromlist(docnums)
        if floats is None and isinstance(weights, bytes):
            whole += weights
        else:
            if floats is None:
                floats = array("f", array("B", whole))  # values, not bytes read as floats
            floats.fromlist(list(weights))
        if length < 0:  # the last block
            return ids, floats if floats is not None else array("B", whole)
        position += _INT_SIZE + abs(length)


def _inflate_rest(inflater) -> bytes:
    return inflater.decompress(inflater.unconsumed_tail) + inflater.flush()
