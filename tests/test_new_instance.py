"""A web process on an instance no step has readied (a new clone served at once, or
`create_app()` driven by a test client): create_app writes nothing, and the first request
makes the instance ready instead of answering 500."""
from library import create_app
from library.extensions import db


def test_the_first_request_readies_a_new_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("LIBRARY_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("LIBRARY_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'data' / 'library.db'}",
                      "BOOKS_DIR": str(tmp_path / "books"), "INDEX_DIR": str(tmp_path / "index")})
    assert not (tmp_path / "instance").exists() and not (tmp_path / "data").exists()

    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200, health.text
    assert health.get_json()["status"] == "ok"
    assert any((tmp_path / "instance").iterdir())  # the secret key kept for the next process
    login = client.get("/dang-nhap")
    assert login.status_code == 200 and "csrf_token" in login.text  # sessions work
    with app.app_context():
        db.engine.dispose()
