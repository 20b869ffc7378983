"""Recognise one PDF page in a child process with a wall-clock timeout and memory/CPU limits.

The same kind of sandbox as parsing (library.extraction.sandbox): a child per page, started
without the parent's environment, killed with its whole process group (tesseract too) when
it runs over; whatever goes wrong becomes a plain reason for that page alone.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from library.extraction.sandbox import _PACKAGE_PARENT, _child_env, _kill_group
from library.translatable import N_, loaded

log = logging.getLogger(__name__)

MEMORY = N_("Trang cần quá nhiều bộ nhớ để nhận dạng")
GENERIC = N_("Không nhận dạng được trang này")
MAX_LAYER = 8 << 20
_BOOTSTRAP = (
    "import sys, types\n"
    "pkg = types.ModuleType('library'); pkg.__path__ = [sys.argv[1] + '/library']\n"
    "sys.modules['library'] = pkg\n"
    "from library.ocr.worker import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def timeout_reason(timeout: float) -> str:
    seconds = f"{timeout:g}"  # 0.02, 180: as people write it, not 180.0
    return N_("Quá thời gian nhận dạng ({seconds} giây)", seconds=seconds)


@dataclass
class Limits:
    dpi: int = 300
    lang: str = "vie"
    timeout: float = 180
    memory_mb: int = 1024
    max_pixels: int = 40_000_000


@dataclass
class PageResult:
    page: int
    lines: list[dict] = field(default_factory=list)  # text, conf, words, box, block, par
    width: int = 0                                    # pixels of the rendered image
    height: int = 0
    dpi: int = 0
    layer: bytes | None = None                        # tesseract's text-only PDF page
    error: str | None = None                          # the reason it was not recognised
    seconds: float = 0.0


def command(path: str, page: int, limits: Limits, output_dir: str, member: str | None = None) -> list[str]:
    cpu = int(limits.timeout) + 5
    return [sys.executable, "-c", _BOOTSTRAP, _PACKAGE_PARENT, path, str(page), str(limits.dpi),
            limits.lang, output_dir, str(limits.max_pixels), str(limits.memory_mb), str(cpu)] \
        + ([member] if member else [])


def recognise_page(path, page: int, limits: Limits | None = None, member: str | None = None) -> PageResult:
    """Page `page` (1-based) of the PDF at `path`, recognised; or, given `member` (the zip path
    of the page in an EPUB), that picture page, numbered `page`. Never raises for the page's
    own faults: `error` says why instead."""
    import time

    limits = limits or Limits()
    path = os.path.abspath(os.fspath(path))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ocr-") as output_dir:
        result = _run(path, page, limits, output_dir, member)
        if result.error is None:
            result.layer = _layer(Path(output_dir) / "layer.pdf")
    result.seconds = time.monotonic() - started
    return result


def _layer(path: Path) -> bytes | None:
    try:
        if path.stat().st_size <= MAX_LAYER:
            return path.read_bytes() or None
    except OSError:
        pass
    return None


def _run(path: str, page: int, limits: Limits, output_dir: str, member: str | None = None) -> PageResult:
    env = _child_env(output_dir)
    # tesseract finds its model through its own default; a TESSDATA_PREFIX set for this
    # host is passed on, nothing else of the parent's environment.
    if os.environ.get("TESSDATA_PREFIX"):
        env["TESSDATA_PREFIX"] = os.environ["TESSDATA_PREFIX"]
    env["OMP_THREAD_LIMIT"] = "1"
    proc = subprocess.Popen(
        command(path, page, limits, output_dir, member), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=env, cwd=_PACKAGE_PARENT, start_new_session=True, close_fds=True,
    )
    try:
        out, err = proc.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        log.warning("recognition of %s page %s timed out after %ss", path, page, limits.timeout)
        return PageResult(page, error=timeout_reason(limits.timeout))
    except BaseException:
        _kill_group(proc)
        raise
    return _decode(path, page, proc.returncode, out, err, limits.timeout)


def _decode(path: str, page: int, returncode: int, out: bytes, err: bytes, timeout: float) -> PageResult:
    stderr_tail = err[-2000:].decode("utf-8", errors="replace")
    if returncode < 0:
        log.warning("recognition of %s page %s killed by signal %s: %s", path, page, -returncode, stderr_tail)
        return PageResult(page, error=timeout_reason(timeout) if -returncode == signal.SIGXCPU else MEMORY)
    try:
        data = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        log.warning("recognition of %s page %s failed (exit %s): %s", path, page, returncode, stderr_tail)
        return PageResult(page, error=MEMORY if "MemoryError" in stderr_tail else GENERIC)
    if "error" in data:
        reason = loaded(data["error"])  # a Message crosses as its msgid and values
        log.warning("recognition of %s page %s: %s %s", path, page, reason, data.get("detail", ""))
        return PageResult(page, error=reason or GENERIC)
    return PageResult(page, lines=data["lines"], width=data["width"], height=data["height"], dpi=data["dpi"])


def build_layer(original, tail, layers: dict[int, bytes], *, timeout: float = 300,
                memory_mb: int = 1536) -> bytes | None:
    """The reader copy's text layer (library.ocr.layer), made in a child process: pypdf reads
    the whole original there. None when it cannot be made (the reader goes without it)."""
    with tempfile.TemporaryDirectory(prefix="ocr-layer-") as folder:
        pages = Path(folder) / "pages"
        pages.mkdir()
        for number, data in layers.items():
            (pages / f"{number}.pdf").write_bytes(data)
        out = Path(folder) / "update.pdf"
        argv = [sys.executable, "-c", _BOOTSTRAP, _PACKAGE_PARENT, "--layer", os.fspath(original),
                os.fspath(tail) if tail else "", str(pages), str(out), str(memory_mb), str(int(timeout) + 5)]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=_child_env(folder), cwd=_PACKAGE_PARENT,
                                start_new_session=True, close_fds=True)
        try:
            stdout, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            log.warning("text layer of %s timed out", original)
            return None
        except BaseException:
            _kill_group(proc)
            raise
        try:
            data = json.loads(stdout.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            data = {"error": err[-500:].decode("utf-8", "replace")}
        if "error" in data or not out.is_file():
            log.warning("text layer of %s not made: %s %s", original, data.get("error"), data.get("detail", ""))
            return None
        return out.read_bytes()
