"""kill -9 of a daemon in the middle of a large push, restarted again and again, against the
sandbox over HTTP: no duplicate Jira entity, no lost edit, converged at the end."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.engine.build import build_engine
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port

SESSIONS = 60
KILLS = 4


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud", options=SandboxOptions(latency_ms=5))
    yield running
    running.stop()


def executions_per_session(sandbox: RunningSandbox) -> Counter[str]:
    with sandbox.state.lock:
        issues = list(sandbox.state.issues.values())
    return Counter(
        label for issue in issues if issue.type_name == "Test Execution"
        for label in issue.labels if label.startswith("xs-")
    )


def wait_until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        pause.wait(0.05)  # polling another process
    return False


def edit_some(store: Store, ids: list[str], round_no: int) -> dict[str, str]:
    renamed = {}
    for sid in ids[round_no::KILLS * 3]:
        name = f"round {round_no} {sid[:6]}"
        store.rename("alice", sid, name)
        renamed[sid] = name
    return renamed


@pytest.mark.slow
def test_kill_9_during_a_large_push_converges_without_duplicates(
    tmp_path: Path, sandbox: RunningSandbox
) -> None:
    """Killing the daemon mid-push and restarting it loses nothing and creates nothing twice."""
    env = {**daemon_env(tmp_path, sandbox.url, free_port()),
           "XRAY_SYNC_SYNC_CLAIM_LEASE_SECONDS": "1", "XRAY_SYNC_SYNC_INTERVAL": "3600",
           "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000"}
    config = load_config(None, env)
    store = open_store(config)
    store.add_user("alice", admin=True)
    ids = [store.import_session("alice", "alice", io.BytesIO(make_bundle(f"S{i}")),
                                mode="xray", project="QA").id for i in range(SESSIONS)]
    expected: dict[str, str] = {}
    for round_no in range(KILLS):
        expected.update(edit_some(store, ids, round_no))
        before = sum(executions_per_session(sandbox).values())
        proc = subprocess.Popen([sys.executable, "-c", "from sync.cli import main; main()",
                                 "daemon"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        progressed = wait_until(
            lambda before=before: sum(executions_per_session(sandbox).values()) >= before + 3
            or before >= SESSIONS, 60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert progressed, "the daemon pushed nothing before it was killed"
        assert max(executions_per_session(sandbox).values(), default=1) == 1
    engine = build_engine(config, store, worker="final")
    for _ in range(3):
        time.sleep(1.1)  # the killed daemons' one-second leases run out
        engine.sync(None, threading.Event())
    counts = executions_per_session(sandbox)
    assert len(counts) == SESSIONS and set(counts.values()) == {1}
    for sid in ids:
        out = store.show("alice", sid)
        assert out.link is not None and out.link.state == "synced", sid
        if sid in expected:
            assert out.name == expected[sid]
    with sandbox.state.lock:
        summaries = {i.key: i.summary for i in sandbox.state.issues.values()}
    for sid, name in expected.items():
        link = store.show("alice", sid).link
        assert link is not None and summaries[str(link.test_execution)] == name
    store.engine.dispose()
