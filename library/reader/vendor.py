"""pdf.js, served by the app itself from the npm package `bin/setup` installs (no CDN).

Only the files the PDF reader loads are reachable: the two built modules, the
character maps, the standard fonts and the WebAssembly image decoders. When the
package is missing (only `pip install` was run) the reader falls back to text mode.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import abort, current_app, send_from_directory

from library import config
from library.auth.permissions import public
from library.reader import bp

DEFAULT_DIR = config.REPO_ROOT / "node_modules" / "pdfjs-dist"
MODULES = {"build/pdf.min.mjs", "build/pdf.worker.min.mjs"}
FOLDERS = {"cmaps": "application/octet-stream", "standard_fonts": "application/octet-stream",
           "wasm": "application/wasm"}
TYPES = {".mjs": "text/javascript", ".wasm": "application/wasm", ".bcmap": "application/octet-stream",
         ".pfb": "application/octet-stream", ".ttf": "font/ttf", ".js": "text/javascript"}
# The worker decodes JPEG 2000 and JBIG2 scans with WebAssembly; only its own policy
# allows compiling it, the pages keep the strict one.
WORKER_POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
                 "connect-src 'self'; object-src 'none'; base-uri 'none'")


def pdfjs_dir() -> Path:
    return Path(current_app.config.get("PDFJS_DIR") or DEFAULT_DIR)


@lru_cache(maxsize=8)
def _version(folder: str) -> str | None:
    try:
        return json.loads((Path(folder) / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def pdfjs_version() -> str | None:
    """The installed pdf.js version, or None when its files are not all there."""
    folder = pdfjs_dir()
    if not all((folder / name).is_file() for name in MODULES):
        return None
    return _version(str(folder))


def _allowed(name: str) -> bool:
    parts = name.split("/")
    if ".." in parts or "" in parts:
        return False
    return name in MODULES or (len(parts) == 2 and parts[0] in FOLDERS)


@bp.get("/doc/pdfjs/<version>/<path:name>")
@public  # an open-source library, the same for everyone; the books stay behind sign-in
def pdfjs(version: str, name: str):
    if not _allowed(name) or version != pdfjs_version():
        abort(404)
    suffix = Path(name).suffix
    response = send_from_directory(pdfjs_dir(), name, mimetype=TYPES.get(suffix, "application/octet-stream"),
                                   max_age=365 * 86400, conditional=True)
    # The version is in the URL, so a year is safe; the files never change under it.
    response.cache_control.public = True
    response.cache_control.immutable = True
    if name == "build/pdf.worker.min.mjs":
        response.headers["Content-Security-Policy"] = WORKER_POLICY
    return response
