"""A throwaway PostgreSQL server from Debian's `postgresql` package, for the tests and benchmarks.

initdb in a temporary folder (as the unprivileged system user `tusach-test` when run as
root: PostgreSQL refuses to run as root), a free loopback port, the unix socket in the same
folder, durability switched off (nothing here outlives the run), and the whole folder gone
after `stop()`. Knows nothing of pytest or Flask: `bench/load_bench.py` starts one too.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TEST_USER = "tusach-test"
SUPERUSER = "postgres"
# Each test gets a database of its own; a gunicorn test adds a few workers' pools.
MAX_CONNECTIONS = 300


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries on this machine, or a server that would not start."""


def find_bin_dir() -> Path | None:
    """LIBRARY_PG_BIN, else the newest /usr/lib/postgresql/<major>/bin with initdb and postgres."""
    wanted = os.environ.get("LIBRARY_PG_BIN")
    candidates = [wanted] if wanted else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
        if Path(p).parent.name.isdigit() else 0, reverse=True)
    for candidate in candidates:
        folder = Path(candidate)
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd:
    """The system user the server runs as when we are root; created the first time."""
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", TEST_USER], check=True, capture_output=True)
        return pwd.getpwnam(TEST_USER)


class PostgresServer:
    """One server process; `url(name)` for SQLAlchemy, `admin()` for CREATE/DROP DATABASE."""

    def __init__(self, bin_dir: Path | None = None):
        self.bin_dir = bin_dir or find_bin_dir()
        if self.bin_dir is None:
            raise PostgresUnavailable("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb)")
        self.root: Path | None = None
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._as_user: list[str] = []
        self._log = None

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> "PostgresServer":
        self.root = Path(tempfile.mkdtemp(prefix="tusach-pg-"))
        if os.geteuid() == 0:
            user = _unprivileged_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
            # --pdeathsig: a test run killed with -9 takes its server with it.
            self._as_user = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                             "--clear-groups", "--pdeathsig=TERM", "--"]
        data = self.root / "data"
        initdb = subprocess.run(
            [*self._as_user, str(self.bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER,
             "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
            capture_output=True, text=True)
        if initdb.returncode:
            self._remove()
            raise PostgresUnavailable(f"initdb failed: {initdb.stderr.strip()[-500:]}")
        self._log = open(self.root / "server.log", "ab")
        for attempt in range(3):  # the free port may be taken between probe and bind
            self.port = _free_port()
            self.process = subprocess.Popen(
                [*self._as_user, str(self.bin_dir / "postgres"), "-D", str(data),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
                 "-c", f"unix_socket_directories={self.root}",
                 "-c", f"max_connections={MAX_CONNECTIONS}",
                 # Throwaway data: no fsync, no full-page writes, no waiting for the WAL.
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "shared_buffers=64MB", "-c", "logging_collector=off"],
                stdout=subprocess.DEVNULL, stderr=self._log,
                preexec_fn=None if self._as_user else _die_with_parent)
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        log = (self.root / "server.log").read_text(errors="replace")[-800:]
        self._remove()
        raise PostgresUnavailable(f"PostgreSQL did not start: {log}")

    def _wait_ready(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with self.admin() as connection:
                    connection.execute("SELECT 1")
                return True
            except Exception:  # noqa: BLE001 — starting up: refused or "the database system is starting up"
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: ends the sessions
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._remove()

    def _remove(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases --------------------------------------------------------------------

    def url(self, database: str, driver: str = "postgresql") -> str:
        """A plain libpq URL, as an operator writes it (the app picks psycopg itself)."""
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres"):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database,
                               autocommit=True, connect_timeout=5)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _die_with_parent() -> None:
    """Not root: the server gets SIGTERM when the process that started it dies."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
