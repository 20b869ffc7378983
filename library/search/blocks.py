"""One block of a term's postings, decoded from Whoosh's pickle without unpickling it whole.

Whoosh's W3 codec stores a block as `pickle.dumps((docnum deltas, weights, values), 2)`:
the deltas as one integer opcode each (mostly BININT1: b"K" and a byte), the weights as a
BINFLOAT each (b"G" and 8 bytes, big-endian), the values (TermCounts: each count again, 4
bytes) as a latin-1 string. Unpickling makes a float of every posting and the values'
string, thrown away at once; with the floats made bytes and the docnums summed, ~66 us a
1024-posting block. The doubles of whole numbers from 1 to 255 differ only in their first
three bytes, so the weights are read by slicing the pickle into byte columns and translating
them; the deltas, when all are single bytes (a common term's), are a slice of the pickle:
~25 us (35 with counts from 33 on). With the values left uninflated (codec._read_blocks), a
posting list reads in ~0.061 us a posting instead of ~0.107, zlib included. Anything else
(fractions, weights from 256, a layout not as above) is unpickled as before: the answer is
the same either way (tests/test_search_blocks.py).
"""
from __future__ import annotations

import pickle
from collections.abc import Callable
from itertools import accumulate
from math import trunc
from struct import pack, unpack_from

_START = b"\x80\x02("     # protocol 2, the mark of the ids tuple (the outer one is a TUPLE3)
_IDS_END = b"tq\x00"      # TUPLE, then BINPUT 0: the ids tuple is the first object memoized
_WIDTHS = {ord("K"): 1, ord("M"): 2, ord("J"): 4}  # BININT1, BININT2, BININT: argument bytes
_FLOAT = ord("G")         # BINFLOAT
_NONE = ord("N")          # weights all 1.0
_MARK = ord("(")
_TUPLE = ord("t")


def _tables():
    """Byte tables between whole numbers from 1 to 255 and the first three bytes of their
    big-endian doubles (the other five are zero): a double of 1 <= n < 256 has the sign and
    the exponent's high 7 bits in its first byte, the exponent's low 4 bits (2^e, e < 8) and
    the fraction's first 4 bits in the second, its next 3 bits (n from 33) in the third."""
    encoded = [pack(">d", n) for n in range(256)]
    first, second, third = (bytes(e[i] for e in encoded) for i in range(3))
    # back: the second byte's number, then what the third adds for exponents 5, 6 and 7
    number = bytearray(256)
    for byte in range(256):
        high = byte >> 4
        exponent = 0 if high == 15 else high + 1 if high <= 6 else None
        if exponent is not None:
            number[byte] = int((16 + (byte & 15)) * 2 ** exponent / 16)
    more = [(bytes(0xFF if byte >> 4 == exponent - 1 else 0 for byte in range(256)),
             bytes(byte >> (12 - exponent) for byte in range(256))) for exponent in (5, 6, 7)]
    return first, second, third, bytes(number), more


_FIRST_OF, _SECOND_OF, _THIRD_OF, _NUMBER_OF_SECOND, _MORE_OF_THIRD = _tables()


def decode_block(raw: bytes, count: int, offset: int,
                 rest: Callable[[], bytes] | None = None) -> tuple[list[int], bytes | tuple]:
    """A block's docnums (plus `offset`, ascending) and weights: bytes when they are whole
    numbers from 0 to 255, else a tuple of floats. `raw`: the block's pickle, decompressed,
    or its beginning and `rest()` the remainder; `count`: its postings, from its header."""
    found = _sliced(raw, count, offset)
    if found is None and rest is not None:
        raw += rest()
        found = _sliced(raw, count, offset)
    if found is not None:
        return found
    ids, weights = pickle.loads(raw)[:2]
    docnums = list(accumulate(ids, initial=offset))
    del docnums[0]
    if weights is None or isinstance(weights, float):
        weights = (weights or 1.0,) * count
    return docnums, _whole_bytes(weights) or weights


