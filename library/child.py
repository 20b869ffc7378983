"""What a sandboxed child process (parsing, recognition) does around its one job: limits set
before any byte of the file is read, and one JSON answer on the real stdout.

Imported by the children's bare `library` package (see library/extraction/sandbox.py), so it
uses nothing but the standard library."""
import json
import os
import sys


def limit(memory_mb: int, cpu_seconds: int) -> None:
    # Set in the child rather than in a preexec_fn: preexec_fn can deadlock a threaded parent
    # (the web server), and these limits are in place before any file byte is parsed.
    import resource

    memory = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def answer(job, memory_reason: str, generic_reason: str) -> int:
    """Run `job` and write what it returns as JSON to the real stdout; anything a library
    prints lands on stderr, and a failure becomes a plain reason for the parent."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import warnings
    warnings.simplefilter("ignore")  # third-party chatter about odd files is not a result
    try:
        result = job()
    except MemoryError:
        result = {"error": memory_reason}
    except Exception as exc:  # noqa: BLE001 - the parent turns this into a plain reason
        import traceback
        traceback.print_exc()
        result = {"error": generic_reason, "detail": f"{type(exc).__name__}: {exc}"[:500]}
    json.dump(result, out, ensure_ascii=False)
    out.flush()
    return 0
