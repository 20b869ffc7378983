"""Where tesseract's word confidence separates text from junk: the figures behind
library.ocr.text's thresholds.

    python bench/ocr_confidence.py [--corpus ../shared/corpus] [--pages 3]

Reads, with the project's own recognition step (library.ocr.worker.recognise: the same
rendering, model, page segmentation and TSV), three kinds of page and prints each page's
words, mean word confidence, and the share of its words at or above a few cut-offs:

- real text: generated scans of known Vietnamese text (library.demo.scans) at 150, 200 and
  300 dpi, and the corpus's image-only PDFs that hold printed text;
- pictures: the corpus's manga EPUB (haruko-jpeg, pages of drawings) and generated pictures
  without text (noise, shapes);

and how many of the planted text's words each cut-off would lose.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CUTS = (20, 30, 40, 50, 60)
# Corpus PDFs without a text layer whose pages are pictures of printed text (MANIFEST.tsv).
CORPUS_SCANS = ("pdf/pypdf-samples/imagemagick-CCITTFaxDecode.pdf", "pdf/pdfminer/pdf-with-jbig2.pdf",
                "pdf/pypdf-samples/imagemagick-images.pdf", "pdf/pypdf-samples/imagemagick-lzw.pdf",
                "pdf/pypdf-samples/imagemagick-ASCII85Decode.pdf", "pdf/pdfminer/issue-1057-tiff-predictor.pdf")
MANGA = "epub/idpf-epub3/haruko-jpeg.epub"


def read(path: str, number: int, member: str | None = None) -> list[tuple[float, float]]:
    """(word confidence, its line's mean) for each word tesseract read on the page."""
    from library.ocr.worker import recognise

    with tempfile.TemporaryDirectory() as out:
        answer = recognise(path, number, 300, "vie", out, 40_000_000, member)
    if "error" in answer:
        return []
    return [(c, line["conf"]) for line in answer["lines"] for c in line["confs"]]


def show(kind: str, name: str, read_words: list[tuple[float, float]], rows: list) -> None:
    if not read_words:
        print(f"{kind:8} {name:48} no words")
        return
    confs = [c for c, _ in read_words]
    shares = " ".join(f"{sum(c >= cut for c in confs) / len(confs):5.0%}" for cut in CUTS)
    print(f"{kind:8} {name:48} {len(confs):5d} {statistics.mean(confs):6.1f} {statistics.median(confs):6.1f}  {shares}")
    rows.append((kind, read_words))


def generated_text(pages: int, rows: list, folder: Path) -> None:
    from library.demo import text
    from library.demo.scans import ScanStyle, write_scanned_book

    rng = random.Random(7)
    content = [text.paragraphs(rng, 4) for _ in range(pages)]
    for dpi in (150, 200, 300):
        path = folder / f"scan-{dpi}.pdf"
        write_scanned_book(path, content, ScanStyle(dpi=dpi))
        for n in range(1, pages + 1):
            show("text", f"generated scan {dpi} dpi p{n}", read(str(path), n), rows)


def generated_pictures(rows: list, folder: Path) -> None:
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(3)
    noise = Image.effect_noise((1240, 1754), 80).convert("L")
    shapes = Image.new("L", (1240, 1754), 235)
    draw = ImageDraw.Draw(shapes)
    for _ in range(160):  # strokes and blobs like a drawing: what a comic page has besides words
        x, y = rng.randrange(1240), rng.randrange(1754)
        if rng.random() < .5:
            draw.line((x, y, x + rng.randrange(-300, 300), y + rng.randrange(-300, 300)), fill=rng.randrange(0, 120),
                      width=rng.randrange(2, 12))
        else:
            draw.ellipse((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), outline=20, width=4)
    for name, image in (("noise", noise), ("shapes", shapes.filter(ImageFilter.GaussianBlur(1)))):
        path = folder / f"{name}.pdf"
        image.save(path, "PDF", resolution=150.0)
        show("picture", f"generated {name}", read(str(path), 1), rows)


def corpus(root: Path, rows: list) -> None:
    import pypdf

    from library.extraction.epub import extract_epub

    for relative in CORPUS_SCANS:
        path = root / relative
        if not path.is_file():
            continue
        for n in range(1, len(pypdf.PdfReader(path).pages) + 1):
            show("scan?", f"{relative.rsplit('/', 1)[-1]} p{n}", read(str(path), n), rows)
    manga = root / MANGA
    if manga.is_file():
        book = extract_epub(manga)
        for position in book.scanned_pages:
            href = book.sections[position - 1].href
            show("picture", f"haruko-jpeg p{position}", read(str(manga), position, href), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=os.environ.get("LIBRARY_CORPUS", str(HERE.parent.parent / "shared" / "corpus")))
    parser.add_argument("--pages", type=int, default=3)
    args = parser.parse_args()
    rows: list = []
    print(f"cut-offs: {CUTS}")
    print(f"{'kind':8} {'page':48} {'words':>5} {'mean':>6} {'median':>6}  " + " ".join(f"≥{c:<4}" for c in CUTS))
    with tempfile.TemporaryDirectory() as folder:
        generated_text(args.pages, rows, Path(folder))
        generated_pictures(rows, Path(folder))
        corpus(Path(args.corpus), rows)
    for kind in ("text", "picture"):
        read_words = [w for k, ws in rows if k == kind for w in ws]
        if read_words:
            words = " ".join(f"{sum(c < cut for c, _ in read_words) / len(read_words):5.1%}" for cut in CUTS)
            lines = " ".join(f"{sum(m < cut for _, m in read_words) / len(read_words):5.1%}" for cut in CUTS)
            print(f"all {kind}: {len(read_words)} words; share of words below each cut-off: {words}")
            print(f"{'':>{len(kind) + 5}} share of words on lines whose mean is below it: {lines}")


if __name__ == "__main__":
    main()
