"""Relevance and robustness of the search engine, on a real index on disk with planted passages."""
import multiprocessing
import random
import shutil
import threading
import time
import unicodedata
from datetime import datetime

import pytest

from library.search import (
    BookDocument, IndexBusy, QueryError, SearchIndex, SearchUnavailable, SectionText,
)
from library.vietnamese import fold

# Filler shares no syllable with the planted passages, so every match below is a planted one.
FILLER = (
    "nhân dân lao động xây dựng kinh tế phát triển văn hóa giáo dục khoa học công nghệ "
    "nông thôn miền núi thành phố hội nghị báo cáo tổng kết kế hoạch năm mới nhiệm vụ "
    "giải pháp cơ sở địa phương thôn bản gia đình cộng đồng môi trường sức khỏe y tế "
    "thanh niên phụ nữ công nhân nông dân trí thức doanh nghiệp hợp tác quốc tế hòa bình"
).split()
PLANTED = "đảng viên dạng trong sạch sách tự diễn biến chuyển kỷ luật hồ chí minh".split()
assert not {fold(w) for w in FILLER} & {fold(w) for w in PLANTED}


def filler(rng: random.Random, chars: int = 1500) -> str:
    words, size = [], 0
    while size < chars:
        sentence = rng.choices(FILLER, k=rng.randint(6, 14))
        words.append(" ".join(sentence).capitalize() + ".")
        size += len(words[-1]) + 1
    return "\n".join(words)


