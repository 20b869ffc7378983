"""A damaged index, remembered: what one search ran into, /healthz and the reconciler see.

Whoosh reads a segment's parts lazily, so damage shows only when a search reaches it, and as
whatever the decoder raised (zlib.error, struct.error, UnpicklingError, KeyError...). The
first such failure writes a marker file into the index folder; every process of this host
reads it (each host has its own index), and only a rebuild, which writes every segment anew,
removes it. `verify` reads every part of every segment, for `index check`.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import struct
import time
import zlib

log = logging.getLogger(__name__)

MARKER = "DAMAGED.json"
# What a damaged segment makes Whoosh raise; a plain Exception is Whoosh's own complaint
# about a file it cannot make sense of. OSError (a file merged away meanwhile) is not here:
# the engine retries those on a fresh snapshot.
ERRORS = (zlib.error, struct.error, pickle.UnpicklingError, EOFError, KeyError, IndexError,
          ValueError, UnicodeDecodeError, OverflowError)


_WHOOSH_DIR = os.path.dirname(os.path.abspath(__import__("whoosh").__file__))


def is_damage(error: BaseException) -> bool:
    """A decoder's error, or any error raised inside Whoosh itself (a damaged pickle may
    raise AttributeError as well); our own code's mistakes stay errors."""
    if isinstance(error, ERRORS) or type(error) is Exception:
        return True
    if not isinstance(error, Exception) or isinstance(error, (OSError, MemoryError)):
        return False
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_WHOOSH_DIR)


def record(index_dir: str, error: BaseException) -> None:
    """Remember the damage (atomically; a second process may record it at the same time)."""
    detail = f"{type(error).__module__}.{type(error).__name__}: {error}"[:300]
    log.error("the search index in %s is damaged: %s", index_dir, detail)
    path = os.path.join(index_dir, MARKER)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump({"error": detail, "at": time.time()}, out)
        os.replace(temporary, path)
    except OSError:
        log.warning("cannot write %s", path, exc_info=True)


def recorded(index_dir: str) -> str | None:
    """The error that was recorded, or None when no damage is known."""
    try:
        with open(os.path.join(index_dir, MARKER), encoding="utf-8") as source:
            return str(json.load(source).get("error") or "damaged")
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return "damaged"


def clear(index_dir: str) -> None:
    try:
        os.remove(os.path.join(index_dir, MARKER))
    except FileNotFoundError:
        pass


def verify(searcher) -> None:
    """Read every stored document and every posting list of every segment; raises what the
    damaged part raises. Costs about one full read of the index: for `index check`."""
    from whoosh.reading import TermNotFound

    for reader, _offset in searcher.reader().leaf_readers():
        for _docnum, _fields in reader.iter_docs():
            pass
        for fieldname, text in reader.all_terms():
            if reader.schema[fieldname].format is None:
                continue
            try:
                reader.postings(fieldname, text).all_ids()
            except TermNotFound:  # listed by the term dictionary, not found in it: damage
                raise ValueError(f"term {fieldname}:{text!r} listed but unreadable") from None
