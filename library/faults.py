"""Fault checkpoints (the bottom layer: any module may call them, they import nothing of
the library): named places where a crash test may kill the process (kill -9).

`checkpoint(name)` costs one dictionary lookup and does nothing unless the environment
variable LIBRARY_FAULT names that point: then the process sends itself SIGKILL, exactly
what an out-of-memory killer or a power cut does, with no cleanup code run. Tests start
a child process with the variable set and check what a restart makes of the remains.
"""
import os
import signal

ENV = "LIBRARY_FAULT"

# The points, in the order an import passes them.
AFTER_STORE = "ingest.after_store"     # the book file is stored, no row yet
AFTER_COMMIT = "ingest.after_commit"   # the row is committed, the book not yet indexed
DURING_INDEX_COMMIT = "index.commit"   # segment files written, the index's table of contents not
POINTS = (AFTER_STORE, AFTER_COMMIT, DURING_INDEX_COMMIT)


def checkpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
