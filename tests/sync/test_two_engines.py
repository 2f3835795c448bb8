"""Two engines (two daemons) on one PostgreSQL store against one Jira: no session pushed twice."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine

from connector.fake import FakeBackend
from tests.sync.engine_world import Clock, World

SESSIONS = 40


@pytest.mark.postgres
def test_two_engines_never_push_one_session_twice(pg_engine: Engine, tmp_path: Path) -> None:
    """Racing engines share the work; every session gets exactly one Test Execution."""
    url = pg_engine.url.render_as_string(hide_password=False)
    clock = Clock()
    backend = FakeBackend(clock=clock)
    first = World(tmp_path, backend=backend, worker="daemon-1", store_url=url, clock=clock)
    second = World(tmp_path, backend=backend, worker="daemon-2", store_url=url, clock=clock)
    first.setup_users()
    ids = [first.add_session(f"S{i}") for i in range(SESSIONS)]
    summaries = []
    go = threading.Barrier(2)

    def run(world: World) -> None:
        go.wait()
        summaries.append(world.run())

    threads = [threading.Thread(target=run, args=(w,)) for w in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    executions = [i for i in backend.issues.values() if i.issue_type == "Test Execution"]
    assert len(executions) == SESSIONS
    assert backend.calls["import_new_execution"] == SESSIONS
    assert sum(s.created for s in summaries) == SESSIONS
    assert {first.store.show("alice", sid).link.state for sid in ids} == {"synced"}  # type: ignore[union-attr]
    first.engine.dispose()
    second.engine.dispose()
