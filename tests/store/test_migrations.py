"""The alembic migrations build exactly the schema the models describe, on both databases,
and keep every row of a store that already holds data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    select,
)
from sqlmodel import SQLModel

from store import (
    changes,
    models,  # noqa: F401  (the tables)
    sync_state,
)
from store.db import alembic_config, make_engine, migrate
from store.errors import Invalid
from tests.postgres import fresh_database
from tests.store.conftest import BACKENDS


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


# Every migration meets a store that already holds data: a database is built at each
# earlier revision, filled with rows of that revision's schema, and brought to the head.
REVISIONS = [s.revision for s in
             reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))]
ROWS_PER_TABLE = 2


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with fresh_database("tests/store", migrated=False) as url:
            yield url


def column_value(table: Table, column: Column[Any], index: int) -> object:
    """A value of the column's type for row `index`, distinct per row."""
    kind = column.type
    if isinstance(kind, Integer):
        return index + 1
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=index)
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, String) and kind.length is not None:
        return f"{table.name[:8]}-{column.name[:8]}-{index}"[-kind.length:]
    return json.dumps({"row": index})


def fill(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """ROWS_PER_TABLE rows in every table of the database as it is now; row i of a child
    references row i of its parent."""
    metadata = MetaData()
    metadata.reflect(engine)
    written: dict[str, list[dict[str, object]]] = {}
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = []
            for index in range(ROWS_PER_TABLE):
                row = {c.name: column_value(table, c, index) for c in table.columns}
                for fk in table.foreign_keys:
                    row[fk.parent.name] = written[fk.column.table.name][index][fk.column.name]
                rows.append(row)
            conn.execute(table.insert(), rows)
            written[table.name] = rows
    return written


def read_back(engine: Engine, written: dict[str, list[dict[str, object]]]
              ) -> dict[str, list[dict[str, object]]]:
    """The columns that were written, as the migrated database holds them."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, list[dict[str, object]]] = {}
    with engine.connect() as conn:
        for name, rows in written.items():
            table = metadata.tables[name]
            columns = [table.c[c] for c in rows[0]]
            result = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            found[name] = [dict(r._mapping) for r in result]
    return found


def comparable(rows: dict[str, list[dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    """Datetimes as naive UTC: SQLite's reflected DATETIME gives back no zone."""
    def plain(value: object) -> object:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    return {name: [{k: plain(v) for k, v in row.items()} for row in table]
            for name, table in rows.items()}


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_a_populated_store_keeps_every_row_through_the_later_migrations(
        revision: str, empty_url: str) -> None:
    """Rows written at an older schema are all there, unchanged, after migrating to the head."""
    engine = make_engine(empty_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        written = fill(engine)
        migrate(engine)
        assert comparable(read_back(engine, written)) == comparable(written)
    finally:
        engine.dispose()


def test_a_link_write_moves_the_stamp_of_a_store_migrated_with_links(empty_url: str) -> None:
    """A store holding links before the change counter (0008) existed: after migrating,
    the sync's first write to a link moves the change feed's stamp."""
    engine = make_engine(empty_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0007")
        linked = str(fill(engine)["jira_links"][0]["session_id"])
        migrate(engine)
        with engine.connect() as conn:
            before = changes.stamp(conn)
        sync_state.record_error(engine, linked, "Jira answered 503", datetime.now(UTC))
        with engine.connect() as conn:
            assert changes.stamp(conn) != before
    finally:
        engine.dispose()
