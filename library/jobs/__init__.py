"""Persisted ingest jobs and the runner that works through them off the request thread."""
from flask import Flask

from library.jobs import models  # noqa: F401  (tables known to the metadata)


def init_app(app: Flask) -> None:
    pass
