"""The extraction child process: limits itself, extracts one file, prints JSON on stdout."""
import base64
import os
import sys
import time

from library import child
from library.translatable import N_, stored

TAIL_FILE = "reader-tail.pdf"
MEMORY = N_("Tệp cần quá nhiều bộ nhớ để đọc")
GENERIC = N_("Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng")


def extract_here(path: str, max_sections: int | None = None):
    """sniff + the matching extractor, in this process; raises ExtractionError."""
    from library.extraction.sniff import EPUB, sniff

    if sniff(path) == EPUB:
        from library.extraction.epub import extract_epub
        return extract_epub(path, max_sections)
    from library.extraction.pdf import extract_pdf
    return extract_pdf(path, max_sections)


def _reader_tail(path: str, book, time_left) -> bytes | None:
    """A PDF's reader tail (library.extraction.page_tree) in at most half the time left:
    it only speeds the reader up, and must never cost the import its time limit."""
    seconds = min(int(time_left() / 2), 60)
    if book.media_type != "application/pdf" or seconds < 1:
        return None
    import signal

    from library.extraction.page_tree import balanced_tail

    def stop(signum, frame):
        raise TimeoutError("reader tail")  # balanced_tail catches it: no tail

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        return balanced_tail(path)
    except TimeoutError:  # raised between its own try and return
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _result(path: str, time_left=lambda: 60.0, max_sections: int | None = None) -> dict:
    from library.extraction.types import ExtractionError, UnsupportedFile

    try:
        # without a limit, called as before (a test stands a one-argument extractor in)
        book = extract_here(path, max_sections) if max_sections else extract_here(path)
    except UnsupportedFile as exc:
        return {"error": stored(exc.reason), "unsupported": True}
    except ExtractionError as exc:
        return {"error": stored(exc.reason)}
    except MemoryError:
        return {"error": MEMORY}
    except RecursionError:
        return {"error": GENERIC, "detail": "RecursionError"}
    tail = _reader_tail(path, book, time_left) if os.environ.get("EXTRACT_OUTPUT_DIR") else None
    if tail:
        # Binary and up to megabytes: a file in the parent's temporary folder, not JSON.
        try:
            with open(os.path.join(os.environ["EXTRACT_OUTPUT_DIR"], TAIL_FILE), "wb") as fh:
                fh.write(tail)
        except OSError:  # the tail only speeds the reader up; the book imports without it
            pass
    data = book.to_dict()
    if data["cover"] is not None:
        data["cover"] = base64.b64encode(data["cover"]).decode("ascii")
    return data


def main(argv: list[str]) -> int:
    """argv: PATH [MEMORY_MB CPU_SECONDS [MAX_SECTIONS]]."""
    started, budget = time.monotonic(), 60.0
    max_sections = int(argv[3]) if len(argv) >= 4 and int(argv[3]) > 0 else None
    if len(argv) >= 3:
        child.limit(int(argv[1]), int(argv[2]))
        budget = int(argv[2]) - 5  # the parent's wall-clock timeout (sandbox.worker_command)
    return child.answer(lambda: _result(argv[0], lambda: budget - (time.monotonic() - started),
                                        max_sections), MEMORY, GENERIC)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
