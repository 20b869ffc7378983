"""Vietnamese text rules shared by extraction and search: cleaning, canonical form, folding.

- clean_text: NFC, without NUL bytes, lone surrogates or control characters.
- one_tone_placement: NFC with the old-style tone placement, case kept.
- canonical: lowercase NFC with one tone placement (hoà -> hòa, khoẻ -> khỏe, thuý -> thúy).
- fold: every diacritic stripped and đ/Đ -> d, lowercased; one character in, one character
  out, so offsets in a folded string are offsets in the original (snippets rely on it).
"""
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
# New-style placement on the second vowel of a syllable-final oa/oe/uy ("hoà", "thuý"),
# moved to the first; "quý" is left alone because its u belongs to the consonant qu.
_NEW_STYLE_TONE = re.compile(
    rf"(?<![qQ])([oO][aAeE]|[uU][yY])([{_TONES}])(?![^\W_]|[\u0300-\u036f])"
)


def clean_text(text: str) -> str:
    """NFC text that any database or index accepts; line breaks and tabs are kept."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def one_tone_placement(text: str) -> str:
    """NFC text with the old-style tone placement, case kept: what recognised text is stored as."""
    nfd = unicodedata.normalize("NFD", text)
    nfd = _NEW_STYLE_TONE.sub(lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], nfd)
    return unicodedata.normalize("NFC", nfd)


def canonical(text: str) -> str:
    """Lowercase NFC with the old-style (most common) tone placement."""
    nfd = unicodedata.normalize("NFD", text.lower())
    nfd = _NEW_STYLE_TONE.sub(lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], nfd)
    return unicodedata.normalize("NFC", nfd)


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    lowered = ch.lower()
    if len(lowered) != 1:
        lowered = ch
    if lowered.isascii():
        return lowered
    base = unicodedata.normalize("NFD", lowered)[0]
    return base if not unicodedata.combining(base) else " "


_FOLD_CACHE: dict[str, str] = {}


def fold(text: str) -> str:
    """'Đảng viên' -> 'dang vien'. Expects NFC; keeps the length of its input."""
    cache = _FOLD_CACHE
    out = []
    for ch in text:
        folded = cache.get(ch)
        if folded is None:
            folded = cache[ch] = _fold_char(ch)
        out.append(folded)
    return "".join(out)


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


# Letters only Vietnamese uses among Latin scripts (ơ, ư, đ and the tone-marked vowels).
_VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def looks_vietnamese(text: str) -> bool:
    """A guess for books that do not say their language: a few percent of Vietnamese letters."""
    sample = text[:20000].lower()
    letters = sum(ch.isalpha() for ch in sample)
    return letters > 200 and sum(ch in _VIETNAMESE_LETTERS for ch in sample) > letters * 0.03
