"""Administration: users, branches, the member import and the audit log."""
from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
