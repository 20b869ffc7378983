"""Fixtures: an app on a real SQLite file, a real book store and a real Whoosh index, all in tmp_path."""
import os
from pathlib import Path

import pytest

from library import create_app
from library.auth.accounts import create_user
from library.auth.tokens import issue_token
from library.extensions import db

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LIBRARY_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'library.db'}",
        "BOOKS_DIR": str(tmp_path / "books"),
        "INDEX_DIR": str(tmp_path / "index"),
        "INDEX_INLINE": True,  # tests index at once, in the request's thread
        # Queued tasks (a scan's recognition) run when a test says so (tasks.run_until_idle),
        # not in a thread that outlives the test's temporary folder.
        "JOBS_BACKGROUND": False,
    })
    yield app
    with app.app_context():
        db.engine.dispose()


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
