"""The reader: a book opened at a page or chapter, with the searched words highlighted."""
from flask import Blueprint

bp = Blueprint("reader", __name__)

from library.reader import views  # noqa: E402,F401
from library.reader import files  # noqa: E402,F401
from library.reader import api  # noqa: E402,F401
