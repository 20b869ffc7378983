"""PDF text quality: how many distinctive words are found at their page, before and after the
repairs of library.extraction.pdf_text (glued glyphs, fake bold, labels on their side) and the
second opinion of pypdf.

    python bench/extraction_quality.py [--corpus ../shared/corpus] [--pages 150] [--show 12]

Every PDF of the corpus outside bad/ that pdfium opens, its first --pages pages, pages sent to
recognition left out. A page's reference words are reproducible and owe nothing to either
pipeline measured:
- the runs of four letters or more (split at every character that is not a letter, so glue
  cannot hide a word), lowercase NFC, that pdfium's raw text and pypdf's raw text of that
  page both hold, one of them perhaps with each letter doubled (a glyph drawn twice).
  A word one extractor splits (a hyphenated line end, a label on its side) is no reference.
A word is found when the search index would hold it for that page: it is one of the folded
syllables library.search.analysis.index_terms gives for the page's stored text.

"before" is the text as it was stored until now (pdfium's, control characters dropped,
library.vietnamese.clean_text), measured in the same run as "after" (extract_pdf today).
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pypdfium2 as pdfium  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from library.extraction.pdf import extract_pdf  # noqa: E402
from library.extraction.types import ExtractionError  # noqa: E402
from library.search.analysis import fold_syllable, index_terms  # noqa: E402
from library.vietnamese import clean_text  # noqa: E402

logging.getLogger("pypdf").setLevel(logging.ERROR)
_RUN = re.compile(r"[^\W\d_]+")
MIN_LETTERS = 4


def _runs(text: str) -> set[str]:
    return set(_RUN.findall(unicodedata.normalize("NFC", text or "").lower()))


def _doubled(word: str) -> bool:
    return len(word) % 2 == 0 and word[0::2] == word[1::2]


def reference_words(pdfium_text: str, pypdf_text: str) -> set[str]:
    """Runs of letters both extractors read whole on the page (one may draw each glyph twice)."""
    # pdfium marks a line-end hyphen \x02: a word it joins back, pypdf leaves in two pieces
    mine, other = _runs(pdfium_text.replace("\x02", "")), _runs(pypdf_text)
    mine |= {w[0::2] for w in mine if _doubled(w)}
    other |= {w[0::2] for w in other if _doubled(w)}
    return {w for w in mine & other if len(w) >= MIN_LETTERS and not _doubled(w)}


def found(words: set[str], stored: str) -> set[str]:
    terms = set(index_terms(stored).folded)
    return {w for w in words if fold_syllable(w) in terms}


def measure(corpus: Path, max_pages: int, show: int) -> None:
    files = sorted(p for p in corpus.rglob("*.pdf") if "bad" not in p.relative_to(corpus).parts)
    total = before_found = after_found = pages_seen = changed = 0
    gained, lost = Counter(), Counter()
    per_file = []
    before_time = after_time = 0.0
    for path in files:
        try:
            doc = pdfium.PdfDocument(path)
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted:
                reader.decrypt("")
        except Exception:  # noqa: BLE001 - what pdfium or pypdf cannot open is not measured
            continue
        started = time.perf_counter()
        try:
            book = extract_pdf(path)
        except ExtractionError:
            continue
        after_time += time.perf_counter() - started
        scans = set(book.scanned_pages)
        counts = [0, 0, 0]
        for index in range(min(len(doc), max_pages)):
            if index + 1 in scans:
                continue
            started = time.perf_counter()
            textpage = doc[index].get_textpage()
            raw = textpage.get_text_bounded()
            before = clean_text(raw.replace("\x02", "")).strip()
            before_time += time.perf_counter() - started
            try:
                other = reader.pages[index].extract_text() or ""
            except Exception:  # noqa: BLE001
                other = ""
            changed += before != book.sections[index].text
            words = reference_words(raw, other)
            if not words:
                continue
            pages_seen += 1
            old, new = found(words, before), found(words, book.sections[index].text)
            counts[0] += len(words)
            counts[1] += len(old)
            counts[2] += len(new)
            for word in new - old:
                gained[f"{word} ({path.name} p{index + 1})"] += 1
            for word in old - new:
                lost[f"{word} ({path.name} p{index + 1})"] += 1
        doc.close()
        total += counts[0]
        before_found += counts[1]
        after_found += counts[2]
        if counts[1] != counts[2]:
            per_file.append((path.relative_to(corpus), *counts))

    def share(n: int) -> str:
        return f"{n:,} ({100 * n / total:.2f} %)" if total else "0"

    print(f"corpus: {corpus} — {len(files)} PDFs, {pages_seen:,} pages with reference words")
    print(f"pages whose stored text the repairs changed: {changed:,}")
    print(f"reference words (page, word): {total:,}")
    print(f"found at their page, before (pdfium as stored until now): {share(before_found)}")
    print(f"found at their page, after (repairs + pypdf's second opinion): {share(after_found)}")
    print(f"time: pdfium text alone {before_time:.1f} s; whole extract_pdf today {after_time:.1f} s "
          f"(with metadata, outline, cover, recognition check)")
    print("files that changed (reference words, found before, found after):")
    for name, words, old, new in per_file:
        print(f"  {name}: {words} / {old} -> {new}")
    print(f"words gained ({sum(gained.values())}), first {show}: " + ", ".join(list(gained)[:show]))
    print(f"words lost ({sum(lost.values())}): " + (", ".join(list(lost)[:show]) or "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.environ.get(
        "LIBRARY_CORPUS", str(HERE.parent.parent / "shared" / "corpus")))
    parser.add_argument("--pages", type=int, default=150, help="pages measured per file, at most")
    parser.add_argument("--show", type=int, default=12, help="words gained and lost shown")
    args = parser.parse_args()
    measure(Path(args.corpus), args.pages, args.show)


if __name__ == "__main__":
    main()
