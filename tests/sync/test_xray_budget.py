"""The request budget per session, per service, as the sandbox's request log counts it: a
first push and an update each cost at most one Xray request (issue 11), on Cloud and on
Data Center; Jira's requests are counted apart.

Xray's requests are Xray Cloud's API (`/api/v2/...`, less `authenticate`, made once per
token) and Xray Server's REST (`/rest/raven/...`)."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.cli import cli
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port

SESSIONS = 6


@pytest.fixture(params=["cloud", "datacenter"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    with start_sandbox(request.param) as running:
        yield running


def _env(sandbox: RunningSandbox, home: Path) -> dict[str, str]:
    return {**daemon_env(home, sandbox.url, free_port()),
            "XRAY_SYNC_JIRA_DEPLOYMENT": sandbox.runtime.deployment,
            "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000"}


def _sync(env: dict[str, str]) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["sync", "--json"], env=env)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def _per_service(sandbox: RunningSandbox) -> Counter[str]:
    """The requests the sandbox answered since its last reset, by service."""
    counts: Counter[str] = Counter()
    with sandbox.state.lock:
        for endpoint, n in sandbox.state.log.per_endpoint.items():
            path = endpoint.split(" ", 1)[1]
            if path.endswith("/authenticate"):
                counts["login"] += n
            elif path.startswith(("/api/", "/rest/raven/")):
                counts["xray"] += n
            elif path.startswith("/rest/api/"):
                counts["jira"] += n
        sandbox.state.log.per_endpoint.clear()
    return counts


def _sessions(store: Store) -> list[str]:
    return [store.import_session("alice", "alice", io.BytesIO(make_bundle(
        f"Budget {i}", notes=("first look",), defect=f"Bug {i}")), mode="xray",
        project="QA").id for i in range(SESSIONS)]


def _changed(store: Store, ids: list[str]) -> None:
    """Each session saved again: a new note, a new status and a new defect."""
    for n, sid in enumerate(ids):
        store.open("alice", sid)
        store.save("alice", sid, io.BytesIO(make_bundle(
            f"Budget {n}", status="FAILED", notes=("first look", "second look"),
            defect=f"Bug {n} again")))
        store.close("alice", sid)


def test_a_first_push_and_an_update_cost_one_xray_request_each(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """SESSIONS new sessions (each with a defect and a screenshot) cost at most one Xray
    request each to push; saved again (status, note, new defect), one each to update."""
    env = _env(sandbox, tmp_path)
    store = open_store(load_config(None, env))
    store.add_user("alice", admin=True)
    ids = _sessions(store)
    _per_service(sandbox)
    assert _sync(env)["last"]["created"] == SESSIONS
    first = _per_service(sandbox)
    _changed(store, ids)
    assert _sync(env)["last"]["pushed"] == SESSIONS
    update = _per_service(sandbox)
    assert first["xray"] <= SESSIONS
    assert update["xray"] <= SESSIONS
    store.engine.dispose()
