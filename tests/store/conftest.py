"""Fixtures of the store tests: a fresh store on SQLite (a new file per test) and on
PostgreSQL (a new database per test module, emptied before each test), a clock the
tests move by hand, and a small world of users, a team workspace and a session."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData
from sqlmodel import SQLModel

from store import models  # noqa: F401  (the tables, for emptying them)
from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from store.views import SessionOut
from tests.postgres import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class Clock:
    """A clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module (dropped at the end), migrated."""
    with fresh_database("tests/store") as url:
        yield url


@pytest.fixture(scope="module")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """One engine on the module's PostgreSQL database."""
    made = make_engine(pg_url)
    yield made
    made.dispose()


def _empty_postgres(engine: Engine) -> None:
    # our own per-module database: emptying it between tests keeps them independent
    # (DELETE, children first: much faster than TRUNCATE on tables this small)
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    made = make_engine(f"sqlite:///{path}")
    migrate(made)
    made.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        copy = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        made = make_engine(f"sqlite:///{copy}")
        yield made
        made.dispose()
    else:
        made = request.getfixturevalue("pg_engine")
        _empty_postgres(made)
        yield made


@pytest.fixture
def clock() -> Clock:
    """The store's clock, moved by hand."""
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> StoreSettings:
    """Default settings, the blobs under the test's temp folder."""
    return StoreSettings(home=tmp_path / "home")


@pytest.fixture
def store(engine: Engine, settings: StoreSettings, clock: Clock) -> Store:
    """A store on a fresh database."""
    return Store(engine, settings, clock=clock)


@dataclass
class World:
    """alice owns a session in qa-team (alice, bob); carol is outside; root is an admin."""

    store: Store
    session: SessionOut

    def upload(self, actor: str = "alice", workspace: str = "qa-team", data: bytes = b"v1",
               **kwargs: Any) -> SessionOut:
        """Import `data` as a new session."""
        return self.store.import_session(actor, workspace, io.BytesIO(data), **kwargs)


def make_world(store: Store, *, mode: str = "standalone") -> World:
    """Users, a team workspace and one session owned by alice."""
    store.add_user("root", admin=True)
    for name in ("alice", "bob", "carol"):
        store.add_user(name, jira_account_id=f"acc-{name}")
    store.add_workspace(None, "qa-team", members=("alice", "bob"))
    project = "QA" if mode == "xray" else None
    session = store.import_session("alice", "qa-team", io.BytesIO(b"first content"),
                                   name="Checkout", mode=mode, project=project)
    return World(store=store, session=session)


@pytest.fixture
def world(store: Store) -> World:
    """The small world with a standalone session."""
    return make_world(store)


def dump(store: Store) -> dict[str, object]:
    """Every row of every table and every blob file: equal dumps mean nothing changed."""
    tables = MetaData()
    tables.reflect(store.engine)
    rows: dict[str, object] = {}
    with store.engine.connect() as conn:
        for name, table in sorted(tables.tables.items()):
            rows[name] = sorted(map(repr, conn.execute(table.select()).all()))
        conn.rollback()
    root = store.settings.blob_root
    rows["blobs"] = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return rows
