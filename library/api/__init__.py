"""The JSON API for scripts and other apps, one module per area (books, search, inbook,
progress, notes, reading_lists), the OPDS catalogue and the health check. Its one error
format, `{"error": message}`, comes from library.errors."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from library.api import (accounts, books, health, inbook, notes, opds, progress,  # noqa: E402,F401
                         reading_lists, search)
