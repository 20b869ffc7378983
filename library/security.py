"""Security headers on every response: a Content-Security-Policy with no inline script or
style and no outside origin, nosniff, framing and referrer limits.

A view that needs a different policy (an EPUB chapter shown in a sandboxed frame, a
pdf.js worker that compiles WebAssembly) sets its own header; it is kept as is.
"""
from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest id the database holds (SQLite and PostgreSQL bigint): a larger number in
# an address would overflow the query driver, a 500 instead of "no such page".
MAX_ID = 2**63 - 1
# A `?page=` beyond this is past any list's end; larger ones overflow the OFFSET.
MAX_PAGE = 1_000_000


def page_arg(default: int = 1) -> int:
    """`?page=N` of the request, between 1 and MAX_PAGE."""
    from flask import request

    return min(max(request.args.get("page", default, type=int) or default, 1), MAX_PAGE)

# pdf.js draws on canvases and may hand images over as blob: or data: URLs; its
# worker is a module from this site. Nothing comes from another origin.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


def _add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes, up to MAX_ID: a larger number matches no page (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before the blueprints: a rule picks its converter when it is added.
    app.url_map.converters["int"] = BoundedIntConverter
    app.after_request(_add_headers)
