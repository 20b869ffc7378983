"""The JSON API for scripts and other apps, and the health check."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from library.api import books, health, opds, search  # noqa: E402,F401
