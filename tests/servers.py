"""Real servers for the account tests, each started in a temporary folder on free loopback
ports and stopped afterwards: gunicorn with the app, Debian's nginx with deploy/nginx.conf,
Debian's OpenLDAP (slapd) with a generated configuration."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def app_env(root: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIBRARY_")}
    env.update(LIBRARY_DATABASE_URL=f"sqlite:///{root / 'library.db'}",
               LIBRARY_BOOKS_DIR=str(root / "books"), LIBRARY_INDEX_DIR=str(root / "index"),
               LIBRARY_INSTANCE_DIR=str(root), LIBRARY_SECRET_KEY="proxy-test-secret-0123456789abcdef",
               **extra)
    return env


@contextmanager
def gunicorn(root: Path, env: dict, workers: int = 2, threads: int = 4):
    """gunicorn serving wsgi:app on a free port; yields the port."""
    port = free_port()
    log = root / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, process, log, seconds=60)
        yield port
    finally:
        _stop(process)


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@contextmanager
def nginx(root: Path, upstream_port: int):
    """Debian's nginx running deploy/nginx.conf, its ports and paths replaced; yields
    (http_port, https_port)."""
    folder = root / "nginx"
    folder.mkdir()
    cert, key = self_signed(folder)
    http_port, https_port = free_port(), free_port()
    site = (REPO / "deploy" / "nginx.conf").read_text()
    for old, new in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
                     ("/etc/ssl/tu-sach/fullchain.pem", str(cert)),
                     ("/etc/ssl/tu-sach/privkey.pem", str(key))):
        assert old in site, old
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    temp = folder / "temp"
    temp.mkdir()
    (folder / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
""")
    log = folder / "nginx.out"
    with open(log, "w") as out:
        process = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(https_port, process, log)
        yield http_port, https_port
    finally:
        _stop(process)


SLAPD_CONF = """
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "dc=tusach,dc=vn"
rootdn "cn=admin,dc=tusach,dc=vn"
rootpw {rootpw}
directory {folder}/data
maxsize 10485760
access to attrs=userPassword
    by self read
    by anonymous auth
    by * none
access to *
    by * read
"""


@contextmanager
def slapd(root: Path, ldif: str, rootpw: str = "quan-tri-ldap-2026"):
    """OpenLDAP with `ldif` loaded (slapadd), listening on a free loopback port; yields the URL."""
    folder = root / "slapd"
    (folder / "data").mkdir(parents=True)
    conf = folder / "slapd.conf"
    conf.write_text(SLAPD_CONF.format(schema="/etc/ldap/schema", folder=folder, rootpw=rootpw))
    (folder / "data.ldif").write_text(ldif)
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(folder / "data.ldif")],
                   check=True, capture_output=True)
    port = free_port()
    log = folder / "slapd.out"
    with open(log, "w") as out:
        process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/",
                                    "-d", "0"], stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for_port(port, process, log)
        yield f"ldap://127.0.0.1:{port}"
    finally:
        _stop(process)
