"""Every file of the third-party corpus either imports or is refused with a plain reason, in time."""
import csv
import os
import time
import unicodedata
from pathlib import Path

import pytest

from library.extraction import ExtractedBook, ExtractionError, extract

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LIBRARY_CORPUS", REPO.parent / "shared" / "corpus"))
REPORT = REPO / "test-artifacts" / "corpus-extraction.tsv"
PASSWORD = "Tệp PDF được bảo vệ bằng mật khẩu"
# Folders the corpus README describes as readable (must import) or hostile (must refuse).
MUST_IMPORT = ("pdf/", "epub/", "vietnamese/")
MUST_REFUSE = ("bad/epub-hostile/", "bad/derived-truncated/")


def _rows() -> list[dict]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _rows()
_outcomes: dict[str, tuple[str, float, str]] = {}


@pytest.fixture(scope="module", autouse=True)
def report():
    """Writes test-artifacts/corpus-extraction.tsv: which files import, which are refused, how fast."""
    yield
    if not _outcomes:
        return
    REPORT.parent.mkdir(exist_ok=True)
    with REPORT.open("w", encoding="utf-8") as fh:
        fh.write("path\toutcome\tseconds\tdetail\n")
        for path, (outcome, seconds, detail) in sorted(_outcomes.items()):
            fh.write(f"{path}\t{outcome}\t{seconds:.2f}\t{detail}\n")


@pytest.mark.slow
@pytest.mark.skipif(not ROWS, reason=f"test corpus not found at {CORPUS} (set LIBRARY_CORPUS)")
@pytest.mark.parametrize("row", ROWS, ids=[r["path"] for r in ROWS])
def test_corpus_file_imports_or_is_refused_clearly(row):
    path = row["path"]
    start = time.monotonic()
    try:
        book = extract(CORPUS / path, timeout=60)
    except ExtractionError as exc:
        elapsed = time.monotonic() - start
        _outcomes[path] = ("refused", elapsed, exc.reason)
        assert exc.reason.strip() and "Traceback" not in exc.reason and "Error" not in exc.reason
        assert not path.startswith(MUST_IMPORT), f"readable file refused: {exc.reason}"
        if "user=" in row["password"]:
            assert exc.reason == PASSWORD
    else:
        elapsed = time.monotonic() - start
        _outcomes[path] = ("imported", elapsed, f"{len(book.sections)} sections, searchable={book.searchable}")
        assert isinstance(book, ExtractedBook) and book.sections
        assert not path.startswith(MUST_REFUSE), "hostile or truncated file imported"
        assert "user=" not in row["password"], "a file needing a password imported"
        for section in book.sections:
            assert unicodedata.is_normalized("NFC", section.text) and section.text == section.text.strip()
        assert [s.position for s in book.sections] == list(range(1, len(book.sections) + 1))
        assert all(1 <= t.position <= len(book.sections) for t in book.toc)
    assert elapsed < 60
