"""Throw-away databases: each yields a SQLAlchemy URL and removes the database afterwards."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A fresh SQLite file; the caller's temporary directory takes it away."""
    yield f"sqlite:///{directory / 'bench.db'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database `bench_<random>` on the server of `server_url`, dropped afterwards."""
    name = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE (PostgreSQL 13+) ends sessions a killed server may have left behind.
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_version(url: str) -> str:
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one()).split()[0]
    finally:
        engine.dispose()


def postgres_server_pid(url: str) -> int | None:
    """The postmaster's pid, when the server runs on this machine and its /proc is readable.

    Its process tree (every backend, the WAL writer, autovacuum...) is what the database costs in
    CPU; a backend's parent is the postmaster.
    """
    engine = create_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            backend = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            try:
                with open(f"/proc/{backend}/stat") as stat:
                    return int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:  # another machine, or another PID namespace
                return None
    finally:
        engine.dispose()
