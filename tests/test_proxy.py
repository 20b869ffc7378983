"""Behind a reverse proxy, for real: Debian's nginx running deploy/nginx.conf in front of
gunicorn (LIBRARY_TRUSTED_PROXIES=1), both started here on free loopback ports.

Clients connect from different loopback addresses (127.0.0.x) so that nginx sees, and
forwards, a different client address for each "site".
"""
from __future__ import annotations

import http.client
import math
import re
import ssl
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library import create_app
from library.instance import prepare
from library.audit import AuditEvent
from library.auth.accounts import create_user
from library.extensions import db
from tests import servers

GOOD = "mot-cau-de-nho-2026"
pytestmark = pytest.mark.slow


class Browser:
    """Just enough of a browser: one TLS connection per request from a chosen source
    address, cookies kept, CSRF token read from the page."""

    def __init__(self, port: int, source: str, tls: bool = True):
        self.port, self.source, self.tls, self.cookies = port, source, tls, {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            conn = http.client.HTTPSConnection("localhost", self.port, context=context, timeout=60,
                                               source_address=(self.source, 0))
        else:
            conn = http.client.HTTPConnection("localhost", self.port, timeout=60,
                                              source_address=(self.source, 0))
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            # Browsers send it (Referrer-Policy: same-origin); over HTTPS Flask-WTF insists
            # that it names this very host, as the proxy forwarded it.
            scheme = "https" if self.tls else "http"
            headers.setdefault("Referer", f"{scheme}://localhost:{self.port}/")
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for raw in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(raw)
            cookie = SimpleCookie(raw)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        conn.close()
        return response.status, response.headers, data

    def csrf(self, path: str = "/dang-nhap") -> str:
        _, _, page = self.request("GET", path)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str, headers: dict | None = None) -> int:
        token = self.csrf()
        status, _, _ = self.request("POST", "/dang-nhap", {"username": username, "password": password,
                                                           "csrf_token": token}, headers)
        return status


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("proxy")
    env = servers.app_env(root, LIBRARY_TRUSTED_PROXIES="1")
    app = prepare(create_app({"SQLALCHEMY_DATABASE_URI": env["LIBRARY_DATABASE_URL"], "SECRET_KEY": env["LIBRARY_SECRET_KEY"],
                              "BOOKS_DIR": env["LIBRARY_BOOKS_DIR"], "INDEX_DIR": env["LIBRARY_INDEX_DIR"]}))
    with app.app_context():
        create_user("bithu", "secretary", branch_code="CB-A", password=GOOD)
        create_user("moi", "member", branch_code="CB-A", full_name="Thành viên mới")
        for name in ["muc-tieu", *(f"dv{n:02d}" for n in range(40))]:
            create_user(name, "member", branch_code="CB-A", password=GOOD)
        db.session.commit()
    with servers.gunicorn(root, env, workers=3, threads=4) as app_port, \
            servers.nginx(root, app_port) as (http_port, https_port):
        yield app, http_port, https_port, app_port
    with app.app_context():
        db.engine.dispose()


def audit_rows(app, action: str, label: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.target_label == label)))


def test_plain_http_goes_to_https(site):
    _, http_port, _, _ = site
    status, headers, _ = Browser(http_port, "127.0.0.2", tls=False).request("GET", "/dang-nhap")
    assert status == 301 and headers["Location"].startswith("https://localhost/dang-nhap")


def test_cookies_are_secure_and_redirects_stay_on_https(site):
    app, _, https_port, _ = site
    browser = Browser(https_port, "127.0.0.3")
    status, headers, _ = browser.request("GET", "/")
    location = headers["Location"]
    assert status == 302 and (location.startswith("/dang-nhap") or location.startswith("https://"))
    browser.request("GET", "/dang-nhap")
    assert browser.set_cookie_headers and all("Secure" in c and "HttpOnly" in c for c in browser.set_cookie_headers)
    assert browser.sign_in("bithu", GOOD) == 302
    # Host and scheme as the member typed them: the address printed for a new code.
    with app.app_context():
        from library.auth.accounts import find_user

        member_id = find_user("moi").id
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"',
                      browser.request("GET", "/chi-bo/CB-A/thanh-vien")[2]).group(1)
    status, _, page = browser.request("POST", f"/chi-bo/CB-A/thanh-vien/{member_id}/cap-ma",
                                      {"csrf_token": token})
    assert status == 200 and f"https://localhost:{https_port}/kich-hoat" in page


