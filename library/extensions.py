"""Flask extensions, created unbound and bound to the app in create_app."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
# Batch mode lets Alembic alter SQLite tables (it copies them), the embedded default.
migrate = Migrate(render_as_batch=True)
