"""Real-browser fixtures: one live server on a small demo library, one headless Chromium.

The server is a fresh instance in a temporary folder (its own SQLite file, book store and
Whoosh index), filled with a few demo books on the three shelves and the demo accounts,
served by werkzeug in a thread on 127.0.0.1. Chromium is Debian's (/usr/bin/chromium),
driven by the Python playwright package; `bin/setup --test` installs both.

Every test gets a fresh browser context (no cookies). After each test a screenshot is
kept under test-artifacts/browser/, and on failure the page's HTML too.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from library import create_app
from library.instance import prepare
from library.demo import DEMO_BOOKS, SHELVES, build_demo_files
from library.demo.install import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from library.extensions import db
from library.ingest import FAILED, import_file

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("LIBRARY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 10_000

# Six books: PDF and EPUB, on all three shelves (3 + 2 + 1), small enough to build in seconds.
DEMO_SUBSET = [
    "bao-ve-nen-tang-tu-tuong-tinh-hinh-moi",   # PDF, tư tưởng: "tự diễn biến" on many pages
    "hoi-dap-nghi-quyet-35",                    # PDF, tư tưởng
    "phong-chong-tu-dien-bien",                 # EPUB, tư tưởng
    "mau-chuyen-dao-duc-ho-chi-minh",           # EPUB, học tập và làm theo Bác
    "can-kiem-liem-chinh",                      # PDF, học tập và làm theo Bác
    "huong-dan-sinh-hoat-chi-bo-truc-tuyen",    # PDF, chi bộ điện tử
]
MEMBER = next(username for username, role, _ in DEMO_ACCOUNTS if role == "member")
# Signing out ends every session of a user: the sign-out journey uses a member of its own,
# so the demo member's shared session (member_state) stays valid for the other tests.
SECOND_MEMBER = "dangvien.thu"


@dataclass
class DemoEntry:
    id: int
    slug: str
    title: str
    shelf: str
    media_type: str
    sections: int  # PDF pages or EPUB chapters: the reader's "N / M"


@dataclass
class LiveServer:
    url: str
    app: object
    books: dict[str, DemoEntry] = field(default_factory=dict)
    shelf_names: dict[str, str] = field(default_factory=dict)
    username: str = MEMBER
    password: str = DEMO_PASSWORD
    second_member: str = SECOND_MEMBER

    def shelf_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for book in self.books.values():
            counts[book.shelf] = counts.get(book.shelf, 0) + 1
        return counts


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request drowns the test output
        pass

    def connection_dropped(self, error, environ=None):
        # The browser left a page while a cover was still streaming: werkzeug's dev server
        # then skips closing the response (an open file, a ResourceWarning). Close it here.
        response = (environ or {}).get("tests.response")
        if response is not None and hasattr(response, "close"):
            response.close()


def _keep_response(app):
    """WSGI middleware: remembers the response iterable in the environ for _QuietHandler."""
    def middleware(environ, start_response):
        environ["tests.response"] = response = app(environ, start_response)
        return response
    return middleware


def _demo_sources(pytestconfig, fallback: Path, plan) -> Path:
    """The subset's files, written once and kept in pytest's cache while the generator's code
    is unchanged (it gives the same bytes for the same plan): reruns skip ~5 s of typesetting.
    A folder appears whole or not at all (built aside, then renamed), so parallel runs are safe."""
    import hashlib
    import time

    import library.demo as demo_package

    digest = hashlib.sha256(" ".join(b.slug for b in plan).encode())
    for source in sorted(Path(demo_package.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    key = digest.hexdigest()[:16]
    cache = getattr(pytestconfig, "cache", None)
    if cache is None:  # -p no:cacheprovider
        build_demo_files(fallback / "source", books=plan)
        return fallback / "source"
    parent = cache.mkdir("browser-demo")
    folder = parent / key
    if not folder.is_dir():
        aside = parent / f".{key}.{os.getpid()}"
        build_demo_files(aside, books=plan)
        try:
            aside.rename(folder)
        except OSError:  # another run got there first
            shutil.rmtree(aside, ignore_errors=True)
    for old in parent.iterdir():  # other versions of the generator, unused for an hour
        if old.name != key and time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _fill(app, sources: Path, plan) -> dict[str, DemoEntry]:
    from sqlalchemy import func, select

    from library.auth.accounts import create_user
    from library.catalog.manifest import BookMetadata
    from library.catalog.models import Section
    from library.demo.catalog import MEDIA_TYPES
    from library.demo.install import DEMO_BRANCH

    books = {}
    with app.app_context():
        for demo in plan:
            metadata = BookMetadata(title=demo.title, authors=list(demo.authors), shelf=demo.shelf,
                                    year=demo.year, publisher=demo.publisher,
                                    description=demo.description)
            result = import_file(sources / demo.filename, shelf=demo.shelf, metadata=metadata,
                                 index_now=True)
            assert result.status != FAILED, f"{demo.filename}: {result.reason}"
            sections = db.session.scalar(
                select(func.count(Section.id)).where(Section.book_id == result.book_id))
            books[demo.slug] = DemoEntry(result.book_id, demo.slug, demo.title, demo.shelf,
                                         MEDIA_TYPES[demo.kind], sections)
        ensure_demo_accounts()
        create_user(SECOND_MEMBER, "member", branch_code=DEMO_BRANCH, password=DEMO_PASSWORD)
        db.session.commit()
    return books


@contextmanager
def serving(app, name: str):
    """The app served by werkzeug in a thread on a free port of 127.0.0.1; yields its base
    URL, and at the end stops the server and closes the app's database connections."""
    server = make_server("127.0.0.1", 0, _keep_response(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("live")
    plan = [b for b in DEMO_BOOKS if b.slug in DEMO_SUBSET]
    assert len(plan) == len(DEMO_SUBSET), "a book of DEMO_SUBSET is no longer in DEMO_BOOKS"
    app = prepare(create_app({
        "SECRET_KEY": "browser-tests-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'library.db'}",
        "BOOKS_DIR": str(root / "books"),
        "INDEX_DIR": str(root / "index"),
        "INDEX_INLINE": True,
    }))
    books = _fill(app, _demo_sources(pytestconfig, root, plan), plan)
    with serving(app, "live-server") as url:
        yield LiveServer(url, app, books, {slug: name for slug, (name, _, _) in SHELVES.items()})


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("LIBRARY_SKIP_BROWSER_TESTS") == "1":
        pytest.skip("LIBRARY_SKIP_BROWSER_TESTS=1")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: run bin/setup --test (it installs Debian's chromium), "
                    "or set LIBRARY_SKIP_BROWSER_TESTS=1 to skip the browser tests", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run bin/setup --test", pytrace=False)
    shutil.rmtree(ARTIFACTS / "browser", ignore_errors=True)  # this run's artifacts only
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:120]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class PageProblems:
    """What a page did wrong while the test ran: script errors, 5xx answers."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.errors: list[str] = []

    def watch(self, page):
        page.on("pageerror", lambda exc: self.errors.append(f"script error on {page.url}: {exc}"))
        page.on("response", self._response)

    def _response(self, response):
        if response.status >= 500 and response.url.startswith(self.base_url):
            self.errors.append(f"HTTP {response.status} from {response.url}")


@pytest.fixture
def new_context(browser, live_server, request):
    """Makes browser contexts (default: a desktop window); all closed, with screenshots, at the end."""
    made = []
    problems = PageProblems(live_server.url)

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "vi-VN")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", problems.watch)
        made.append(context)
        return context

    yield make

    failed = getattr(getattr(request.node, "rep_call", None), "failed", False)
    name = _artifact_name(request.node.nodeid)
    out = ARTIFACTS / "browser"
    out.mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(made):
        for p, page in enumerate(context.pages):
            suffix = "" if (c, p) == (0, 0) else f"-{c}-{p}"
            try:  # the whole page when it failed, else what was on screen at the end
                page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=failed)
                if failed:
                    (out / f"{name}{suffix}.html").write_text(
                        f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not save artifacts of {page.url}: {exc}")
        context.close()
    if problems.errors and not failed:
        pytest.fail("the pages went wrong:\n" + "\n".join(problems.errors), pytrace=False)


@pytest.fixture
def page(new_context):
    """A fresh desktop page, signed out."""
    return new_context().new_page()


def sign_in_as(page, username: str, password: str):
    """Signs in through the real form, from wherever the page is sent to sign in (every
    journey's server, the shared demo one or a test file's own, signs in through this)."""
    if "/dang-nhap" not in page.url:
        page.goto("/dang-nhap")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("section.auth-login button[type=submit]").click()
    return page


def sign_in(page, live_server, username: str | None = None, password: str | None = None):
    """Signs in on the shared demo server, as its member unless told otherwise."""
    return sign_in_as(page, username or live_server.username, password or live_server.password)


@pytest.fixture(scope="session")
def member_state(browser, live_server):
    """Cookies of the demo member, signed in once through the real form."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, live_server)
    assert "/dang-nhap" not in page.url, "the demo member could not sign in"
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def member_page(new_context, member_state):
    """A desktop page signed in as the demo member, on the home page."""
    page = new_context(storage_state=member_state).new_page()
    page.goto("/")
    assert "/dang-nhap" not in page.url, "the demo member's session has ended"
    return page


def keep_screenshot(page, name: str) -> Path:
    """A screenshot kept for people to look at: test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def browser_helpers(live_server):
    """sign_in(page, username=None, password=None) and keep_screenshot(page, name) for the tests."""
    class Helpers:
        @staticmethod
        def sign_in(page, username=None, password=None):
            return sign_in(page, live_server, username, password)

        keep_screenshot = staticmethod(keep_screenshot)

    return Helpers

