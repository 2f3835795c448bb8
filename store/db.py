"""Engines and migrations: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL by URL.

Write transactions on SQLite start with `BEGIN IMMEDIATE` so that two writers queue
on the busy timeout instead of failing when a read lock is upgraded; engines made
with `read_only(engine)` start plain deferred transactions so readers never queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

from store.errors import Invalid

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
CACHE_KIB = 64 * 1024
_READ_ONLY = "xray_sync_read_only"


def make_engine(url: str) -> Engine:
    """An engine for `url` (`sqlite:///PATH` or `postgresql+psycopg://...`) set up for the store."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_size=10, max_overflow=30, pool_pre_ping=True)
    raise Invalid("unsupported_database", f"unsupported database URL scheme {parsed.drivername!r}")


def read_only(engine: Engine) -> Engine:
    """The same engine, marked so that SQLite opens its transactions deferred (readers)."""
    return engine.execution_options(**{_READ_ONLY: True})


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy's "begin" event, not the driver, decide how transactions start
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # the listing indexes stay in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        deferred = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine


def alembic_config() -> Config:
    """An alembic configuration for the migrations shipped inside this package.

    No URL goes into it: `migrate` hands alembic an open connection, so no password
    is ever copied into configuration.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the database of `engine` to the newest schema (alembic `upgrade head`)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
