"""A page's text folded letter for letter for the snippets' folded patterns, at C speed.

Each Latin letter that folds to an ASCII letter becomes it, in lower case, and sentence
punctuation becomes a full stop: the text keeps its length, so a match's span is the same in
both, and a folded pattern is plain lowercase ASCII (see snippets), matched case-sensitively:
ignoring case keeps Python's regex engine from skipping ahead to a pattern's first letters
(a page searched in ~75 us instead of ~11). str.translate folds a character at a time
through a dict (~35 ns a character, ~70 us a 2,000-character page); fold_text folds a page
of the usual Vietnamese characters by codecs' charmap encoder and a byte table (~6 us),
another with a few C loops over its UTF-16 bytes (~22 us), and falls back to str.translate
for a page neither can fold (below).
"""
from __future__ import annotations

import codecs
import re

from library.search.analysis import BREAKS
from library.vietnamese import fold


def _letter_variants() -> dict[str, str]:
    """Every lowercase Latin letter that folds to a given ASCII letter, 'd' -> 'dđ'."""
    variants: dict[str, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        base = fold(char)
        if char == char.lower() and len(base) == 1 and base.isascii() and base.isalpha():
            variants[base] = variants.get(base, base) + char
    return variants


VARIANTS = _letter_variants()
# Each of those letters, either case, as the ASCII letter it folds to, and sentence
# punctuation as a full stop: the separator of a folded pattern's syllables is then short.
# For a pattern with other letters than ASCII ones, matched ignoring case.
FOLDED_LETTERS = str.maketrans({
    **{v: base for base, variants in VARIANTS.items()
       for letter in variants for v in {letter, letter.upper()} if len(v) == 1},
    **dict.fromkeys(BREAKS, ".")})
# As those, and every other character that matches an ASCII letter when case is ignored as
# that letter: what a lowercase ASCII pattern matched case-sensitively then finds is what it
# found ignoring case in the text folded by FOLDED_LETTERS (tests check all of Unicode).
FOLDED_LOWER = {**FOLDED_LETTERS, **{ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
                ord("\u0130"): "i", ord("\u0131"): "i", ord("\u017f"): "s", ord("\u212a"): "k"}

# What a folded pattern can tell apart is narrower than the text: its syllables are word
# characters, its separator any run of characters neither word characters nor ".", its end
# a character not a letter or digit. So a character neither a word character nor "." may
# stand for another: "'" stands for those beyond Latin-1 ("’", "‘", spaces and marks of
# general punctuation). Every other character of the fast path is the one str.translate gives.
_STAND_IN = "'"
_UNKNOWN = 0  # in a block's table: a character the fast path cannot fold (NUL among them)
_WORD = re.compile(r"[\w.]")


def _block_table(high: int) -> bytes | None:
    """For the 256 characters whose UTF-16 high byte is `high`, the byte each folds to (a
    Latin-1 character), _UNKNOWN where none will do; None if the block has no such byte."""
    table = bytearray(256)
    for low in range(256):
        char = chr(high << 8 | low)
        folded = char.translate(FOLDED_LOWER)
        if len(folded) != 1 or folded == "\0" or 0xD8 <= high <= 0xDF:
            continue
        if ord(folded) < 256:
            table[low] = ord(folded)
        elif not _WORD.match(folded):
            table[low] = ord(_STAND_IN)
    return bytes(table) if any(table) else None


# Latin-1, Latin Extended-A and -B, Latin Extended Additional, General Punctuation: the
# blocks of a Vietnamese page. A page with a character of another block takes str.translate.
_BLOCKS = {high: table for high in (0x00, 0x01, 0x02, 0x1E, 0x20)
           if (table := _block_table(high)) is not None}
_KNOWN_BLOCKS = bytes(_BLOCKS)
_SELECT = {high: bytes(0xFF if h == high else 0 for h in range(256)) for high in _BLOCKS}


# The characters of most Vietnamese pages, 256 of them: codecs' charmap encoder turns each
# into its place here in one C loop (~5 us a 2,000-character page), and a byte table then
# folds those places (what fold_text gives for each character alone). A page with another
# character takes the blocks below (~22 us).
_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_COMMON = ("\0\t\n\x0b\x0c\r" + "".join(map(chr, range(0x20, 0x7F)))
           + _VIETNAMESE + _VIETNAMESE.upper() + "\u00a0“”‘’–—…•«»°©§·¿¡²³½¾")


def fold_text(text: str) -> str:
    """The text folded by FOLDED_LOWER, as far as a folded pattern can tell (above)."""
    try:
        places = codecs.charmap_encode(text, "strict", _PLACES)[0]
    except UnicodeEncodeError:
        return _fold_blocks(text)
    if 0 in places:  # NUL: the charmap needs it at its place 0; the blocks cannot fold it
        return _fold_blocks(text)
    return places.translate(_FOLDED_PLACES).decode("latin-1")


def _fold_blocks(text: str) -> str:
    raw = text.encode("utf-16-le", "surrogatepass")
    lows, highs = raw[0::2], raw[1::2]
    if len(raw) != 2 * len(text) or highs.translate(None, _KNOWN_BLOCKS):
        return text.translate(FOLDED_LOWER)
    # each block's fold of the low bytes, kept where the high byte is that block's: byte
    # strings ANDed and ORed as integers
    folded = 0
    for high, table in _BLOCKS.items():
        if high and bytes((high,)) not in highs:
            continue
        chosen = highs.translate(_SELECT[high])
        folded |= (int.from_bytes(lows.translate(table), "little")
                   & int.from_bytes(chosen, "little"))
    out = folded.to_bytes(len(text), "little")
    if _UNKNOWN in out:
        return text.translate(FOLDED_LOWER)
    return out.decode("latin-1")


assert len(_COMMON) == len(set(_COMMON)) == 256
_PLACES = codecs.charmap_build(_COMMON)
_FOLDED_PLACES = "".join(map(_fold_blocks, _COMMON)).encode("latin-1")
assert len(_FOLDED_PLACES) == 256
