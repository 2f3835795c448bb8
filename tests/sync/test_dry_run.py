"""`xray-sync sync --dry-run` sends no write (the sandbox's request log shows only reads),
stores nothing, and its plan is what the next real sync does; `--reconcile` runs the
deletion listing on demand."""

from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.api.app import create_app
from sync.cli import cli
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.daemon import ApiServer, Daemon
from sync.engine.build import build_engine
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port

AUTH = ("sandbox@example.com", "sandbox-token")


@pytest.fixture(params=["cloud", "datacenter"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    running = start_sandbox(request.param)
    yield running
    running.stop()


def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["sync", *args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def _store_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the store (a dry run must leave each one alone)."""
    with sqlite3.connect(database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(map(tuple, db.execute(f'SELECT * FROM "{t}"')), key=repr)  # noqa: S608
                for t in tables}


def _issue(store: Store, sid: str) -> str:
    link = store.show("alice", sid).to_json()["link"]
    return str(link["test_execution"])


class World:
    """A store with pushed sessions, then changes on both sides of every kind."""

    def __init__(self, sandbox: RunningSandbox, home: Path) -> None:
        self.sandbox = sandbox
        self.env = {**daemon_env(home, sandbox.url, free_port()),
                    "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000",
                    "XRAY_SYNC_JIRA_DEPLOYMENT": sandbox.runtime.deployment,
                    "XRAY_SYNC_JIRA_TOKEN": "sandbox-token",
                    "XRAY_SYNC_SYNC_ON_PURGE": "transition"}
        self.home = home
        self.store = open_store(load_config(None, self.env))
        self.store.add_user("alice", admin=True)
        self.ids = {name: self._import(name) for name in ("renamed", "saved", "pulled",
                                                          "locked", "deleted", "purged")}
        self.ids["charter"] = self._import("charter", kind="charter")
        _run(self.env)  # everything pushed: the base of every session is known
        _run(self.env)  # and pulled back once: the watermark is set

    def _import(self, name: str, kind: str = "session") -> str:
        return self.store.import_session("alice", "alice",
                                         io.BytesIO(make_bundle(name, kind=kind)),
                                         mode="xray", project="QA").id

    def jira(self, method: str, key: str, body: dict[str, Any] | None = None) -> None:
        version = "3" if self.sandbox.runtime.deployment == "cloud" else "2"
        http = requests.Session()
        if version == "3":
            http.auth = AUTH
        else:
            http.headers["Authorization"] = "Bearer sandbox-token"
        answer = http.request(method, f"{self.sandbox.url}/rest/api/{version}/issue/{key}",
                              json=body, timeout=10)
        assert answer.status_code < 300, answer.text

    def change_everything(self) -> None:
        ids, store = self.ids, self.store
        self.ids["new"] = self._import("new")
        self.ids["new charter"] = self._import("new charter", kind="charter")
        store.open("alice", ids["charter"])
        store.save("alice", ids["charter"], io.BytesIO(make_bundle("charter", kind="charter",
                                                                   notes=("A new mission",))))
        store.close("alice", ids["charter"])
        store.delete("alice", ids["purged"])
        store.purge_trash(older_than=datetime.now(UTC) + timedelta(days=1))
        store.rename("alice", ids["renamed"], "renamed here")
        store.open("alice", ids["saved"])
        store.save("alice", ids["saved"], io.BytesIO(make_bundle("saved", defect="Crash")))
        store.close("alice", ids["saved"])
        self.jira("PUT", _issue(store, ids["pulled"]), {"fields": {"summary": "renamed in Jira"}})
        store.open("alice", ids["locked"])
        self.jira("PUT", _issue(store, ids["locked"]), {"fields": {"summary": "while locked"}})
        self.jira("DELETE", _issue(store, ids["deleted"]))

    def requests(self) -> Counter[str]:
        with self.sandbox.state.lock:
            return Counter(self.sandbox.state.log.per_endpoint)


@pytest.fixture
def world(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[World]:
    made = World(sandbox, tmp_path / "home")
    made.change_everything()
    yield made
    made.store.engine.dispose()


def _kinds(plan: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    names = {sid: name for name, sid in ids.items()}
    return {names[s["session"]]: s["kind"] for s in plan["steps"]}


def test_a_dry_run_sends_only_reads_and_stores_nothing(world: World) -> None:
    """The dry run's requests are all GETs; every store table (the pull's watermarks and
    lease among them) is as it was; the plan names each session's step."""
    database = world.home / "xray-sync.db"
    rows = _store_rows(database)
    assert rows["sync_watermarks"]  # the pull set one, which the dry run must leave
    before = world.requests()
    plan = _run(world.env, "--dry-run", "--reconcile")
    sent = world.requests() - before
    assert sent and all(endpoint.startswith("GET ") for endpoint in sent), sent
    assert _store_rows(database) == rows
    assert _kinds(plan, world.ids) == {"new": "create", "renamed": "rename", "saved": "update",
                                       "pulled": "pull", "locked": "defer",
                                       "deleted": "delete", "new charter": "create",
                                       "charter": "update", "purged": "purge"}
    assert plan["requests"]["reads"] == sum(sent.values())


def test_the_plan_is_what_the_next_sync_does(world: World) -> None:
    """The real sync after a dry run makes the counts the plan announced, and sends the
    requests it announced."""
    plan = _run(world.env, "--dry-run", "--reconcile")
    before = world.requests()
    done = _run(world.env, "--reconcile")
    sent = sum((world.requests() - before).values())
    last, reconciled = done["last"], done["reconcile"]
    assert plan["counts"] == {
        "created": last["created"], "pushed": last["pushed"],
        "pulled": last["pulled"] + reconciled["pulled"], "conflicts": last["conflicts"],
        "deferred": last["deferred"] + reconciled["deferred"]}
    assert plan["counts"] == {"created": 2, "pushed": 6, "pulled": 2, "conflicts": 0,
                              "deferred": 1}
    assert sent == plan["requests"]["total"]


def test_without_reconcile_a_deletion_is_not_seen(world: World) -> None:
    """Without --reconcile neither the plan nor the sync notices the deleted issue."""
    plan = _run(world.env, "--dry-run")
    assert "deleted" not in _kinds(plan, world.ids)
    assert "reconcile" not in _run(world.env)


def test_a_dry_run_through_the_daemon_makes_the_same_plan(world: World) -> None:
    """With a daemon answering (and a token), `--dry-run` asks it (POST /api/v1/sync with
    dry_run): the same steps, and still only reads sent."""
    config = load_config(None, world.env)
    daemon = Daemon(config, build_engine(config, world.store))
    server = ApiServer(create_app(config, world.store, daemon), "127.0.0.1", config.server.port)
    server.start()
    try:
        here = _run(world.env, "--dry-run", "--reconcile")
        before = world.requests()
        env = {**world.env, "XRAY_SYNC_TOKEN": world.store.issue_token("alice")}
        there = _run(env, "--dry-run", "--reconcile")
        sent = world.requests() - before
    finally:
        server.stop()
    assert (here["daemon"], there["daemon"]) == (False, True)
    assert _kinds(there, world.ids) == _kinds(here, world.ids)
    assert all(endpoint.startswith("GET ") for endpoint in sent), sent
