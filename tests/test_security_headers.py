"""Every response carries the security headers; no page of the app needs inline script or style."""
import re
from pathlib import Path

import pytest

from library.security import CONTENT_SECURITY_POLICY

REPO = Path(__file__).resolve().parent.parent


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/dang-nhap", "/healthz", "/api/books", "/khong-co-trang-nay",
                                  "/static/app.css", "/api/books/999"])
def test_every_response_has_the_headers(anonymous, path):
    with anonymous.get(path) as response:  # closes a static file's handle
        response.get_data()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_policy_allows_nothing_inline_and_no_other_origin():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    for sources in policy.values():
        for source in sources:
            assert source in ("'self'", "'none'", "data:", "blob:"), source


def test_signed_in_pages_have_the_headers_too(client):
    response = client.get("/")
    assert response.status_code == 200
    assert directives(response.headers["Content-Security-Policy"])["script-src"] == ["'self'"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_style_or_handlers():
    found = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(REPO)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_no_static_script_writes_inline_handlers_or_style_attributes():
    found = []
    for path in sorted((REPO / "static").rglob("*.js")):
        if "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]", r"\.innerHTML\s*=.*\son[a-z]+=",
                        r"\beval\(", r"new Function\("):
            if re.search(pattern, text):
                found.append(f"{path.relative_to(REPO)}: {pattern}")
    assert not found, "\n".join(found)
