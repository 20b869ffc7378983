"""Behind reverse proxies: LIBRARY_TRUSTED_PROXIES=N trusts the last N `X-Forwarded-*` hops.

With it, request.remote_addr is the member's address (the sign-in throttle and the audit
log key on it), request.scheme is https when TLS ends at the proxy (so session cookies
are Secure and absolute URLs stay on https), and the host is the one the member typed.
Without it (the default, 0) those headers are ignored: anyone could send them.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_proxies(app: Flask) -> int:
    raw = app.config.get("TRUSTED_PROXIES") or 0
    try:
        count = int(raw)
    except (TypeError, ValueError):
        raise RuntimeError(f"LIBRARY_TRUSTED_PROXIES must be a whole number, not {raw!r}") from None
    if count < 0:
        raise RuntimeError("LIBRARY_TRUSTED_PROXIES must be 0 or more")
    return count


def init_app(app: Flask) -> None:
    count = trusted_proxies(app)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count,
                                x_port=count, x_prefix=count)
