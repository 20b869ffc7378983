"""The index's own words: accented forms of an unaccented syllable, and corrections of typos."""
from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

from library.vietnamese import canonical

_SHAPES = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư"}
_SHAPED = set("ăâêôơư")
_VOWELS = set("aeiouyăâêôơư")
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_MAX_FORMS = 400


def _tone_position(letters: str) -> int | None:
    """Where the old-style (canonical) placement puts the tone mark, as an index into letters."""
    start = 2 if letters[:2] in ("qu", "gi") and len(letters) > 2 and letters[2] in _VOWELS else 0
    vowels = [i for i in range(start, len(letters)) if letters[i] in _VOWELS]
    if not vowels and start:  # "gi" alone: the i is the vowel
        vowels = [1]
    if not vowels:
        return None
    shaped = [i for i in vowels if letters[i] in _SHAPED]
    if shaped:
        return shaped[-1]
    if len(vowels) == 1 or vowels[-1] < len(letters) - 1:  # one vowel, or closed by a consonant
        return vowels[-1]
    return vowels[1] if len(vowels) == 3 else vowels[0]


@lru_cache(maxsize=20_000)
def accented_forms(folded: str) -> tuple[str, ...]:
    """Every spelling that folds to `folded` ("dang" -> "dang", "đảng", "dạng", …), canonical."""
    if not (folded.isascii() and folded.isalpha()) or len(folded) > 8:
        return (folded,)
    choices = [_SHAPES.get(c, c) for c in folded]
    if folded[0] == "d":
        choices[0] = "dđ"
    size = 6 * len(list(itertools.product(*choices)))
    if size > _MAX_FORMS:
        return (folded,)
    forms = []
    for letters in map("".join, itertools.product(*choices)):
        position = _tone_position(letters)
        if position is None:
            forms.append(letters)
            continue
        for tone in _TONES:
            decomposed = letters[: position + 1] + tone + letters[position + 1:]
            forms.append(canonical(unicodedata.normalize("NFC", decomposed)))
    return tuple(dict.fromkeys(forms))


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, with transpositions counted as one edit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
