"""Flask extensions as module globals, bound to an app in create_app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from assessor import sqlite_writes


class Base(DeclarativeBase):
    # Named constraints let Alembic alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, with SQLite connections set up for concurrent requests."""

    def init_app(self, app) -> None:
        super().init_app(app)
        with app.app_context():  # registers connection hooks; connects to nothing
            for engine in self.engines.values():
                sqlite_writes.tune(engine)


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()  # sends only when MAIL_SERVER is set (assessor/services/mail.py)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
