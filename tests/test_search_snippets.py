"""Snippets fold a page only as far as they search it, at C speed and in lower case: the same
window and the same <mark>s as folding the whole page by str.translate and matching ignoring
case, wherever the match lies and whatever letters the page holds."""
import re

import pytest

from library.search import folding, snippets
from library.search.query import parse
from library.search.snippets import Finder

FILLER = "Chi bộ họp định kỳ, bàn việc học tập. " * 40  # ~1,500 characters before the match

PAGES = [
    FILLER + "Các ĐẢNG VIÊN và đảng-viên; Đang, viên của Đảng bộ.",
    FILLER + "Phát triển Đảng\nviên mới — “đảng viên” trẻ… ĐẢNG VIÊN",
    FILLER + "Đảng, viên: hai chữ bị dấu phẩy tách ra, không là một cụm",
    FILLER + "đa\u0301ng viên (dấu rời) và đảng viên tiếp sau",
    FILLER + "한국어 문장 đảng viên 한국어 và ﬁnal ﬂow ĐẢNG VIÊN cuối",
    FILLER * 2 + "Mùa xuân, mùa\nxuân — mùa…xuân “mùa” xuân",
    FILLER + "Về ĐÀ NẴNG, đà nẵng và Da Nang. Đà. Nẵng",
    "đảng viên ngay đầu trang " + FILLER,
    FILLER + "không có từ nào cần tìm ở đây cả",
    FILLER.replace(".", " ") + " kết thúc bằng đảng viên",
    FILLER + "ĐẢNG VIÊN’S đảng\u00a0viên ĐảNg ViÊn İ ı ſ K Å ½ ß Ⅳ",
    FILLER + "😀 Đảng viên ngoài mặt phẳng cơ bản, ≠ ; ` và Đảng viên",
    FILLER + "Δ Đảng viên Ελληνικά Đảng — viên đảng viên",
]
QUERIES = ["dang vien", "đảng viên", "mua xuan", "da nang", "Đà Nẵng", "dang", "vien dang",
           "hoc tap dang vien", "chi bo", "DANG VIEN", "ελληνικά", "s k i"]


def snippets_folding(monkeypatch, first: int) -> list[str]:
    monkeypatch.setattr(snippets._Folded, "FIRST", first)
    shown = []
    for query in QUERIES:
        finder = Finder(parse(query))
        for page in PAGES:
            shown.append(finder.snippet(page))
            shown.append(finder.highlight(page))
            shown.append(str(finder.contains(page)))
    return shown


def snippets_as_before(monkeypatch) -> list[str]:
    """Every page folded whole by str.translate, every pattern matched ignoring case."""
    def ignoring_case(self, pattern):
        self.lowered, self.pattern = False, re.compile(pattern, re.IGNORECASE)
    monkeypatch.setattr(snippets._OnFolded, "__init__", ignoring_case)
    shown = snippets_folding(monkeypatch, 10 ** 9)
    monkeypatch.undo()
    return shown


@pytest.mark.parametrize("first", [1, 7, 400, 10 ** 9])
def test_folding_as_far_as_searched_shows_what_folding_the_whole_page_shows(monkeypatch, first):
    before = snippets_as_before(monkeypatch)
    assert snippets_folding(monkeypatch, first) == before


def test_pages_fold_as_str_translate_folds_them_but_for_stand_ins():
    for page in PAGES:
        folded, translated = folding.fold_text(page), page.translate(folding.FOLDED_LOWER)
        assert len(folded) == len(page)
        for mine, theirs in zip(folded, translated):
            assert mine == theirs or (mine == "'" and not re.match(r"[\w.]", theirs))
    assert folding.fold_text("Đảng ’viên’ ĐẢNG") == "dang 'vien' dang"


def test_every_character_of_a_vietnamese_page_s_blocks_folds_as_str_translate_or_stands_in():
    """Characters that are not word characters nor "." may stand for each other: a folded
    pattern cannot tell them apart. No character any case-sensitive literal matches does."""
    for high in (0x00, 0x01, 0x02, 0x1E, 0x20, 0x21, 0x03):
        for low in range(256):
            char = chr(high << 8 | low)
            if 0xD800 <= ord(char) < 0xE000:
                continue
            folded = folding.fold_text("ab" + char + "cd")
            theirs = char.translate(folding.FOLDED_LOWER)
            assert folded[:2] == "ab" and folded[-2:] == "cd" and len(folded) == 5
            assert folded[2] == theirs or (folded[2] == "'" and not re.match(r"[\w.]", theirs))


