"""Fixtures: an app on a real database (a SQLite file, and a fresh database on a throwaway
PostgreSQL server: every test that uses `app` runs on both), a real book store and a real
Whoosh index, all in tmp_path."""
import itertools
import os
from pathlib import Path

import pytest

from library import create_app
from library.instance import prepare
from library.auth.accounts import create_user
from library.auth.tokens import issue_token
from library.extensions import db

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LIBRARY_CORPUS", REPO.parent / "shared" / "corpus"))
DATABASES = ("sqlite", "postgresql")
TEMPLATE = "tusach_template"
_postgres_missing: list[str] = []  # why the postgresql variants were skipped, said once


def pytest_addoption(parser):
    parser.addoption("--databases", default=os.environ.get("LIBRARY_TEST_DATABASES", ",".join(DATABASES)),
                     help="comma-separated backends the database tests run on (sqlite,postgresql)")


def pytest_generate_tests(metafunc):
    if "database_kind" in metafunc.fixturenames:
        kinds = [k.strip() for k in metafunc.config.getoption("databases").split(",") if k.strip()]
        unknown = set(kinds) - set(DATABASES)
        if unknown:
            raise pytest.UsageError(f"--databases: unknown backend {', '.join(sorted(unknown))}")
        metafunc.parametrize("database_kind", kinds, indirect=True)


def pytest_terminal_summary(terminalreporter):
    if _postgres_missing:
        terminalreporter.write_line(f"PostgreSQL variants skipped: {_postgres_missing[0]}", yellow=True)
    if not CORPUS.is_dir():
        terminalreporter.write_line(
            f"Third-party corpus tests skipped: no corpus at {CORPUS} (set LIBRARY_CORPUS)", yellow=True)


@pytest.fixture(autouse=True)
def _command_line_in_vietnamese(monkeypatch):
    """The command line speaks the language its environment names (library/cli_language.py):
    tests that read its words get the default, Vietnamese, whatever the developer's locale;
    tests of English say LANG themselves."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """One throwaway PostgreSQL server for the session, and a migrated template database
    every test's database is copied from (a copy takes milliseconds, a migration seconds).
    Absent binaries skip the postgresql variants, except under CI, where they must run."""
    from tests.pgserver import PostgresServer, PostgresUnavailable, find_bin_dir

    try:
        import psycopg  # noqa: F401
        if find_bin_dir() is None:
            raise PostgresUnavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        server = PostgresServer().start()
    except (ImportError, PostgresUnavailable) as error:
        reason = (f"{error}" if isinstance(error, PostgresUnavailable)
                  else "the driver is missing (pip install -e '.[postgres]')")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the PostgreSQL variants: {reason}", pytrace=False)
        _postgres_missing.append(reason)
        pytest.skip(f"PostgreSQL: {reason}")
    try:
        root = tmp_path_factory.mktemp("pg-template")
        template = create_app({"TESTING": True, "SECRET_KEY": "template-" + "0" * 40, "INDEX_INLINE": True,
                               "SQLALCHEMY_DATABASE_URI": server.create_database(TEMPLATE),
                               "BOOKS_DIR": str(root / "books"), "INDEX_DIR": str(root / "index")})
        prepare(template)
        _close(template)  # a template with a connection open cannot be copied
        yield server
    finally:
        server.stop()


_database_numbers = itertools.count(1)


@pytest.fixture
def database_kind(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(request, database_kind, tmp_path):
    """A fresh, migrated database of the test's backend; a SQLite file in tmp_path, or a
    copy of the migrated template on the session's PostgreSQL server (dropped after)."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'library.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    url = server.create_database(name, template=TEMPLATE)
    yield url
    server.drop_database(name)


@pytest.fixture
def new_database(request, database_kind, tmp_path):
    """Makes more fresh databases of the test's backend (for a second instance: a restore
    target, another host): `new_database()` -> URL. PostgreSQL ones are dropped after."""
    made = []

    def make() -> str:
        number = next(_database_numbers)
        if database_kind == "sqlite":
            return f"sqlite:///{tmp_path / f'library-{number}.db'}"
        server = request.getfixturevalue("postgres")
        made.append(f"test_{os.getpid()}_{number}")
        return server.create_database(made[-1], template=TEMPLATE)

    yield make
    for name in made:
        request.getfixturevalue("postgres").drop_database(name)


_other_apps: list = []  # made by another_app during the current test


def another_app(app, **config):
    """A second app on the test's database (another process or host, as far as the database
    can tell), with `config` changed; its connections are closed after the test (PostgreSQL's
    would otherwise be left to the garbage collector)."""
    other = create_app({**app.config, **config})
    _other_apps.append(other)
    return other


def _close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, database_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BOOKS_DIR": str(tmp_path / "books"),
        "INDEX_DIR": str(tmp_path / "index"),
        "INDEX_INLINE": True,  # tests index at once, in the request's thread
        # Queued tasks (a scan's recognition) run when a test says so (tasks.run_until_idle),
        # not in a thread that outlives the test's temporary folder.
        "JOBS_BACKGROUND": False,
    })
    prepare(app)  # what `flask --app wsgi db upgrade` and the worker do for an instance
    yield app
    while _other_apps:
        _close(_other_apps.pop())
    _close(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(app, username="member1", role="member", branch="cb01", password=None):
    with app.app_context():
        user = create_user(username, role, branch_code=branch, password=password)
        db.session.commit()
        return user.id


def bearer(app, username) -> dict:
    with app.app_context():
        from library.auth.accounts import find_user

        token = issue_token(find_user(username), "test")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, app, username):
    """A cookie session for `username`, as after a real sign-in."""
    with app.app_context():
        from library.auth.accounts import find_user

        user = find_user(username)
        session_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


@pytest.fixture
def member(app):
    make_user(app, "member1", "member")
    return "member1"


@pytest.fixture
def client(app, member):
    """A member signed in with a session cookie."""
    return sign_in(app.test_client(), app, member)


@pytest.fixture
def api_headers(app, member):
    return bearer(app, member)


@pytest.fixture
def anonymous(app):
    return app.test_client()


def signed_in(app, username, role, branch="cb01"):
    """A test client signed in as a new user with this role and branch."""
    make_user(app, username, role, branch)
    return sign_in(app.test_client(), app, username)


@pytest.fixture
def librarian_client(app):
    return signed_in(app, "thuthu1", "librarian")


@pytest.fixture
def secretary_client(app):
    return signed_in(app, "bithu1", "secretary")


@pytest.fixture
def admin_client(app):
    return signed_in(app, "quantri1", "admin")


@pytest.fixture
def shared_database_url(tmp_path):
    """The one database several hosts share (tests/test_hosts.py): a SQLite file here; the
    same tests run on PostgreSQL when this fixture yields a postgresql:// URL."""
    return f"sqlite:///{tmp_path / 'shared' / 'library.db'}"
