"""PostgreSQL really restarted mid-push: the store on a private cluster (tests/sync/pg_cluster.py)
that a fast shutdown takes away, every connection with it, and that comes back a moment
later, while the daemon pushes to the sandbox over HTTP; then the sandbox itself stopped
for a while. The daemon is left alone to recover: converged, one Test Execution and one
Test per session, every edit in Jira."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.config import load_config
from sync.daemon import run_daemon
from sync.wiring import open_store
from tests.sync.pg_cluster import PgCluster
from tests.sync.test_cluster_faults import converged, import_sessions
from tests.sync.test_daemon_process import daemon_env, free_port
from tests.sync.test_kill9 import executions_per_session, wait_until

SESSIONS = 60


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud", options=SandboxOptions(latency_ms=5))
    yield running
    running.stop()


def issues_per_session(sandbox: RunningSandbox, type_name: str) -> Counter[str]:
    """How many issues of `type_name` carry each session's marker label."""
    with sandbox.state.lock:
        issues = list(sandbox.state.issues.values())
    return Counter(label for issue in issues if issue.type_name == type_name
                   for label in issue.labels if label.startswith("xs-"))


def rename(store: Store, ids: list[str], when: str) -> dict[str, str]:
    names = {sid: f"renamed {when} the restart {sid[:6]}" for sid in ids}
    for sid, name in names.items():
        store.rename("alice", sid, name)
    return names


def pushed_more(sandbox: RunningSandbox, more: int) -> int:
    """Wait until `more` sessions more than now have their Test Execution; how many have."""
    before = len(executions_per_session(sandbox))
    assert wait_until(lambda: len(executions_per_session(sandbox)) >= before + more, 60)
    return len(executions_per_session(sandbox))


@pytest.mark.slow
def test_postgresql_restarted_and_jira_stopped_mid_push_lose_and_duplicate_nothing(
        pg_cluster: PgCluster, sandbox: RunningSandbox, tmp_path: Path) -> None:
    """The store's PostgreSQL is shut down (fast: every connection ends), away a moment and
    started again while the daemon pushes, then the sandbox stops answering for a while:
    the daemon recovers by itself and converges, no Jira entity made twice, no rename lost."""
    env = {**daemon_env(tmp_path, sandbox.url, free_port()),
           "XRAY_SYNC_STORE_URL": pg_cluster.create_database("store"),
           "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000", "XRAY_SYNC_SYNC_INTERVAL": "1",
           "XRAY_SYNC_SYNC_CLAIM_LEASE_SECONDS": "2"}
    config = load_config(None, env)
    store = open_store(config)
    ids = import_sessions(store, SESSIONS)
    stop = threading.Event()
    daemon = threading.Thread(target=run_daemon, args=(config,), kwargs={"stop": stop})
    daemon.start()
    renamed: dict[str, str] = {}
    try:
        at_restart = pushed_more(sandbox, 8)
        renamed |= rename(store, ids[::7], "before")
        pg_cluster.restart(away_seconds=1.0)
        renamed |= rename(store, ids[3::7], "after")
        at_stop = pushed_more(sandbox, 8)  # the daemon pushes again: it reconnected
        sandbox.pause()
        threading.Event().wait(2.0)  # Jira and Xray away: connections refused
        sandbox.resume()
        assert wait_until(lambda: store.gauges().outbox_depth == 0, 60)
    finally:
        stop.set()
        daemon.join(60)
    assert max(at_restart, at_stop) < SESSIONS, "a fault came after the push, not during it"
    converged(store, sandbox, ids, renamed)
    tests = issues_per_session(sandbox, "Test")
    assert len(tests) == SESSIONS and set(tests.values()) == {1}
    store.engine.dispose()
