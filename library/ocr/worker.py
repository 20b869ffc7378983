"""The recognition child process: limits itself, renders one PDF page (or decodes an EPUB's
picture page), runs tesseract on it.

Started by library.ocr.sandbox with a bare `library` package (no Flask, no database).
Prints one JSON object on stdout: the page's recognised lines with their confidence and
place, or {"error": reason}. The text-only PDF page tesseract writes (the invisible text
layer of the reader copy) is left in the output folder the parent gave.
"""
import csv
import io
import os
import subprocess
import sys

from library import child
from library.translatable import N_, stored

MEMORY = N_("Trang cần quá nhiều bộ nhớ để nhận dạng")
GENERIC = N_("Không nhận dạng được trang này")
HUGE_PAGE = N_("Trang có kích thước bất thường ({width} × {height} điểm), không nhận dạng")
HUGE_IMAGE = N_("Ảnh trong trang quá lớn ({pixels} điểm ảnh, có thể là bom giải nén), không nhận dạng")
NO_TESSERACT = N_("Chưa cài tesseract (gói tesseract-ocr, tesseract-ocr-vie)")
LAYER_FILE = "layer"           # tesseract adds ".pdf" and ".tsv"
MIN_DPI = 100
MAX_SIDE = 30_000              # leptonica's own limit on an image side is 32,767
MAX_IMAGE_PIXELS = 300_000_000  # one embedded picture decoded at full size: 300 MP is ~1 GB of RGB


def _die_with_parent() -> None:
    """Linux: SIGKILL when the parent goes (a worker killed with -9 leaves no page running)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    _die_with_parent()
    child.limit(memory_mb, cpu_seconds)
    try:
        os.nice(10)  # web requests first: recognition takes the cores they leave
    except OSError:
        pass


def render_size(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> int | None:
    """The resolution to render at: `dpi`, lowered to keep within `max_pixels`; None when
    even MIN_DPI would not fit (a page of absurd dimensions)."""
    if width_pt <= 0 or height_pt <= 0:
        return None
    for candidate in range(dpi, MIN_DPI - 1, -25):
        w, h = width_pt * candidate / 72, height_pt * candidate / 72
        if w * h <= max_pixels and max(w, h) <= MAX_SIDE:
            return candidate
    return None


def _largest_image(page) -> tuple[int, float | None]:
    """(pixels of the largest picture, its resolution on the page in dpi, or None)."""
    import pypdfium2.raw as pdfium_c

    largest, resolution = 0, None
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        try:
            w, h = obj.get_px_size()
            left, bottom, right, top = obj.get_bounds()
        except Exception:  # noqa: BLE001 - an unreadable picture is judged by rendering
            continue
        if int(w) * int(h) > largest:
            largest = int(w) * int(h)
            extent = max(right - left, top - bottom) / 72
            resolution = max(int(w), int(h)) / extent if extent > 0 else None
    return largest, resolution


def scan_resolution(dpi: int, native: float | None) -> int:
    """A scan is read at its own resolution: rendering a 200 dpi picture at 300 dpi costs
    tesseract 2.25 times the pixels and adds nothing. Below 200 dpi it is enlarged to 200
    (small print reads better), above `dpi` it is reduced to `dpi`."""
    if native is None:
        return dpi
    return int(max(min(native, dpi), min(200, dpi)))


def _render(path: str, number: int, dpi: int, max_pixels: int):
    """(PNM bytes, pixel width, pixel height, dpi used) or {"error": reason}."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    try:
        page = doc[number - 1]
        width, height = page.get_size()
        if page.get_rotation() in (90, 270):
            width, height = height, width
        pixels, native = _largest_image(page)
        used = render_size(width, height, scan_resolution(dpi, native), max_pixels)
        if used is None:
            points = {"width": str(round(width)), "height": str(round(height))}  # not grouped: a size
            return {"error": stored(N_(HUGE_PAGE, **points))}
        if pixels > MAX_IMAGE_PIXELS:
            return {"error": stored(N_(HUGE_IMAGE, pixels=pixels))}
        bitmap = page.render(scale=used / 72, grayscale=True, may_draw_forms=True)
        image = bitmap.to_pil().convert("L")
        out = io.BytesIO()
        image.save(out, "PPM")  # raw PGM: no compression to pay for, leptonica reads it
        return out.getvalue(), image.width, image.height, used
    finally:
        doc.close()