def test_the_throttle_and_the_audit_see_the_client_not_the_proxy(site):
    app, _, https_port, _ = site
    browser = Browser(https_port, "127.0.0.4")
    # A forged header from the client is overwritten by nginx, never believed.
    assert browser.sign_in("bithu", "sai-mat-khau", {"X-Forwarded-For": "6.6.6.6"}) == 200
    rows = audit_rows(app, "auth.login_failed", "bithu")
    assert [r.ip for r in rows] == ["127.0.0.4"]


def test_parallel_guesses_are_counted_exactly(site):
    app, _, https_port, _ = site
    browsers = [Browser(https_port, "127.0.0.9") for _ in range(30)]
    tokens = [b.csrf() for b in browsers]
    start, statuses = threading.Barrier(30), []

    def guess(browser, token, n):
        start.wait()
        status, _, _ = browser.request("POST", "/dang-nhap", {"username": "muc-tieu", "password": f"doan-{n}",
                                                             "csrf_token": token})
        statuses.append(status)

    threads = [threading.Thread(target=guess, args=(b, t, n)) for n, (b, t) in enumerate(zip(browsers, tokens))]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lasted = time.monotonic() - began
    # Five free failures: five passwords were checked, the others waited. Each further check
    # waits 1 s, then 2 s, 4 s...: on a loaded machine the 30 guesses may reach the server
    # over more than a second, and a guess arriving after the first delay is checked (as
    # designed), so k more checks need the guesses to have lasted 1 + 2 + ... + 2^(k-1) s.
    checked = statuses.count(200)
    assert statuses.count(429) == 30 - checked
    assert 5 <= checked <= 5 + int(math.log2(lasted + 1))
    assert len(audit_rows(app, "auth.login_failed", "muc-tieu")) == checked
    # ... and the member, from the meeting site, is not locked out by them.
    assert Browser(https_port, "127.0.0.10").sign_in("muc-tieu", GOOD) == 302


def test_forty_members_at_one_meeting_site(site):
    app, _, https_port, _ = site
    results = {}

    def member(n):
        browser = Browser(https_port, "127.0.0.20")
        for _ in range(n % 3):
            browser.sign_in(f"dv{n:02d}", "go-nham-mat-khau")
        results[n] = browser.sign_in(f"dv{n:02d}", GOOD)

    threads = [threading.Thread(target=member, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: 302 for n in range(40)}
    with app.app_context():
        signed = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "auth.login", AuditEvent.ip == "127.0.0.20"))
    assert signed == 40


def established_to(port: int) -> int:
    """Open TCP connections whose server end is this loopback port (Linux /proc/net/tcp)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines
               if line.split()[1] == f"0100007F:{port:04X}" and line.split()[3] == "01")


def test_nginx_not_gunicorn_closes_an_idle_connection_between_them(site):
    """gunicorn keeps an idle connection longer than nginx keeps its own (gunicorn.conf.py,
    deploy/nginx.conf). With gunicorn's default of 2 s, gunicorn closed connections while
    nginx was reusing them, and a sign-in sent on one got a 502 under load."""
    _, _, https_port, app_port = site
    assert Browser(https_port, "127.0.0.42").request("GET", "/dang-nhap")[0] == 200
    time.sleep(3.5)  # past gunicorn's default keepalive and the second its check may take
    assert established_to(app_port) >= 1
    assert Browser(https_port, "127.0.0.42").sign_in("dv38", GOOD) == 302


def test_a_search_too_long_for_the_request_line_gets_the_services_own_page(site):
    """Through nginx and gunicorn as deployed: a 500-character Vietnamese search (4,500 bytes
    encoded, over gunicorn's default line) is answered by the app; a longer address gets the
    app's "too long" page from nginx, never nginx's or gunicorn's bare text."""
    _, _, https_port, _ = site
    browser = Browser(https_port, "127.0.0.41")
    assert browser.sign_in("dv39", GOOD) == 302
    longest = urllib.parse.quote("ệ" * 500)
    status, _, page = browser.request("GET", f"/tim-kiem?q={longest}")
    assert status == 200 and "Kết quả tìm kiếm" in page
    status, headers, page = browser.request("GET", f"/tim-kiem?q={longest * 3}")
    assert status == 414
    assert headers["Content-Type"].startswith("text/html")
    assert "Địa chỉ quá dài" in page and "Tủ sách điện tử" in page and "nginx" not in page
