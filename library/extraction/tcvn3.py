"""Old Vietnamese 8-bit font encodings: TCVN3 (ABC) detection and conversion, VNI detection."""
import re
import unicodedata

# TCVN 5712:1993 (VN1), bytes 0xA1-0xFF, as glibc's iconv -f TCVN5712-1 decodes them;
# a test re-checks this against iconv. Text typed with a .VnTime-style font comes out of a
# PDF as the Latin-1 character of each byte ("®¶ng" for "đảng"). Bytes 0x80-0x9F and the
# VN1 capitals in 0x01-0x17 are left alone: ABC fonts keep Windows punctuation (curly
# quotes, dashes, bullet) at 0x80-0x9F, and PDF text tools use 0x02 for soft hyphens.
_HIGH = (
    "ĂÂÊÔƠƯĐăâêôơưđẰ"                                          # 0xA1-0xAF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"                # 0xB0-0xBF (B0-B4 combining tones)
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"                                         # 0xC0-0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"                                         # 0xD0-0xDF
    "Ổỏõóọồổỗốộờởỡớợù"                                         # 0xE0-0xEF
    "ỖủũúụừửữứựỳỷỹýỵỐ"                                         # 0xF0-0xFF
)
TCVN3_TABLE = {0xA1 + i: ch for i, ch in enumerate(_HIGH)}
_TRANSLATE = str.maketrans(TCVN3_TABLE)

# A TCVN3 letter read as Latin-1 is often a symbol (¸ µ ¶ ® ¬ ...) stuck inside a word;
# Western text never puts those between letters, so they are the detector's evidence.
_TCVN3_IN_WORD = re.compile(r"[A-Za-z\xc0-\xff][\xa1-\xbf]|[\xa1-\xbf][A-Za-z\xc0-\xff]")
# Letters only Unicode Vietnamese has (ă đ ơ ư and the U+1EA0 block): their presence
# means the text is already Unicode, whatever else it contains.
_UNICODE_VIETNAMESE = re.compile(r"[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
# VNI-Windows writes a base vowel then a separate tone/shape byte ("Vieät", "Ñaûng").
_VNI_PAIR = re.compile(r"[aeiouyAEIOUY][\xf9\xf8\xfb\xf5\xef\xe2\xe1\xe0\xe5\xe3\xe4\xea\xe9\xe8\xfa\xfc\xeb]"
                       r"|\b[\xd1\xf1][aeiouyAEIOUY]")
_WORD = re.compile(r"[A-Za-z\xa1-\xff]+")
# TCVN3 also puts Vietnamese letters on Latin-1 letters: "tÝch" (tích), "lÞch" (lịch), "sö"
# (sư). Unicode Vietnamese never writes a Latin-1 letter outside its own set, nor a capital
# after a small letter inside a word; such a word is evidence when it also reads, converted,
# as a Vietnamese syllable (German "schön" -> "schửn" does not, "tÝch" -> "tích" does).
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_MIXED_CASE = re.compile(r"[a-z\xdf-\xff][\xc0-\xde]")
_SYLLABLE_SHAPE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdghklmnprstvx])?"
    r"(?:uye|uya|uyu|uoi|uou|ieu|yeu|oai|oay|oeo|uay|uau|"
    r"ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ya|ye|[aeiouy])"
    r"(?:ch|ng|nh|[cmnpt])?")
_TONE_MARKS = set("\u0300\u0301\u0303\u0309\u0323")


def _reads_as_syllable(word: str) -> bool:
    """The word, converted from TCVN3, has the shape of one Vietnamese syllable."""
    converted = unicodedata.normalize("NFD", tcvn3_to_unicode(word).lower())
    if sum(ch in _TONE_MARKS for ch in converted) > 1:
        return False
    base = "".join(ch for ch in converted if not unicodedata.combining(ch)).replace("đ", "d")
    return _SYLLABLE_SHAPE.fullmatch(base) is not None


def _evidence(word: str) -> bool:
    if _TCVN3_IN_WORD.search(word):
        return True
    if _VNI_PAIR.search(word):  # VNI's vowel + mark byte ("hoïc"): not TCVN3's evidence
        return False
    odd = _MIXED_CASE.search(word) or any(
        ch >= "\xc0" and ch not in _VIETNAMESE_LATIN1 for ch in word)
    return bool(odd) and _reads_as_syllable(word)


def _stats(text: str, pattern: re.Pattern) -> tuple[int, int]:
    words = _WORD.findall(text)
    return sum(1 for w in words if pattern.search(w)), len(words)


def looks_tcvn3(text: str, min_words: int = 5) -> bool:
    """Many words carry TCVN3 evidence, and no Unicode-only Vietnamese letter is present.

    A short text (a title, a search, a page of a few lines) mostly without diacritics, such as
    "di tÝch lÞch sö Kim Liªn", has few such words: two are enough when every word outside
    ASCII reads, converted, as a Vietnamese syllable."""
    words = _WORD.findall(text)
    hits = sum(1 for w in words if _evidence(w))
    if hits == 0 or len(_UNICODE_VIETNAMESE.findall(text)) * 10 >= hits:
        return False
    if hits >= min_words and hits >= 0.05 * len(words):
        return True
    return hits >= 2 and len(words) <= 200 and all(
        _reads_as_syllable(w) for w in words if not w.isascii())


def looks_vni(text: str, min_words: int = 10) -> bool:
    """VNI text: a large share of words carry vowel+mark byte pairs (French 'où' does not)."""
    if _UNICODE_VIETNAMESE.search(text[:20000]):
        return False
    hits, words = _stats(text, _VNI_PAIR)
    return hits >= min_words and hits >= 0.15 * words


def tcvn3_to_unicode(text: str) -> str:
    """'Hå ChÝ Minh' -> 'Hồ Chí Minh'; the separate tone bytes are composed by NFC."""
    return unicodedata.normalize("NFC", text.translate(_TRANSLATE))
