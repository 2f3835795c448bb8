"""Faults of what the daemons depend on, against the sandbox over HTTP and a PostgreSQL store:
the database's connections cut mid-push and Jira/Xray down for a while (503s, then
connections closed unanswered), and kill -9 of one daemon among three, again and again.
Each ends converged: one Test Execution per session, every session synced, every edit in
Jira."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.cli.sample import make_bundle
from sync.config import Config, load_config
from sync.daemon import Daemon
from sync.engine.build import build_engine
from sync.wiring import open_store
from tests.postgres import fresh_database
from tests.processes import stop_all
from tests.sync.test_daemon_process import daemon_env, free_port
from tests.sync.test_kill9 import executions_per_session, wait_until


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud", options=SandboxOptions(latency_ms=5))
    yield running
    running.stop()


@pytest.fixture
def pg_env(tmp_path: Path, sandbox: RunningSandbox) -> Iterator[dict[str, str]]:
    """A daemon's environment on a fresh PostgreSQL database and the sandbox."""
    with fresh_database("tests/sync/test_cluster_faults.py", migrated=False) as url:
        yield {**daemon_env(tmp_path, sandbox.url, free_port()), "XRAY_SYNC_STORE_URL": url,
               "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000",
               "XRAY_SYNC_SYNC_INTERVAL": "3600"}


def import_sessions(store: Store, count: int) -> list[str]:
    store.add_user("alice", admin=True)
    return [store.import_session("alice", "alice", io.BytesIO(make_bundle(f"F{i}")),
                                 mode="xray", project="QA").id for i in range(count)]


def cut_connections(url: str) -> int:
    """`pg_terminate_backend` on every other connection to the store's database."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": make_url(url).database}).all())
    finally:
        admin.dispose()


def converged(store: Store, sandbox: RunningSandbox, ids: list[str],
              renamed: dict[str, str]) -> None:
    """One Test Execution per session, every link synced, every rename in Jira."""
    counts = executions_per_session(sandbox)
    assert len(counts) == len(ids) and set(counts.values()) == {1}
    with sandbox.state.lock:
        summaries = {i.key: i.summary for i in sandbox.state.issues.values()}
    for sid in ids:
        link = store.show("alice", sid).link
        assert link is not None and link.state == "synced", (sid, link)
        if sid in renamed:
            assert summaries[str(link.test_execution)] == renamed[sid]


def drain(config: Config, store: Store) -> None:
    """Clean cycles until the outbox is empty (at most five)."""
    engine = build_engine(config, store, worker="final")
    for _ in range(5):
        if engine.outbox_depth() == 0:
            return
        engine.sync(None, threading.Event())


@pytest.mark.postgres
@pytest.mark.slow
def test_the_database_cut_and_jira_down_mid_cycle_lose_and_duplicate_nothing(
        pg_env: dict[str, str], sandbox: RunningSandbox) -> None:
    """Mid-push the daemon's database connections are cut twice and Jira/Xray answer 503,
    then close connections unanswered, for a while: the daemon carries on by itself and
    converges, nothing pushed twice, no rename lost."""
    config = load_config(None, {**pg_env, "XRAY_SYNC_SYNC_CLAIM_LEASE_SECONDS": "2"})
    store = open_store(config)
    ids = import_sessions(store, 40)
    daemon = Daemon(config, build_engine(config, store, worker="daemon"), store)
    stop, pause = threading.Event(), threading.Event()

    def cycles() -> None:  # the scheduler's job, run back to back
        while not stop.is_set():
            daemon.run_sync_job()
            pause.wait(0.2)

    loop = threading.Thread(target=cycles)
    loop.start()
    renamed: dict[str, str] = {}
    try:
        assert wait_until(lambda: len(executions_per_session(sandbox)) >= 8, 60)
        assert cut_connections(pg_env["XRAY_SYNC_STORE_URL"]) > 0
        for sid in ids[::7]:
            renamed[sid] = f"renamed during the outage {sid[:6]}"
            store.rename("alice", sid, renamed[sid])
        sandbox.faults.add("status", status=503, count=None)
        pause.wait(2.0)
        cut_connections(pg_env["XRAY_SYNC_STORE_URL"])
        sandbox.faults.clear()
        sandbox.faults.add("drop", count=None)
        pause.wait(2.0)
        sandbox.faults.clear()
        assert wait_until(lambda: store.gauges().outbox_depth == 0, 120)
    finally:
        stop.set()
        loop.join(60)
    converged(store, sandbox, ids, renamed)
    store.engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_kill_9_of_one_daemon_among_three_loses_and_duplicates_nothing(
        pg_env: dict[str, str], sandbox: RunningSandbox) -> None:
    """Three daemons push one store; one of them, at random, is killed mid-push and started
    again, four times: its claims go to the others after the lease, no Jira entity is made
    twice, and no edit is lost."""
    env = {**pg_env, "XRAY_SYNC_SYNC_CLAIM_LEASE_SECONDS": "3", "XRAY_SYNC_SYNC_INTERVAL": "2"}
    config = load_config(None, env)
    store = open_store(config)
    ids = import_sessions(store, 90)
    rng = random.Random(11)
    renamed: dict[str, str] = {}

    def start(n: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", "from sync.cli import main; main()",
                                 "daemon"], env={**env, "XRAY_SYNC_SERVER_PORT": str(free_port())},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    daemons = [start(n) for n in range(3)]
    try:
        for round_no in range(4):
            before = len(executions_per_session(sandbox))
            for sid in rng.sample(ids, 4):
                renamed[sid] = f"round {round_no} {sid[:6]}"
                store.rename("alice", sid, renamed[sid])
            wait_until(lambda before=before: len(executions_per_session(sandbox))
                       >= min(len(ids), before + 10), 60)
            victim = rng.randrange(3)
            os.kill(daemons[victim].pid, signal.SIGKILL)
            daemons[victim].wait()
            assert max(executions_per_session(sandbox).values(), default=1) == 1
            daemons[victim] = start(victim)
        assert wait_until(lambda: store.gauges().outbox_depth == 0, 120)
    finally:
        stop_all(daemons)
    drain(config, store)
    converged(store, sandbox, ids, renamed)
    store.engine.dispose()