def _picture(path: str, member: str, dpi: int, max_pixels: int):
    """An EPUB's picture page (library.extraction.epub_pictures) as the PDF pages are
    rendered: (PNM bytes, width, height, dpi) or {"error": reason}. A picture has no page
    size to render at: its own resolution is taken when it says one, else `dpi`, and a
    small picture is enlarged (tesseract reads letters some 20 pixels high best)."""
    from PIL import Image

    from library.extraction.epub_pictures import page_picture
    from library.extraction.types import ExtractionError

    try:
        data = page_picture(path, member)
    except ExtractionError as exc:
        return {"error": stored(exc.reason)}
    Image.MAX_IMAGE_PIXELS = None  # opening reads the header alone: the size is checked here
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            return {"error": stored(N_(HUGE_IMAGE, pixels=image.width * image.height))}
        image = image.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        return {"error": GENERIC}
    stated = image.info.get("dpi", (0, 0))[0] if isinstance(image.info.get("dpi"), tuple) else 0
    native = float(stated) if 72 <= float(stated or 0) <= 1200 else None
    scale = 1.0
    if max(image.size) < 2000:
        scale = 2000 / max(image.size)
    if image.width * image.height * scale * scale > max_pixels:
        scale = (max_pixels / (image.width * image.height)) ** 0.5
    if abs(scale - 1) > 0.05:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.LANCZOS)
    used = max(MIN_DPI, round(native * scale)) if native else dpi
    out = io.BytesIO()
    image.save(out, "PPM")
    return out.getvalue(), image.width, image.height, used


def _lines(tsv: str) -> list[dict]:
    """tesseract's TSV -> lines in reading order: text, mean word confidence, box, block."""
    lines: dict[tuple, dict] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        left, top = int(row["left"]), int(row["top"])
        right, bottom = left + int(row["width"]), top + int(row["height"])
        line = lines.setdefault(key, {"words": [], "confs": [], "box": [left, top, right, bottom],
                                      "block": key[0], "par": key[1]})
        line["words"].append(row["text"].strip())
        line["confs"].append(max(0.0, float(row["conf"])))
        box = line["box"]
        line["box"] = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)]
    # Each word's own confidence too, as bench/ocr_confidence.py measures the cut-offs with.
    return [{"text": " ".join(l["words"]), "conf": sum(l["confs"]) / len(l["confs"]),
             "confs": [round(c, 1) for c in l["confs"]],
             "words": len(l["words"]), "box": l["box"], "block": l["block"], "par": l["par"]}
            for l in lines.values()]


def recognise(path: str, number: int, dpi: int, lang: str, output_dir: str, max_pixels: int,
              member: str | None = None) -> dict:
    """Page `number` of the PDF at `path`, or, given `member`, the EPUB's picture page at that
    zip path (no text layer: the EPUB reader shows the picture as it is)."""
    rendered = _picture(path, member, dpi, max_pixels) if member else _render(path, number, dpi, max_pixels)
    if isinstance(rendered, dict):
        return rendered
    image, width, height, used = rendered
    base = os.path.join(output_dir, LAYER_FILE)
    command = ["tesseract", "stdin", base, "-l", lang, "--dpi", str(used), "--psm", "3",
               "-c", "textonly_pdf=1", "tsv"] + ([] if member else ["pdf"])
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(command, input=image, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=env, check=False, preexec_fn=_die_with_parent)
    except FileNotFoundError:
        return {"error": NO_TESSERACT}
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace")[-500:]
        if done.returncode < 0 or "alloc" in detail.lower():
            return {"error": MEMORY, "detail": detail}
        return {"error": GENERIC, "detail": detail}
    with open(base + ".tsv", encoding="utf-8", errors="replace") as fh:
        lines = _lines(fh.read())
    return {"page": number, "lines": lines, "width": width, "height": height, "dpi": used}


def layer_update(original: str, tail: str, layers_dir: str, out_path: str) -> dict:
    """The reader copy's text layer (library.ocr.layer) from `layers_dir`/<page>.pdf files."""
    from pathlib import Path

    from library.ocr.layer import LayerError, build

    base = Path(original).read_bytes() + (Path(tail).read_bytes() if tail else b"")
    layers = {int(p.stem): p.read_bytes() for p in Path(layers_dir).glob("*.pdf") if p.stem.isdigit()}
    try:
        update = build(base, layers)
    except LayerError as exc:
        return {"error": GENERIC, "detail": str(exc)}
    Path(out_path).write_bytes(update)
    return {"size": len(update)}


def main(argv: list[str]) -> int:
    """argv: PATH PAGE DPI LANG OUTPUT_DIR MAX_PIXELS MEMORY_MB CPU_SECONDS [EPUB_MEMBER], or
    --layer ORIGINAL TAIL LAYERS_DIR OUT MEMORY_MB CPU_SECONDS."""
    if argv[0] == "--layer":
        _limit(int(argv[5]), int(argv[6]))
        job = lambda: layer_update(*argv[1:5])  # noqa: E731
    else:
        path, number, dpi, lang, output_dir, max_pixels, memory_mb, cpu, *member = argv
        _limit(int(memory_mb), int(cpu))
        job = lambda: recognise(path, int(number), int(dpi), lang, output_dir, int(max_pixels),  # noqa: E731
                                member[0] if member else None)
    return child.answer(job, MEMORY, GENERIC)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
