"""Generates the benchmark library: ~200 Vietnamese titles, ~50,000 pages of PDF and EPUB, plus manifest.csv.

    python bench/make_library.py [--titles 200] [--pages 50000] [--out bench/out/library] [--seed 2025]

Files go flat into --out, named NNN-<slug>.pdf|.epub, beside manifest.csv (the librarian's
sheet) and plan.json (pages, format and searchability per file). The same flags always
write the same bytes. PDFs are typeset A5 pages of ~2,000 characters; an EPUB of N
"pages" carries the same amount of text split into chapters of 4-14 page-equivalents.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from library.demo.catalog import SHELVES, DemoBook, write_book, write_manifest_csv  # noqa: E402
from library.vietnamese import fold  # noqa: E402

SHELF_SHARE = {"bao-ve-nen-tang-tu-tuong": 70, "hoc-tap-lam-theo-bac": 80, "chi-bo-dien-tu": 50}
TOPICS = {
    "bao-ve-nen-tang-tu-tuong": [
        "bảo vệ nền tảng tư tưởng của Đảng", "đấu tranh phản bác các quan điểm sai trái, thù địch",
        "phòng, chống “tự diễn biến”, “tự chuyển hóa”", "công tác tư tưởng ở cơ sở",
        "bản lĩnh chính trị của cán bộ, đảng viên", "thông tin trên không gian mạng",
        "chủ nghĩa Mác – Lênin trong thời đại mới", "định hướng dư luận xã hội",
        "ngăn chặn suy thoái về tư tưởng chính trị",
    ],
    "hoc-tap-lam-theo-bac": [
        "tư tưởng, đạo đức, phong cách Hồ Chí Minh", "đạo đức cách mạng", "phong cách làm việc Hồ Chí Minh",
        "tấm gương đạo đức của Bác", "học tập và làm theo Bác", "cần, kiệm, liêm, chính, chí công vô tư",
        "ý thức tôn trọng nhân dân", "tinh thần tự lực, tự cường", "trách nhiệm nêu gương",
    ],
    "chi-bo-dien-tu": [
        "sinh hoạt chi bộ", "chi bộ điện tử", "nghiệp vụ công tác đảng", "kết nạp đảng viên",
        "đánh giá, xếp loại đảng viên", "chuyển đổi số trong công tác đảng",
        "an toàn thông tin khi họp trực tuyến", "hồ sơ đảng viên điện tử", "kiểm tra, giám sát trong chi bộ",
    ],
}
FORMS = ["Sổ tay {t}", "Hỏi – đáp về {t}", "Tài liệu bồi dưỡng về {t}", "Tuyển tập bài viết về {t}",
         "Chuyên đề {t}", "Một số vấn đề về {t}", "{T}: lý luận và thực tiễn", "{T} trong tình hình mới",
         "Văn kiện và tư liệu về {t}", "{T}: kinh nghiệm từ cơ sở"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Quốc", "Thu", "Đức", "Thanh", "Ngọc", "Hữu"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hạnh", "Hương", "Khánh", "Lâm", "Mai", "Nghĩa", "Oanh",
         "Phúc", "Quân", "Sơn", "Trang", "Tuấn", "Thủy", "Yến", "Long"]
INSTITUTIONS = ["Ban Tuyên giáo Đảng ủy Khối", "Ban Tổ chức Đảng ủy Khối", "Ủy ban Kiểm tra Đảng ủy Khối",
                "Văn phòng Đảng ủy Khối", "Hội đồng biên soạn", "Trung tâm Bồi dưỡng chính trị"]
PUBLISHERS = ["Nhà xuất bản Thông tin Cơ sở", "Nhà xuất bản Tư liệu Học tập", "Tủ sách Sinh hoạt Chi bộ"]
SCANNED_MAX_PAGES = 40  # picture pages are slow to draw and heavy: keep the scanned ones short


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    return slug if len(slug) <= 60 else slug[:61].rsplit("-", 1)[0]


def split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that add up to total (largest remainders)."""
    raw = [total * w / sum(weights) for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


def page_counts(rng: random.Random, n: int, total: int, lo: int, hi: int) -> list[int]:
    """n sizes between lo and hi, most of them short, adding up to total when the bounds allow."""
    raw = [rng.triangular(lo, hi, lo + (hi - lo) * 0.15) for _ in range(n)]
    scale = total / sum(raw)
    sizes = [min(hi, max(lo, round(r * scale))) for r in raw]
    for _ in range(20 * n):  # spread what rounding and clamping left over
        gap = total - sum(sizes)
        if gap == 0:
            break
        room = [i for i, s in enumerate(sizes) if (s < hi if gap > 0 else s > lo)]
        if not room:
            break
        step = max(1, abs(gap) // len(room))
        for i in room[: abs(gap)]:
            sizes[i] = min(hi, max(lo, sizes[i] + (step if gap > 0 else -step)))
    return sizes


def plan(titles: int, pages: int, seed: int, epub_share: float = 0.2,
         scanned: int | None = None) -> list[DemoBook]:
    rng = random.Random(seed)
    scanned = round(titles * 0.02) if scanned is None else scanned
    shelves = list(SHELF_SHARE)
    per_shelf = split(titles, [SHELF_SHARE[s] for s in shelves])
    shelf_of = [s for s, n in zip(shelves, per_shelf) for _ in range(n)]
    rng.shuffle(shelf_of)
    n_epub = round(titles * epub_share)
    kinds = ["epub"] * n_epub + ["pdf"] * (titles - n_epub)
    rng.shuffle(kinds)
    pdf_slots = [i for i, k in enumerate(kinds) if k == "pdf"]
    for i in rng.sample(pdf_slots, min(scanned, len(pdf_slots))):
        kinds[i] = "scan"
    average = pages / max(1, titles)
    lo, hi = max(1, min(50, round(average / 2))), max(600, round(average * 2))
    scan_pages = [min(SCANNED_MAX_PAGES, max(1, round(average))) for k in kinds if k == "scan"]
    sizes = iter(page_counts(rng, titles - len(scan_pages), max(0, pages - sum(scan_pages)), lo, hi))
    scan_sizes = iter(scan_pages)
    used: dict[str, set[str]] = {s: set() for s in shelves}
    books = []
    for number, (shelf, kind) in enumerate(zip(shelf_of, kinds), start=1):
        title = _title(rng, shelf, used[shelf])
        people = [f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                  for _ in range(rng.choice([0, 1, 1, 2]))]
        authors = people if people and rng.random() < 0.7 else [rng.choice(INSTITUTIONS), *people]
        size = next(scan_sizes) if kind == "scan" else next(sizes)
        about = f"Tài liệu tham khảo về {rng.choice(TOPICS[shelf])}, dành cho cán bộ, đảng viên."
        books.append(DemoBook(
            slug=f"{number:03d}-{slugify(title)}", shelf=shelf, kind=kind, pages=size,
            year=rng.randint(2015, 2025), title=title, authors=tuple(authors),
            publisher=rng.choice(PUBLISHERS), about=about, new_style_tones=rng.random() < 0.15,
            chapter_pages=(4, 14),
        ))
    return books


def _title(rng: random.Random, shelf: str, used: set[str]) -> str:
    for attempt in range(1000):
        topic = rng.choice(TOPICS[shelf])
        title = rng.choice(FORMS).format(t=topic, T=topic[:1].upper() + topic[1:])
        if attempt > 50:
            title = f"{title} – Tập {rng.randint(2, 9)}"
        if title not in used:
            used.add(title)
            return title
    raise RuntimeError("ran out of distinct titles")


def _write(job: tuple[DemoBook, str]):
    book, out = job
    start = time.perf_counter()
    written = write_book(book, out)
    return written, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=200)
    parser.add_argument("--pages", type=int, default=50_000, help="total pages (EPUB: page-equivalents)")
    parser.add_argument("--out", default=str(HERE / "out" / "library"))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--epub-share", type=float, default=0.2, help="share of EPUB titles")
    parser.add_argument("--scanned", type=int, default=None,
                        help="picture-only PDFs without a text layer (default: 2%% of the titles)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    books = plan(args.titles, args.pages, args.seed, args.epub_share, args.scanned)
    names = {b.filename for b in books}
    if (out / "manifest.csv").exists():  # a folder this script wrote before: drop what is not planned now
        for stale in out.iterdir():
            if stale.suffix in (".pdf", ".epub") and stale.name not in names:
                stale.unlink()
    jobs = [(b, str(out)) for b in sorted(books, key=lambda b: -b.pages)]  # longest first
    done: dict[str, object] = {}
    with multiprocessing.Pool(max(1, args.workers)) as pool:
        for n, (written, seconds) in enumerate(pool.imap_unordered(_write, jobs), start=1):
            done[written.path.name] = written
            if n % 20 == 0 or n == len(jobs):
                print(f"  {n}/{len(jobs)} files, {time.perf_counter() - started:6.1f} s", flush=True)
    files = [done[b.filename] for b in books]
    write_manifest_csv(files, out / "manifest.csv")
    (out / "plan.json").write_text(json.dumps([
        {"file": b.filename, "shelf": b.shelf, "format": "epub" if b.kind == "epub" else "pdf",
         "searchable": b.kind != "scan", "pages": b.pages, "pdf_pages": f.pages if b.kind != "epub" else None,
         "chapters": f.pages if b.kind == "epub" else None}
        for b, f in zip(books, files)
    ], ensure_ascii=False, indent=1), encoding="utf-8")
    _report(books, files, out, time.perf_counter() - started, args.workers)


def _report(books, files, out: Path, elapsed: float, workers: int) -> None:
    size = sum(f.path.stat().st_size for f in files)
    print(f"Wrote {len(files)} titles to {out} in {elapsed:.1f} s with {workers} worker(s), "
          f"{size / 1e6:.1f} MB")
    for shelf in SHELF_SHARE:
        mine = [b for b in books if b.shelf == shelf]
        counts = {k: sum(b.kind == k for b in mine) for k in ("pdf", "scan", "epub")}
        print(f"  {shelf:26s} {len(mine):4d} titles: {counts['pdf']} PDF, {counts['scan']} scanned PDF, "
              f"{counts['epub']} EPUB; {sum(b.pages for b in mine)} pages")
    pdf_pages = sum(b.pages for b in books if b.kind != "epub")
    epub_pages = sum(b.pages for b in books if b.kind == "epub")
    chapters = sum(f.pages for b, f in zip(books, files) if b.kind == "epub")
    print(f"  pages: {pdf_pages} in PDFs (+1 title page each), {epub_pages} page-equivalents in "
          f"{chapters} EPUB chapters; {(pdf_pages + epub_pages) / elapsed:.0f} pages/s")
    print(f"  manifest: {out / 'manifest.csv'}")


if __name__ == "__main__":
    main()
