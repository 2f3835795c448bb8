"""The alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from store import models  # noqa: F401  (the tables)
from store.db import make_engine, migrate
from store.errors import Invalid


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    """After `migrate`, alembic finds no difference between the database and the models."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_twice_changes_nothing(engine: Engine) -> None:
    """Running `migrate` on an up-to-date database is harmless."""
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    assert sorted(inspect(engine).get_table_names()) == before


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    """SQLite connections use WAL, a busy timeout and enforce foreign keys."""
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    with engine.connect() as conn:
        pragmas = [conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                   for p in ("journal_mode", "foreign_keys", "busy_timeout")]
    engine.dispose()
    assert pragmas == ["wal", 1, 30000]


def test_unknown_database_scheme_is_invalid() -> None:
    """Only SQLite and PostgreSQL URLs make an engine."""
    with pytest.raises(Invalid) as refused:
        make_engine("mysql://localhost/store")
    assert refused.value.rule == "unsupported_database"
