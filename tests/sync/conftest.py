"""Fixtures for the sync tests: a migrated store database (SQLite file, or a fresh
PostgreSQL database when XRAY_SYNC_TEST_POSTGRES_URL is set), rows put straight in it, and
`pg_cluster`: a private PostgreSQL cluster a test may restart (tests/sync/pg_cluster.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from store.db import make_engine, migrate
from store.models import ExploratorySession, JiraLink, Membership, OutboxEntry, User, Workspace
from tests.postgres import fresh_database
from tests.sync.pg_cluster import pg_cluster  # noqa: F401 - a fixture: a private PostgreSQL

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def db_engine(tmp_path: object) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    """A migrated engine on a fresh PostgreSQL database of this module."""
    with fresh_database("tests/sync") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def add_owner(engine: Engine, name: str = "alice") -> tuple[int, int]:
    """A user and her personal workspace; returns their ids."""
    with Session(engine) as db:
        user = User(name=name)
        db.add(user)
        db.flush()
        ws = Workspace(name=name, kind="personal", owner_id=user.id)
        db.add(ws)
        db.flush()
        db.add(Membership(workspace_id=ws.id, user_id=user.id))  # type: ignore[arg-type]
        db.commit()
        return user.id, ws.id  # type: ignore[return-value]


def add_xray_session(engine: Engine, owner: tuple[int, int], name: str = "s", *,
                     execution: str | None = None, entries: int = 1,
                     lock_holder: str | None = None, digest: str = "d" * 64) -> str:
    """An xray session with its link and `entries` outbox entries; returns its id."""
    sid = uuid.uuid4().hex
    with Session(engine) as db:
        db.add(ExploratorySession(id=sid, owner_id=owner[0], workspace_id=owner[1], name=name,
                                  mode="xray", created=T0, modified=T0, digest=digest,
                                  lock_holder=lock_holder, lock_since=T0 if lock_holder else None))
        db.flush()
        db.add(JiraLink(session_id=sid, project="QA", test_execution=execution))
        for _ in range(entries):
            db.add(OutboxEntry(session_id=sid, kind="save", created=T0))
        db.commit()
    return sid
