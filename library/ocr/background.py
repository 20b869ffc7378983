"""The "ocr.book" task: a book's scanned pages recognised in the background, and the settings.

Two pages at once by default (each tesseract single-threaded, niced below web requests), so
an idle 2-core host uses both cores while requests keep their latency.
"""
from __future__ import annotations

from flask import Flask

from library import tasks
from library.ocr import service

DEFAULTS = {
    "OCR_WORKERS": 2,                 # pages recognised at once (a child process each)
    "OCR_DPI": 300,                   # rendering resolution; lowered for very large pages
    "OCR_LANG": "vie",                # tesseract's model (Debian: tesseract-ocr-vie)
    "OCR_TIMEOUT_SECONDS": 180,       # per page, wall clock
    "OCR_MEMORY_MB": 1024,            # per page's child process (address space)
    "OCR_MAX_PIXELS": 40_000_000,     # a rendered page larger than this is rendered smaller
    "OCR_LOW_CONFIDENCE": 75,         # pages below this mean confidence are listed for librarians
}


@tasks.handler(service.KIND, max_attempts=5)
def run(ctx: tasks.TaskContext, payload: dict) -> None:
    def heartbeat(done: int, total: int) -> None:
        ctx.heartbeat(done=done, total=total)
        if ctx.listener is not None:
            ctx.listener(done, total)

    service.recognise_book(int(payload["book_id"]), heartbeat, ctx.cancel_requested)


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
