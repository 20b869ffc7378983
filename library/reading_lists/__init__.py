"""Reading lists: secretaries assign, members read, the branch sees who has finished."""
from flask import Blueprint, Flask

from library.reading_lists import models  # noqa: F401  (tables known to the metadata)

bp = Blueprint("reading_lists", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
