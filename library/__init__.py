"""Tủ sách điện tử: the application factory. It only wires: the schema upgrade, the secret
key file and a new instance's index are explicit steps (library.instance)."""
from pathlib import Path

from flask import Flask

from library import config
from library.extensions import db, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Defaults, then LIBRARY_* environment, then the test mapping."""
    app = Flask(
        __name__,
        instance_path=str(config.instance_dir()),
        template_folder=str(config.REPO_ROOT / "templates"),
        static_folder=str(config.REPO_ROOT / "static"),
    )
    app.config.from_mapping(config.DEFAULTS)
    test_config = test_config or {}
    environment = config.from_environment(Path(app.instance_path))
    app.config.from_mapping({k: v for k, v in environment.items() if v is not None})
    app.config.from_mapping(test_config)

    app.json.ensure_ascii = False  # Vietnamese JSON readable as is
    from library import database

    database.configure(app)  # postgresql:// means psycopg 3; engine options per backend
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.REPO_ROOT / "migrations"))

    from library import audit, cli, errors, i18n, indexing, navigation, search, security, storage
    from library import instance  # `flask db upgrade` readies a new instance too
    from library import admin, console, jobs, maintenance, members, proxy, reading_lists, tasks
    from library.reader import models as reader_models  # noqa: F401  (tables known to the metadata)
    from library.ocr import background as ocr
    from library.auth import init_app as init_auth
    from library.catalog import bp as catalog_bp
    from library.search.views import bp as search_bp
    from library.api import bp as api_bp
    from library.reader import bp as reader_bp

    proxy.init_app(app)
    storage.init_app(app)
    search.init_app(app)
    indexing.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    init_auth(app)
    navigation.init_app(app)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(reader_bp)
    tasks.init_app(app)
    ocr.init_app(app)
    jobs.init_app(app)
    console.init_app(app)
    admin.init_app(app)
    reading_lists.init_app(app)
    members.init_app(app)
    cli.init_app(app)
    maintenance.init_app(app)  # after cli: adds `index check`; the start-up reconcile
    instance.prepare_before_first_request(app)  # last: it wraps ProxyFix, runs before all
    return app
