"""The WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""
from library import create_app

app = create_app()
