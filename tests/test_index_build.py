"""An index build whose postings outgrow the writer's memory budget writes them to run files
and merges them: the index is the same, file for file, as one built in memory."""
import random
from datetime import datetime
from pathlib import Path

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import StructFile

from library.search import BookDocument, SearchIndex, SectionText, building
from tests.test_search_engine import filler


def books() -> list[BookDocument]:
    rng = random.Random(11)

    def text(book_id: int, page: int) -> str:
        return filler(rng, 1200) + f" Trang {book_id}-{page}, mục {rng.randint(1, 999)}."

    return [BookDocument(book_id, f"Tài liệu sinh hoạt số {book_id}", ["Ban Tuyên giáo"],
                         "chi-bo-dien-tu", 2020, "application/pdf", datetime(2024, 1, book_id),
                         [SectionText(n, text(book_id, n), page=n) for n in range(1, 16)])
            for book_id in range(1, 9)]


def segment_parts(folder: Path) -> dict[str, bytes]:
    """Every file inside the index's one segment, by kind (segment names are random)."""
    (segment,) = folder.glob("*.seg")
    with open(segment, "rb") as fh:
        storage = CompoundStorage(StructFile(fh), use_mmap=False)
        return {name.split(".", 1)[1]: storage.open_file(name).read() for name in storage.list()}


def build(folder: Path, pool_bytes: int, monkeypatch) -> SearchIndex:
    monkeypatch.setattr(building, "POOL_BYTES", pool_bytes)
    spills = []
    real_spill = building.TermPool._spill
    monkeypatch.setattr(building.TermPool, "_spill",
                        lambda pool: spills.append(1) or real_spill(pool))
    index = SearchIndex(str(folder))
    assert index.rebuild(books(), procs=1) == 8
    index.spills = len(spills)
    return index


@pytest.mark.parametrize("pool_bytes", [60_000, 2_000_000])
def test_an_index_built_through_run_files_is_the_one_built_in_memory(tmp_path, monkeypatch,
                                                                      pool_bytes):
    in_memory = build(tmp_path / "memory", 1 << 40, monkeypatch)
    spilled = build(tmp_path / "spilled", pool_bytes, monkeypatch)
    assert in_memory.spills == 0 and spilled.spills > 0
    assert segment_parts(tmp_path / "spilled") == segment_parts(tmp_path / "memory")
    phrase = '"' + " ".join(books()[2].sections[4].text.split()[3:6]).strip(".") + '"'
    for words in ("nhân dân", phrase, "trang 3-7", "tai lieu sinh hoat"):
        assert spilled.search_hits(words).total == in_memory.search_hits(words).total > 0
    in_memory.close()
    spilled.close()


def test_postings_merged_out_of_order_come_out_in_order(tmp_path):
    """Segment merges add postings one by one, a term's documents not always ascending."""
    from library.search.layout import make_schema

    pool = building.TermPool(make_schema(), limit_bytes=100)  # a run file every few postings
    for docnum in (5, 2, 9, 1, 7):
        pool.add(("folded", b"dang", docnum, 1, None))
        pool.add(("folded", b"vien", docnum, 2, None))
    runs = list(pool.runs())
    assert [(field, term, ids) for field, term, ids, _, _ in runs] == [
        ("folded", b"dang", [1, 2, 5, 7, 9]), ("folded", b"vien", [1, 2, 5, 7, 9])]
    assert runs[1][3] == [2] * 5
    pool.cleanup()
