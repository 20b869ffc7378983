"""Security headers on every response: a Content-Security-Policy with no inline script or
style and no outside origin, nosniff, framing and referrer limits.

A view that needs a different policy (an EPUB chapter shown in a sandboxed frame, a
pdf.js worker that compiles WebAssembly) sets its own header; it is kept as is.
"""
from flask import Flask

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


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
