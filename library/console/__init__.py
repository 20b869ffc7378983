"""The librarian's console: uploads with progress, metadata edits, replace, withdraw, delete."""
from flask import Blueprint, Flask

bp = Blueprint("console", __name__, url_prefix="/thu-vien")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
