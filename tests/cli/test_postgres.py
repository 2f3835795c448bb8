"""The CLI on a PostgreSQL store named by `[store] url` (XRAY_SYNC_STORE_URL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect

from tests.cli.conftest import Cli
from tests.postgres import fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A fresh PostgreSQL database, not migrated (init does it), dropped afterwards."""
    with fresh_database("tests/cli", migrated=False) as url:
        yield url


def test_init_import_and_list_on_postgresql(xs: Cli, pg_store_url: str) -> None:
    """init, users add, import, open and list work the same on a PostgreSQL store."""
    xs.env["XRAY_SYNC_STORE_URL"] = pg_store_url
    assert xs.json("init")["store"].startswith("postgresql+psycopg://")
    xs.ok("users", "add", "bob", user="admin")
    made = xs.import_bundle("On Postgres", user="bob", workspace="bob")
    xs.ok("sessions", "open", made["id"], user="bob")
    items = xs.json("sessions", "list", user="bob")["items"]
    assert [(i["id"], i["lock"]["holder"]) for i in items] == [(made["id"], "bob")]
    refused = xs("sessions", "rename", made["id"], "x", user="admin")
    assert refused.exit_code == 3  # admin may not rename what bob owns


def test_a_postgresql_database_without_the_schema_is_no_store(xs: Cli, pg_store_url: str) -> None:
    """Before init, an empty PostgreSQL database is refused as no store, and left empty."""
    xs.env["XRAY_SYNC_STORE_URL"] = pg_store_url
    result = xs("users", "list", user="admin")
    assert result.exit_code == 4 and "[no_store]" in result.stderr
    assert "postgresql+psycopg://" in result.stderr
    engine = create_engine(pg_store_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
