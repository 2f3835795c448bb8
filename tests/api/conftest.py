"""Fixtures of the API tests: the app over a real store on SQLite (a new file per test) and
on PostgreSQL (a new database per module, emptied before each test), and a small world:
alice (owner), bob (member of qa-team), carol (not a member), root (admin)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, MetaData, text

from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from sync.api import create_app
from sync.config import Config, Secrets, StoreConfig, WebhooksConfig, WorkflowConfig
from sync.wiring import store_settings
from tests.postgres import fresh_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
WEBHOOK_SECRET = "hook-secret-for-tests"
AUTOMATION_SECRET = "automation-secret-for-tests"
ON_STATUS = {"Done": "archive", "Reopened": "unarchive", "Cancelled": "disconnect",
             "Resolved": "move:qa-archive", "Rerun": "sync", "Released": "unlock"}


class FakeSync:
    """A SyncControl that records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[str | None] = []
        self.reconciles: list[bool] = []
        self.plans: list[tuple[str | None, bool]] = []

    def request(self, session_id: str | None = None, *, reconcile: bool = False) -> None:
        self.requests.append(session_id)
        self.reconciles.append(reconcile)

    def plan(self, session_id: str | None = None, *, reconcile: bool = False) -> dict[str, Any]:
        self.plans.append((session_id, reconcile))
        return {"dry_run": True, "steps": [], "session": session_id, "reconcile": reconcile}

    def status(self) -> dict[str, Any]:
        return {"running": True, "requests": len(self.requests)}


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module (dropped at the end), migrated."""
    with fresh_database("tests/api") as url:
        yield url


def _empty_postgres(engine: Engine) -> None:
    # our own per-module database: emptying it between tests keeps them independent
    tables = MetaData()
    tables.reflect(engine)
    names = ", ".join(f'"{t}"' for t in tables.tables if t != "alembic_version")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


WORLD_USERS = ("alice", "bob", "carol", "root")


def populate(store: Store) -> dict[str, str]:
    """Users, a team workspace qa-team (alice, bob), qa-archive (alice); their tokens."""
    store.add_user("alice", jira_account_id="acc-alice")
    store.add_user("bob", jira_account_id="acc-bob")
    store.add_user("carol")
    store.add_user("root", admin=True, jira_account_id="acc-root")
    store.add_workspace(None, "qa-team", members=("alice", "bob"))
    store.add_workspace(None, "qa-archive", members=("alice",))
    return {name: store.issue_token(name) for name in WORLD_USERS}


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated, populated SQLite file made once per module; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    made = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(made)
    tokens = populate(Store(made, StoreSettings(home=folder)))
    made.dispose()  # the last connection's close checkpoints the WAL into the file
    return folder / "store.db", tokens


@pytest.fixture(params=BACKENDS)
def populated(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Engine, dict[str, str]]]:
    """A migrated database on each backend holding the world's users, and their tokens."""
    if request.param == "sqlite":
        template, tokens = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "store.db")
        made = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        made = make_engine(request.getfixturevalue("pg_url"))
        _empty_postgres(made)
        tokens = populate(Store(made, StoreSettings(home=tmp_path)))
    yield made, tokens
    made.dispose()


def make_config(home: Path, **overrides: Any) -> Config:
    """A config for tests: both webhook secrets set, the workflow of ON_STATUS."""
    values: dict[str, Any] = {
        "home": home,
        "store": StoreConfig(),
        "workflow": WorkflowConfig(on_status=ON_STATUS, on_delete="disconnect"),
        "webhooks": WebhooksConfig(max_body_kb=64),
        "secrets": Secrets(webhooks_secret=SecretStr(WEBHOOK_SECRET),
                           webhooks_automation_secret=SecretStr(AUTOMATION_SECRET)),
    }
    values.update(overrides)
    return Config(**values)


@dataclass
class World:
    """The app, its store and the tokens of alice, bob, carol and root."""

    client: TestClient
    store: Store
    sync: FakeSync
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        """The Authorization header of `user`."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def upload(self, user: str = "alice", workspace: str = "qa-team", *, name: str = "Checkout",
               data: bytes = b"opaque session file", **fields: str) -> dict[str, Any]:
        """Upload a session through the API and return its JSON (asserting 201)."""
        response = self.client.post(
            f"/api/v1/workspaces/{workspace}/sessions", headers=self.auth(user),
            files={"file": (f"{name}.xea", io.BytesIO(data), "application/octet-stream")},
            data={"name": name, **fields},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def build_world(engine: Engine, tokens: dict[str, str], home: Path, *,
                sync: FakeSync | None = None, max_upload_bytes: int = 1 << 30,
                **config: Any) -> World:
    """The app over a populated store, with the store's settings from the config (as the
    daemon opens it)."""
    made = make_config(home, **config)
    store = Store(engine, replace(store_settings(made), max_upload_bytes=max_upload_bytes))
    fake = FakeSync() if sync is None else sync
    app = create_app(made, store, fake)
    return World(TestClient(app), store, fake, dict(tokens))


@pytest.fixture
def world(populated: tuple[Engine, dict[str, str]], tmp_path: Path) -> Iterator[World]:
    """The app over a fresh store on each backend."""
    engine, tokens = populated
    made = build_world(engine, tokens, tmp_path)
    with made.client:
        yield made
