"""A fresh PostgreSQL database per test module, for the suites that run on both databases.

The server is named by ``XRAY_SYNC_TEST_POSTGRES_URL`` (``.ci/run`` sets it). Each
database gets a random name and is dropped at the end, so that suites running at
the same time on one server never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from store.db import make_engine, migrate

PG_ENV = "XRAY_SYNC_TEST_POSTGRES_URL"


def skip_reason(suite: str) -> str:
    return (
        f"PostgreSQL tests need {PG_ENV}; run them with "
        f"{PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/pytest {suite}"
    )


@contextmanager
def fresh_database(suite: str, *, migrated: bool = True) -> Iterator[str]:
    """Yield the URL of a new, randomly named database; skip when no server is named."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(skip_reason(suite))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"xs_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            engine = make_engine(url)
            migrate(engine)
            engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
