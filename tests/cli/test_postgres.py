"""The CLI on a PostgreSQL store named by `[store] url` (XRAY_SYNC_STORE_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.cli.conftest import Cli

PG_ENV = "XRAY_SYNC_TEST_POSTGRES_URL"
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A fresh, randomly named PostgreSQL database, dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is unset; run with {PG_ENV}="
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/pytest tests/cli")
    name = f"xs_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


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
