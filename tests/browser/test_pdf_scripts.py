"""A PDF carrying JavaScript and a launch action, opened in the real reader in Chromium: the
page is drawn, and nothing of the file runs (no dialog, no print, no request it would make,
no eval asked of the page's policy, no scripting bundle loaded)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user
from library.extensions import db
from library.ingest import import_file
from library.reader.vendor import DEFAULT_DIR
from tests.browser.conftest import serving
from tests.browser.test_reader import PASSWORD, reader_page  # noqa: F401 - fixture
from tests.test_pdf_actions import scripted_pdf

pytestmark = pytest.mark.skipif(not (DEFAULT_DIR / "build").is_dir(),
                                reason="pdf.js is not installed (bin/setup runs npm ci)")


@pytest.fixture(scope="module")
def reader_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("scripted-live")
    app = prepare(create_app({
        "SECRET_KEY": "scripted-browser-tests-secret-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index"), "INDEX_INLINE": True,
    }))
    with app.app_context():
        pdf = import_file(scripted_pdf(root / "co-ma.pdf", pages=["Trang một về đảng viên.",
                                                                  "Trang hai."])).book_id
        create_user("docgia", "member", branch_code="CB-DOC", password=PASSWORD)
        db.session.commit()
    with serving(app, "scripted-live") as url:
        yield SimpleNamespace(url=url, app=app, pdf=pdf)


def test_a_scripted_pdf_is_drawn_and_runs_nothing(reader_page, reader_server):  # noqa: F811
    page = reader_page()
    dialogs, requests = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"/doc/{reader_server.pdf}?p=1")
    page.evaluate("() => { window.printed = false; window.print = () => { window.printed = true; }; }")
    reader = page.locator("#reader")
    expect(reader).to_have_attribute("data-shown", "1")
    expect(page.locator(".pdf-page canvas")).to_be_visible()
    assert "Sổ tay sinh hoạt chi bộ" in page.evaluate("() => document.querySelector('.textLayer').textContent")
    page.locator(".reader-nav a[rel=next]").first.click()  # page 1's "on close" action
    expect(reader).to_have_attribute("data-shown", "2")
    page.wait_for_timeout(500)  # time for anything that would run to have run

    assert dialogs == []
    assert page.evaluate("() => window.printed") is False
    assert not [url for url in requests if "sandbox" in url or "scripting" in url]
    assert all(url.startswith(reader_server.url) for url in requests)
    # the page's policy still allows no eval: pdf.js was not granted one
    policy = page.request.get(f"{reader_server.url}/doc/{reader_server.pdf}").headers["content-security-policy"]
    assert "unsafe-eval" not in policy.split("worker-src")[0]
