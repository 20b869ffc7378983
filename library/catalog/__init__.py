"""The catalogue: shelves, books, covers."""
from flask import Blueprint

bp = Blueprint("catalog", __name__)

from library.catalog import views  # noqa: E402,F401
