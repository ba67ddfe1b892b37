"""Alembic migrations; `upgrade` brings a database to the newest schema."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from vigil.db import ensure_sqlite_directory

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(database_url), revision)