def page(rng, planted: str = "") -> str:
    return filler(rng, 700) + "\n" + planted + "\n" + filler(rng, 700)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def library_books() -> list[BookDocument]:
    rng = random.Random(3)

    def pdf(book_id, title, authors, shelf, year, planted: dict, pages=6):
        sections = [SectionText(n, page(rng, planted.get(n, "")), page=n) for n in range(1, pages + 1)]
        return BookDocument(book_id, title, authors, shelf, year, "application/pdf",
                            datetime(2024, 1, book_id), sections)

    long_chapter = "\n".join([filler(rng, 2500), "Mỗi đảng viên đọc kỹ.", filler(rng, 2500),
                              "Lại nói về đảng viên.", filler(rng, 2500)])
    epub = BookDocument(3, "Học tập và làm theo tấm gương đạo đức", ["Trần Thị Bình"],
                        "hoc-tap-lam-theo-bac", 2021, "application/epub+zip", datetime(2024, 1, 3), [
                            SectionText(1, long_chapter, chapter="Chương 1: Rèn luyện"),
                            SectionText(2, page(rng, "tự học, " + filler(rng, 300) + " diễn giải, "
                                                + filler(rng, 300) + " biến đổi"),
                                        chapter="Chương 2: Tách rời"),
                            SectionText(3, page(rng, "tự diễn tập rồi diễn biến khó lường"),
                                        chapter="Chương 3: Cặp rời"),
                        ])
    return [
        pdf(1, "Sổ tay đảng viên", ["Ban Tổ chức Trung ương"], "chi-bo-dien-tu", 2021, {
            3: "Mỗi đảng viên phải giữ gìn sự trong sạch của tổ chức.",
            5: nfd("Kiên quyết phòng chống TỰ DIỄN BIẾN, tự chuyển hóa trong nội bộ."),
        }),
        pdf(2, "Nâng cao năng lực lãnh đạo", ["Nguyễn Văn An"], "bao-ve-nen-tang-tu-tuong", 2019, {
            2: "Các đảng viên trẻ cần <học tập> & rèn luyện.",
            4: nfd("Trong sách này trình bày kinh nghiệm."),
            6: "Thuốc ở dạng viên nén.",
        }),
        epub,
        pdf(4, "Di chúc", ["Hồ Chí Minh"], "hoc-tap-lam-theo-bac", 1969, {
            2: "Đảng viên và cán bộ phải thật sự cần kiệm liêm chính.",
        }),
        pdf(5, "Kỷ luật của Đảng", ["Ban Kiểm tra"], "chi-bo-dien-tu", 2022, {}),
        pdf(6, "Công tác kiểm tra", ["Ban Kiểm tra"], "chi-bo-dien-tu", 2020,
            {n: "Giữ nghiêm kỷ luật, kỷ luật là sức mạnh, kỷ luật trước hết." for n in range(1, 7)}),
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    search_index = SearchIndex(str(tmp_path_factory.mktemp("index")))
    search_index.index_books(library_books())
    yield search_index
    search_index.close()


@pytest.fixture
def fresh(tmp_path):
    search_index = SearchIndex(str(tmp_path / "index"), write_timeout=2)
    search_index.index_books(library_books())
    yield search_index
    search_index.close()


def hit_places(results):
    return [(h.book_id, h.position) for h in results.hits]


# Vietnamese matching

@pytest.mark.parametrize("query", ["dang vien", "đảng viên", "ĐẢNG VIÊN", "Dang Vien", nfd("Đảng viên")])
def test_folded_accented_and_uppercase_queries_find_the_same_pages(index, query):
    places = set(hit_places(index.search_hits(query, per_page=50)))
    assert {(1, 3), (2, 2), (3, 1), (4, 2)} <= places
    assert (1, None) in places  # the title "Sổ tay đảng viên"


def test_folded_query_finds_text_stored_in_nfd(index):
    results = index.search_hits("tu dien bien")
    assert hit_places(results)[0] == (1, 5)
    assert "<mark>TỰ DIỄN BIẾN</mark>" in unicodedata.normalize("NFC", results.hits[0].snippet)


def test_unaccented_query_ranks_the_commonest_accented_form_first(index):
    places = hit_places(index.search_hits("dang vien", per_page=50))
    assert places.index((2, 6)) > max(places.index(p) for p in [(1, 3), (2, 2), (4, 2)])


@pytest.mark.parametrize("query, first, second", [
    ("trong sạch", (1, 3), (2, 4)),
    ("trong sách", (2, 4), (1, 3)),
])
def test_exact_form_ranks_first_both_ways(index, query, first, second):
    assert hit_places(index.search_hits(query))[:2] == [first, second]


@pytest.mark.parametrize("query", ["đảng viện", "ĐẢNG VIỆN", "đẳng viên"])
def test_accented_forms_the_library_lacks_still_find_the_folded_ones(index, query):
    places = set(hit_places(index.search_hits(query, per_page=50)))
    assert {(1, 3), (2, 2), (3, 1), (4, 2), (2, 6)} <= places
    assert index.search(query).total == 4


def test_quoted_phrase_with_diacritics_wants_that_form(index):
    assert hit_places(index.search_hits('"trong sạch"')) == [(1, 3)]
    assert set(hit_places(index.search_hits('"trong sach"'))) == {(1, 3), (2, 4)}


def test_either_tone_placement_is_the_same_word(fresh):
    book = library_books()[4]
    book.sections[0].text = "Giữ vững hoà thuận, thuý chung và khoẻ khoắn."
    fresh.index_book(book)
    for query in ['"hòa thuận"', '"hoà thuận"', "hoa thuan", "thúy chung", "khỏe khoắn"]:
        hits = fresh.search_hits(query).hits
        assert [(h.book_id, h.position) for h in hits] == [(5, 1)], query
    assert "<mark>hoà thuận</mark>" in fresh.search_hits("hòa thuận").hits[0].snippet


def test_adjacent_syllables_rank_above_the_same_words_apart(index):
    # chapter 2 holds tự, diễn, biến far apart; chapter 3 holds "tự diễn" and "diễn biến" apart
    unquoted = index.search_hits("tự diễn biến", per_page=50)
    assert not unquoted.scattered
    places = hit_places(unquoted)
    assert places[0] == (1, 5) and {(3, 2), (3, 3)} <= set(places)
    assert places.index((1, 5)) < min(places.index((3, 2)), places.index((3, 3)))
    assert hit_places(index.search_hits('"tự diễn biến"')) == [(1, 5)]
    apart = index.search_hits("tự học biến đổi diễn giải")
    assert apart.scattered and hit_places(apart) == [(3, 2)]
    assert index.search_hits('"tự học biến đổi"').total == 0


def test_many_phrase_candidates_are_checked_when_shown(tmp_path):
    rng = random.Random(5)
    together = [SectionText(n, page(rng, "chống tự diễn biến"), page=n) for n in range(1, 361)]
    apart = [SectionText(n, page(rng, "tự diễn tập, rồi diễn biến"), page=n) for n in range(361, 421)]
    search_index = SearchIndex(str(tmp_path / "index"))
    search_index.index_book(BookDocument(1, "Sổ tay", [], "chi-bo-dien-tu", 2020, "application/pdf",
                                         None, together + apart))
    results = search_index.search_hits('"tự diễn biến"', per_page=100)
    assert all(h.position <= 360 for h in results.hits) and len(results.hits) == 100
    assert results.total == 360 and not results.total_is_estimate
    search_index.close()


def test_title_match_ranks_its_book_first(index):
    results = index.search("ky luat")
    assert [b.book_id for b in results.books][:2] == [5, 6]
    assert results.books[0].title_matched and not results.books[1].title_matched
    assert "<mark>Kỷ luật</mark>" in results.books[0].title_html
    hits = index.search_hits("kỷ luật")
    assert hits.hits[0].position is None and hits.hits[0].page is None
    assert hits.hits[0].chapter is None and hits.hits[0].book_id == 5


def test_author_match_ranks_first_and_is_flagged(index):
    results = index.search("hồ chí minh")
    assert results.books[0].book_id == 4
    assert results.books[0].author_matched and not results.books[0].title_matched


def test_books_carry_their_best_locations_with_snippets(index):
    book = next(b for b in index.search("đảng viên").books if b.book_id == 2)
    assert [loc.page for loc in book.locations] == [2, 6]
    snippet = book.locations[0].snippet
    assert "<mark>đảng viên</mark>" in snippet and "&lt;học tập&gt; &amp;" in snippet
    assert len(snippet) < 400


def test_a_long_chapter_is_one_hit_and_one_location(index):
    results = index.search_hits("đảng viên", per_page=50)
    assert hit_places(results).count((3, 1)) == 1
    assert results.total == len(results.hits)
    epub = next(b for b in index.search("đảng viên").books if b.book_id == 3)
    assert [(loc.position, loc.chapter) for loc in epub.locations] == [(1, "Chương 1: Rèn luyện")]


def test_minus_excludes_pages(index):
    places = hit_places(index.search_hits("đảng viên -trong", per_page=50))
    assert (1, 3) not in places and (2, 2) in places
    assert index.search_hits('đảng viên -"trong sạch"', per_page=50).total == \
        index.search_hits("đảng viên", per_page=50).total - 1


def test_filters_and_facets(index):
    results = index.search("dang vien", shelf="chi-bo-dien-tu")
    assert [b.book_id for b in results.books] == [1]
    assert results.unfiltered_total == 4
    shelves = {f.value: (f.count, f.selected) for f in results.facets.shelf}
    assert shelves == {"chi-bo-dien-tu": (1, True), "bao-ve-nen-tang-tu-tuong": (1, False),
                       "hoc-tap-lam-theo-bac": (2, False)}
    assert {f.value: f.count for f in results.facets.year} == {"2021": 1}
    assert [b.book_id for b in index.search("dang vien", year=2021).books] == [1, 3]
    assert [b.book_id for b in index.search("dang vien", author="hồ chí minh").books] == [4]
    # no filter: every matching book counted in each facet, nothing selected
    whole = index.search("dang vien").facets
    assert {f.value: (f.count, f.selected) for f in whole.shelf} == {
        "chi-bo-dien-tu": (1, False), "bao-ve-nen-tang-tu-tuong": (1, False),
        "hoc-tap-lam-theo-bac": (2, False)}
    assert not any(f.selected for f in whole.year + whole.author)
    by_author = index.search("dang vien", author="hồ chí minh").facets
    assert [f.value for f in by_author.author if f.selected] == ["Hồ Chí Minh"]
    assert sum(f.count for f in by_author.shelf) == 1  # the other facets: that author's book
    newest = index.search("dang vien", sort="newest")
    assert [b.book_id for b in newest.books] == [4, 3, 2, 1]
    assert {h.shelf for h in index.search_hits("dang vien", shelf="chi-bo-dien-tu").hits} == {"chi-bo-dien-tu"}


def test_pagination(index):
    first, second = (index.search_hits("kỷ luật", per_page=4, page=n) for n in (1, 2))
    assert first.total == second.total == 7
    assert len(first.hits) == 4 and len(second.hits) == 3
    assert not set(hit_places(first)) & set(hit_places(second))
    books = index.search("dang vien", per_page=3, page=2)
    assert books.total == 4 and len(books.books) == 1 and books.pages == 2


# Help with the query

@pytest.mark.parametrize("query, expected", [
    ("dang vein", "đảng viên"), ("dnag vien", "đảng viên"), ("ky luta", "kỷ luật"),
])
def test_suggestion_from_the_vocabulary(index, query, expected):
    results = index.search(query)
    assert results.total == 0 and results.suggestion == expected


def test_no_suggestion_when_found(index):
    assert index.search("đảng viên").suggestion is None


@pytest.mark.parametrize("typed, book_id", [
    ("so tay d", 1), ("Sổ tay đảng", 1), ("di ch", 4), ("nguyen van", 2), ("ky", 5),
])
def test_typeahead(index, typed, book_id):
    found = index.suggest(typed)
    assert found[0]["book_id"] == book_id
    assert set(found[0]) == {"book_id", "title", "authors"}


def test_typeahead_of_nothing(index):
    assert index.suggest("") == [] and index.suggest("?!") == [] and index.suggest("zzzz") == []


# Hostile input

HOSTILE = ["*", "??????", "content:[a TO z]", "title:x^100", "a" * 100_000,
           "đảng\x00viên", " OR ".join(["đảng"] * 3000), '"đảng viên', 'đảng "viên" "',
           "(((", "\ud800", "-", "- -", "AND OR NOT", "~~2", "đảng~2 viên^3", "<script>"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_quickly(index, query):
    started = time.perf_counter()
    for method in (index.search, index.search_hits):
        try:
            method(query)
        except QueryError as error:
            assert error.message and isinstance(error, ValueError)
    assert time.perf_counter() - started < 3


def test_random_queries_never_fail(index):
    rng = random.Random(1)
    junk = ['"', "-", "*", "?", ":", "(", "^2", "~", "OR", "\x00", ",", "."]
    for _ in range(300):
        words = []
        for word in rng.choices(FILLER + PLANTED, k=rng.randint(1, 6)):
            word = rng.choice([word, fold(word), word.upper(), nfd(word)])
            words.append(rng.choice(["", "", "", *junk]) + word + rng.choice(["", "", *junk]))
        query = " ".join(words)
        try:
            index.search(query, shelf=rng.choice([None, "chi-bo-dien-tu"]),
                         sort=rng.choice(["relevance", "newest"]), page=rng.randint(1, 3))
            index.search_hits(query, page=rng.randint(1, 3), per_page=rng.randint(1, 30))
        except QueryError:
            pass
        index.suggest(query)


@pytest.mark.parametrize("query", ["", "   ", "*", "??????", "-đảng", "(((", None])
def test_nothing_to_search_is_a_query_error(index, query):
    with pytest.raises(QueryError):
        index.search(query)


def test_long_queries_are_cut(index):
    results = index.search(" ".join(["đảng viên"] * 100))
    assert results.truncated and len(results.query.split()) <= 30


# Writing

def test_remove_book(fresh):
    fresh.remove_book(1)
    assert 1 not in fresh.indexed_book_ids()
    assert all(h.book_id != 1 for h in fresh.search_hits("đảng viên", per_page=50).hits)


def test_index_book_replaces_its_documents(fresh):
    before = fresh.doc_count()
    book = library_books()[0]
    book.title = "Cẩm nang mới"
    fresh.index_book(book)
    assert fresh.doc_count() == before
    assert fresh.search("cẩm nang").books[0].book_id == 1
    assert fresh.search("sổ tay").total == 0


def summary(search_index):
    queries = ["dang vien", "trong sạch", '"tự diễn biến"', "kỷ luật", "hồ chí minh"]
    return [(hit_places(search_index.search_hits(q, per_page=50)),
             [(b.book_id, [loc.position for loc in b.locations]) for b in search_index.search(q).books])
            for q in queries]


@pytest.mark.parametrize("procs", [1, 2])
def test_rebuild_gives_identical_results(index, fresh, procs):
    expected = summary(index)
    fresh.remove_book(2)
    progress = []
    assert fresh.rebuild(library_books(), progress=progress.append, procs=procs) == 6
    assert progress[-1] == 6
    assert summary(fresh) == expected
    assert fresh.indexed_book_ids() == {1, 2, 3, 4, 5, 6}


def test_failed_write_is_cancelled_and_releases_the_lock(fresh):
    def broken():
        yield library_books()[0]
        raise RuntimeError("extraction lost")

    with pytest.raises(RuntimeError):
        fresh.index_books(broken())
    fresh.remove_book(6)  # would wait and fail if the lock were still held
    assert 6 not in fresh.indexed_book_ids()


def test_failed_rebuild_keeps_the_old_index_and_stops_its_workers(fresh):
    def broken():
        yield from library_books()[:2]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        fresh.rebuild(broken(), procs=2)
    assert multiprocessing.active_children() == []
    assert fresh.indexed_book_ids() == {1, 2, 3, 4, 5, 6}
    fresh.remove_book(6)  # the lock was released
    assert 6 not in fresh.indexed_book_ids()


def test_a_second_writer_waits_for_the_lock_then_reports_busy(fresh):
    holder = fresh.store.writer()
    other = SearchIndex(fresh.index_dir, write_timeout=0.3)
    try:
        started = time.perf_counter()
        with pytest.raises(IndexBusy):
            other.remove_book(1)
        assert time.perf_counter() - started >= 0.3
        assert fresh.search("đảng viên").total == 4  # reading goes on
    finally:
        holder.cancel()
    other.remove_book(1)
    assert 1 not in fresh.indexed_book_ids()
    other.close()


def test_searches_answer_while_a_writer_commits(fresh):
    errors, stop = [], threading.Event()

    def searching():
        while not stop.is_set():
            try:
                assert fresh.search("đảng viên").total >= 3
                fresh.search_hits("kỷ luật")
            except Exception as error:  # collected for the main thread
                errors.append(error)
            time.sleep(0.005)  # leave the writer some of the GIL

    threads = [threading.Thread(target=searching) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for book in library_books()[:4]:
            fresh.index_book(book)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []


def test_whole_posting_lists_agree_with_whoosh(tmp_path):
    """Several blocks of postings, two segments, deleted documents."""
    from whoosh.query import Term

    search_index = SearchIndex(str(tmp_path / "index"))
    sections = [SectionText(n, f"Đảng viên thứ {n}, chi bộ {n % 7}.", page=n) for n in range(1, 1201)]
    search_index.index_books([BookDocument(b, f"Sách {b}", [], "chi-bo-dien-tu", 2020, "pdf",
                                           None, sections) for b in (1, 2)])
    search_index.index_book(BookDocument(3, "Sách 3", [], "chi-bo-dien-tu", 2021, "pdf", None,
                                         sections[:50]))
    search_index.remove_book(1)
    snapshot = search_index.store.snapshot()
    for field, term in [("folded", "dang"), ("pairs", "dang vien"), ("exact", "bộ"), ("folded", "3")]:
        expected = sorted(snapshot.searcher.docs_for_query(Term(field, term)))
        assert list(snapshot.postings(field, term).ids) == expected
    assert search_index.search_hits("đảng viên").total == 1250
    search_index.close()


def test_missing_index_is_created_empty(tmp_path):
    search_index = SearchIndex(str(tmp_path / "nowhere" / "index"))
    assert search_index.is_healthy()
    assert search_index.search("đảng viên").total == 0
    assert search_index.indexed_book_ids() == set() and search_index.doc_count() == 0


def test_corrupt_index_is_unavailable_until_rebuilt(fresh):
    fresh.close()
    path = fresh.index_dir
    for toc in __import__("pathlib").Path(path).glob("*.toc"):
        toc.write_bytes(b"not a table of contents")
    broken = SearchIndex(path)
    assert not broken.is_healthy()
    with pytest.raises(SearchUnavailable):
        broken.search("đảng viên")
    assert broken.rebuild(library_books()[:1], procs=1) == 1
    assert broken.is_healthy() and broken.indexed_book_ids() == {1}


def test_deleted_index_directory_is_unavailable_not_a_crash(fresh):
    fresh.search("đảng viên")
    shutil.rmtree(fresh.index_dir)
    with pytest.raises(SearchUnavailable):
        fresh.search_hits("đảng viên")
