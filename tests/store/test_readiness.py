"""`store.readiness`: the schema's revision against the newest shipped, and the write probes
(rolled back, removed), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text

from store.db import make_engine
from store.errors import Unavailable
from store.readiness import check_writable, missing_sqlite_file, schema_state


def test_a_migrated_store_is_at_the_head(engine: Engine) -> None:
    """A migrated database is at the newest revision."""
    state = schema_state(engine)
    assert (state.migrated, state.current) == (True, state.head)


def test_the_write_probe_leaves_nothing(engine: Engine, tmp_path: Path) -> None:
    """The probe writes, rolls back, and leaves the revision and the folder as they were."""
    before = schema_state(engine).current
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    check_writable(engine, blobs)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == before
    assert list(blobs.iterdir()) == []


def test_a_never_migrated_database_has_no_revision(tmp_path: Path) -> None:
    """An empty database is at no revision, and the probe creates no table in it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert schema_state(engine).current is None
        check_writable(engine, tmp_path)
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_a_read_only_database_is_reported(sqlite_template: Path, tmp_path: Path) -> None:
    """A SQLite database opened read-only refuses the probe, naming the rule."""
    path = sqlite_template
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with read_only.connect() as conn:
            conn.execute(select(1))
        with pytest.raises(Unavailable, match="database_read_only"):
            check_writable(read_only, tmp_path)
    finally:
        read_only.dispose()


def test_a_missing_blob_folder_is_reported(engine: Engine, tmp_path: Path) -> None:
    """A blob folder that cannot take a file is reported, naming the rule."""
    with pytest.raises(Unavailable, match="blobs_read_only"):
        check_writable(engine, tmp_path / "absent")


def test_a_missing_sqlite_file_is_named_without_creating_it(tmp_path: Path) -> None:
    """A SQLite URL naming no file is reported; PostgreSQL URLs and existing files are not."""
    missing = tmp_path / "none.db"
    assert missing_sqlite_file(f"sqlite:///{missing}") == missing
    assert not missing.exists()
    missing.write_bytes(b"")
    assert missing_sqlite_file(f"sqlite:///file:{missing}?mode=ro&uri=true") is None
    assert missing_sqlite_file("postgresql+psycopg://u@h/db") is None
