"""Run extraction in a child process with a wall-clock timeout and memory/CPU limits."""
import base64
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from library.extraction.types import ExtractedBook, ExtractionError, UnsupportedFile
from library.translatable import N_, loaded

log = logging.getLogger(__name__)

MEMORY = N_("Tệp cần quá nhiều bộ nhớ để đọc")
GENERIC = N_("Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng")
TAIL_FILE = "reader-tail.pdf"   # library.extraction.worker writes it
MAX_TAIL = 64 << 20
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent.parent)
# `python -m library.extraction.worker` would run library/__init__.py, which imports Flask
# and SQLAlchemy (~0.8 s per file, and a larger attack surface). The child registers a bare
# `library` package instead, so it imports only the extraction modules and their parsers.
_BOOTSTRAP = (
    "import sys, types\n"
    "pkg = types.ModuleType('library'); pkg.__path__ = [sys.argv[1] + '/library']\n"
    "sys.modules['library'] = pkg\n"
    "from library.extraction.worker import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def timeout_reason(timeout: float) -> str:
    seconds = f"{timeout:g}"  # 0.5, 60: as people write it, not 60.0
    return N_("Quá thời gian xử lý ({seconds} giây)", seconds=seconds)


def _child_env(output_dir: str = "") -> dict:
    """Only what Python needs: no secrets, database URLs or tokens reach the parser.
    `output_dir`: where the child may leave binary results (a PDF's reader tail)."""
    return {
        "EXTRACT_OUTPUT_DIR": output_dir,
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONPATH": _PACKAGE_PARENT,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }


def worker_command(path: str, timeout: float, memory_mb: int) -> list[str]:
    cpu = int(timeout) + 5
    return [sys.executable, "-c", _BOOTSTRAP, _PACKAGE_PARENT, path, str(memory_mb), str(cpu)]


def extract(path, *, timeout: float = 60, memory_mb: int = 1536,
            max_sections: int | None = None) -> ExtractedBook:
    """The file's text, metadata and cover, or ExtractionError with a plain reason; a book
    with more pages (PDF) or chapters (EPUB) than `max_sections` is refused."""
    path = os.path.abspath(os.fspath(path))
    with tempfile.TemporaryDirectory(prefix="extract-") as output_dir:
        book = _run(path, timeout, memory_mb, output_dir, max_sections)
        book.reader_tail = _reader_tail(output_dir) if book.media_type == "application/pdf" else None
        return book


def _reader_tail(output_dir: str) -> bytes | None:
    tail = Path(output_dir) / TAIL_FILE
    try:
        if tail.stat().st_size <= MAX_TAIL:
            return tail.read_bytes() or None
    except OSError:
        pass
    return None


def _run(path: str, timeout: float, memory_mb: int, output_dir: str,
         max_sections: int | None = None) -> ExtractedBook:
    proc = subprocess.Popen(
        # the worker's last argument: pages or chapters a book may have (0: no limit)
        worker_command(path, timeout, memory_mb) + [str(max_sections or 0)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_child_env(output_dir), cwd=_PACKAGE_PARENT, start_new_session=True, close_fds=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        log.warning("extraction of %s timed out after %ss", path, timeout)
        raise ExtractionError(timeout_reason(timeout)) from None
    except BaseException:
        _kill_group(proc)
        raise
    return _decode(path, proc.returncode, out, err, timeout)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


def _decode(path: str, returncode: int, out: bytes, err: bytes, timeout: float) -> ExtractedBook:
    stderr_tail = err[-2000:].decode("utf-8", errors="replace")
    if returncode < 0:
        sig = -returncode
        log.warning("extraction of %s killed by signal %s: %s", path, sig, stderr_tail)
        if sig == signal.SIGXCPU:
            raise ExtractionError(timeout_reason(timeout))
        raise ExtractionError(MEMORY)
    try:
        data = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        log.warning("extraction of %s failed (exit %s): %s", path, returncode, stderr_tail)
        raise ExtractionError(MEMORY if "MemoryError" in stderr_tail else GENERIC) from None
    if "error" in data:
        if data.get("detail") or stderr_tail.strip():
            log.warning("extraction of %s refused: %s %s", path, data.get("detail", ""), stderr_tail)
        reason = loaded(data["error"]) or GENERIC
        raise (UnsupportedFile if data.get("unsupported") else ExtractionError)(reason)
    if data.get("cover") is not None:
        data["cover"] = base64.b64decode(data["cover"])
    return ExtractedBook.from_dict(data)