def test_pages_of_the_common_characters_fold_as_pages_of_any_other():
    """The charmap of a Vietnamese page's usual characters folds as the blocks do; a page with
    one character beyond it (NUL among them) is folded by the blocks, whole."""
    common = folding._COMMON
    page = "".join(common[(i * 7) % 256] for i in range(1, 2000)).replace("\0", "")
    assert folding.fold_text(page) == folding._fold_blocks(page)
    for other in ["\0", "ı", "한", "😀", "\u2028", "Ǆ"]:
        mixed = page[:900] + other + page[900:]
        assert folding.fold_text(mixed) == folding._fold_blocks(mixed)
    assert folding.fold_text("Hoà Bình, ĐẠO ĐỨC—“Thuỷ” ’") == "hoa binh. dao duc..thuy. '"


def test_lowercase_patterns_find_what_patterns_ignoring_case_found_in_all_of_unicode():
    """Each character folded as before (FOLDED_LETTERS) and matched ignoring case, and folded in
    lower case (FOLDED_LOWER) and matched case-sensitively: the same for every letter and
    digit a folded pattern holds, its separator and its end."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    before, lowered = every.translate(folding.FOLDED_LETTERS), every.translate(folding.FOLDED_LOWER)
    assert len(before) == len(lowered) == len(every)
    for pattern in [*"abcdefghijklmnopqrstuvwxyz0123456789", r"[^\w.]", r"[^\W_]", r"\."]:
        ignoring = [m.start() for m in re.finditer(pattern, before, re.IGNORECASE)]
        assert [m.start() for m in re.finditer(pattern, lowered)] == ignoring, pattern


def test_a_match_far_into_the_page_is_found_and_marked():
    html = Finder(parse("dang vien")).snippet(PAGES[1])
    assert html.startswith("… ") and "<mark>Đảng\nviên</mark>" not in html
    assert "<mark>Đảng viên</mark> mới — “<mark>đảng viên</mark>” trẻ… <mark>ĐẢNG VIÊN</mark>" in (
        html.replace("&quot;", '"'))


def test_words_apart_across_punctuation_are_marked_one_by_one():
    html = Finder(parse("dang vien")).snippet(PAGES[2])
    assert "<mark>Đảng</mark>, <mark>viên</mark>" in html


def test_pages_with_other_scripts_and_ligatures_keep_their_offsets():
    html = Finder(parse("dang vien")).snippet(PAGES[4])
    assert "한국어 문장 <mark>đảng viên</mark> 한국어 và ﬁnal ﬂow <mark>ĐẢNG VIÊN</mark>" in html


def test_a_snippet_is_one_line_whatever_its_spaces():
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert {c for c in spaces if re.fullmatch(r"\s", c)} == set(spaces)
    text = "  Các" + "".join(f" đảng{s}{s}viên{s}" for s in spaces) + "\n cuối \t"
    html = Finder(parse("dang vien")).highlight(text)
    squeezed = re.sub(r"\s+", " ", snippets._render(text, 0, len(text), [], squeeze=False))
    assert html.replace("<mark>", "").replace("</mark>", "") == squeezed.strip()
    assert "  " not in html and "\n" not in html and html.startswith("Các <mark>đảng")


# Exact (accented) phrases are found by their folded form, then compared with the spellings
# typed: the same matches as the accented pattern compiled ignoring case, which they replace.

EXACT_PAGES = [
    FILLER + "Nền hoà bình và hòa bình; HOÀ BÌNH, Hòa\nBình lâu dài, hoa binh, hóa bình.",
    FILLER + "chỉ có hoa binh và HOA BINH ở đây, hoa-binh",
    FILLER + "Thuỷ lợi, thủy lợi, THUỶ LỢI; quý khách, QUÝ KHÁCH, quí khách",
    FILLER + "ĐẠO ĐỨC và đạo đức, dao duc, Đạo\nđức, đạo, đức; Đạo Đức",
    FILLER + "hòa bình thế giới, hòa bình thể giới, hoà bình thế\ngiới, hòa bình. thế giới",
    FILLER + "ſinh viên İ ı hòa bınh hoà bình kết",
    "hoà bình ở đầu trang " + FILLER,
    FILLER + "khoẻ mạnh, khỏe mạnh, KHOẺ MẠNH, khoe manh",
]
EXACT_QUERIES = ["hòa bình", "hoà bình", "HÒA BÌNH", '"hòa bình"', '"Hoà Bình"', "đạo đức",
                 '"đạo đức"', '"ĐẠO ĐỨC" hòa', "thủy lợi", '"thuỷ lợi"', "quý khách",
                 '"hòa bình thế giới"', '"hòa bình thế" giới', '"hòa bình" hoa', "khỏe mạnh",
                 '"khoẻ mạnh"', "sinh viên", '"sinh viên"', "hoa binh", '"hoa binh"']


def exact_answers(finder: Finder) -> list:
    shown = []
    for page in EXACT_PAGES:
        shown += [finder.snippet(page), finder.highlight(page), finder.contains(page),
                  finder.holds_phrases(page)]
    return shown


@pytest.mark.parametrize("query", EXACT_QUERIES)
def test_exact_phrases_found_by_their_folded_form_match_as_the_accented_pattern(
        monkeypatch, query):
    finder = Finder(parse(query))
    assert isinstance(finder.phrases, (snippets._Runs, snippets._OnFolded))
    assert all(isinstance(p, snippets._Runs) for p in finder.preferred + finder.checks)
    shown = exact_answers(finder)
    monkeypatch.setattr(snippets._Runs, "usable", staticmethod(lambda runs, spelled: False))
    assert shown == exact_answers(Finder(parse(query)))


def test_an_exact_query_centres_on_either_tone_placement_and_marks_only_quoted_spellings():
    page = FILLER + "chỉ hoa binh ở đây. " + FILLER + "Nền HOÀ\nBÌNH lâu dài, hoa binh"
    snippet = Finder(parse("hòa bình")).snippet(page)
    assert "<mark>HOÀ BÌNH</mark>" in snippet and "<mark>hoa binh</mark>" in snippet
    quoted = Finder(parse('"hòa bình"')).snippet(page)
    assert "<mark>HOÀ BÌNH</mark>" in quoted and "<mark>hoa binh</mark>" not in quoted


def test_a_quoted_accented_phrase_falls_back_to_its_pairs_then_to_other_words():
    finder = Finder(parse('"hòa bình thế" hoa'))
    page = "hòa bình thể giới và hoa binh"
    assert finder.highlight(page) == ("<mark>hòa bình</mark> thể giới và <mark>hoa</mark> binh")
    assert not Finder(parse('"hòa bình thế giới"')).holds_phrases(page)
    assert Finder(parse('"hòa bình thế giới"')).holds_phrases("Hoà Bình\nThế giới")


def test_a_page_with_only_the_folded_form_gets_a_snippet_of_the_folded_form():
    page = FILLER + "chỉ có hoa binh ở đây"
    assert "<mark>hoa binh</mark>" in Finder(parse("hòa bình")).snippet(page)
    assert not Finder(parse('"hòa bình"')).contains(page)
    # the quoted phrase is not there: its words are marked, not the phrase
    assert Finder(parse('"hòa bình"')).highlight("chỉ có hoa binh") == (
        "chỉ có <mark>hoa</mark> <mark>binh</mark>")


def test_odd_letters_are_compared_as_the_regex_engine_ignoring_case_compares_them():
    assert Finder(parse('"sinh viên"')).contains("ſinh viên")
    assert Finder(parse('"hòa bình"')).contains("HÒA BıNH") is bool(
        re.fullmatch("hòa bình", "HÒA BıNH", re.IGNORECASE))


def test_letters_compared_by_lower_case_are_those_the_regex_engine_matches_ignoring_case():
    """_Spelled compares a syllable by str.lower() unless a letter is odd: for every pair of
    letters folding to the same ASCII letter, neither odd, the regex engine agrees."""
    groups: dict[str, set[str]] = {}
    for code, folded in folding.FOLDED_LOWER.items():
        if isinstance(folded, str) and folded.isascii() and folded.isalpha():
            groups.setdefault(folded, {folded, folded.upper()}).add(chr(code))
    for letters in groups.values():
        plain = [c for c in letters if c not in snippets._ODD_CASES]
        for typed in plain:
            pattern = re.compile(re.escape(typed), re.IGNORECASE)
            for c in plain:
                assert (pattern.fullmatch(c) is not None) == (c.lower() == typed.lower()), (typed, c)
