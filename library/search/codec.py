"""Whoosh's W3 codec with posting inlining repaired, and posting lists read whole into arrays.

Whoosh 2.7 calls a misspelt method when it inlines a posting list, so its default limit of 1
disables inlining; every rare term then costs a pickled, compressed block of its own. And it
looks for a length column on disk for every posting of a field that keeps no lengths.
The codec is pickled into the index's table of contents: keep this import path stable.
"""
from array import array
from itertools import accumulate, compress

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3PerDocReader, W3PostingsWriter, _lenfield,
)
from whoosh.util.numeric import byte_to_length
from whoosh.matching.wrappers import FilterMatcher


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


class LengthCachingReader(W3PerDocReader):
    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths: dict[str, bytes | None] = {}

    def _cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]

    def doc_field_length(self, docnum, fieldname, default=0):
        # Asked once per posting when a segment is written and per hit when scoring: read
        # the field's length column into memory once (a byte per document) instead of
        # seeking in the file each time.
        if fieldname not in self._lengths:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._lengths[fieldname] = (
                None if reader is None else bytes(reader[n] for n in range(self._doccount)))
        lengths = self._lengths[fieldname]
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


def posting_arrays(matcher) -> tuple[array, array]:
    """The docnums ('I') and weights ('f') of a term's postings in one segment, block by block.

    A Python loop over the matcher costs a few microseconds a posting; decoding whole blocks
    leaves the rest to C (set algebra, sorting). Leans on W3LeafMatcher's block attributes.
    """
    deleted = None
    if isinstance(matcher, FilterMatcher):  # the segment has deletions
        deleted, matcher = matcher._ids, matcher.child
        matcher.reset()
    ids, weights = array("I"), array("f")
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        while matcher.is_active():
            matcher._read_data()
            block_ids, block_weights = matcher._data[:2]
            # delta-encoded; array.fromlist(list) is four times faster than array.extend(iter)
            ids.fromlist(list(accumulate(block_ids)))
            if block_weights is None or isinstance(block_weights, float):
                weights.extend(array("f", [block_weights or 1.0]) * matcher._blocklength)
            else:
                weights.fromlist(list(block_weights))
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
    else:  # inlined postings, or any other matcher
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    if deleted:
        live = [docnum not in deleted for docnum in ids]
        ids, weights = array("I", compress(ids, live)), array("f", compress(weights, live))
    return ids, weights