def _sliced(raw: bytes, count: int, offset: int) -> tuple[list[int], bytes] | None:
    ids_end = raw.find(_IDS_END, len(_START)) if raw.startswith(_START) and count > 3 else -1
    docnums = _docnums(raw, ids_end, count, offset) if ids_end > 0 else None
    weights = _weights(raw, ids_end + len(_IDS_END), count) if docnums is not None else None
    return None if weights is None else (docnums, weights)


def head_length(count: int) -> int:
    """Enough of a block's pickle for its docnums and weights when its deltas are one byte
    each but a few (2 and 9 bytes a posting): the values (4 more) come after."""
    return 11 * count + 64


def _docnums(raw: bytes, end: int, count: int, offset: int) -> list[int] | None:
    """The docnums of the ids tuple, the pickle from 3 to `end`: the first docnum, then
    deltas. When every delta is one byte, they are every other byte of the pickle; else the
    tuple alone is unpickled (integers: no float or string made)."""
    start = len(_START)
    width = _WIDTHS.get(raw[start])
    if width is None:
        return None
    rest = start + 1 + width
    if end - rest == 2 * (count - 1) and raw[rest:end:2] == b"K" * (count - 1):
        first = int.from_bytes(raw[start + 1:rest], "little", signed=width == 4)
        return list(accumulate(raw[rest + 1:end:2], initial=offset + first))
    try:
        ids = pickle.loads(_START + raw[start:end] + b"t.")
    except (pickle.UnpicklingError, EOFError, ValueError):  # not this layout after all
        return None
    if len(ids) != count:
        return None
    docnums = list(accumulate(ids, initial=offset))
    del docnums[0]
    return docnums


def _weights(raw: bytes, at: int, count: int) -> bytes | None:
    """The weights after the ids tuple as a byte each, or None if they are not whole numbers
    from 1 to 255 in the layout described above (the caller unpickles them then)."""
    if at >= len(raw):
        return None
    kind = raw[at]
    if kind == _NONE:
        return b"\x01" * count
    if kind == _FLOAT:  # one weight for every posting
        value = unpack_from(">d", raw, at + 1)[0]
        return bytes([int(value)]) * count if value.is_integer() and 1 <= value <= 255 else None
    end = at + 1 + 9 * count
    if kind != _MARK or len(raw) <= end or raw[end] != _TUPLE:
        return None
    floats = raw[at + 1:end]
    zeros = bytes(count)
    if floats[::9] != b"G" * count or any(floats[column::9] != zeros for column in range(4, 9)):
        return None
    second, third = floats[2::9], floats[3::9]
    weights = second.translate(_NUMBER_OF_SECOND)
    if third != zeros:  # some from 33 on: bytes as integers, so the columns combine at once
        more = 0
        for exponent, shifted in _MORE_OF_THIRD:
            more |= (int.from_bytes(second.translate(exponent), "big")
                     & int.from_bytes(third.translate(shifted), "big"))
        weights = (int.from_bytes(weights, "big") | more).to_bytes(count, "big")
    # each double, byte for byte, that of the whole number read: exactly that weight
    if (floats[1::9] != weights.translate(_FIRST_OF) or second != weights.translate(_SECOND_OF)
            or third != weights.translate(_THIRD_OF) or 0 in weights):
        return None
    return weights


def _whole_bytes(weights: tuple) -> bytes | None:
    """The weights a byte each, if they are whole numbers from 0 to 255."""
    try:
        # math.trunc is int() for a float, called directly: ~20 ns a weight instead of ~45
        as_bytes = bytes(map(trunc, weights))
    except ValueError:  # beyond a byte
        return None
    return as_bytes if sum(as_bytes) == sum(weights) else None  # no fraction dropped


def block_docnums(raw: bytes, count: int) -> list[int]:
    """A block's docnums in its segment, without its weights."""
    end = raw.find(_IDS_END, len(_START)) if raw.startswith(_START) and count > 3 else -1
    docnums = _docnums(raw, end, count, 0) if end > 0 else None
    if docnums is None:
        docnums = list(accumulate(pickle.loads(raw)[0]))
    return docnums
