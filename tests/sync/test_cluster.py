"""Three daemons on one PostgreSQL store against the sandbox over HTTP: one Xray window for
them all (no 429 however they race), and one pull per interval for the whole cluster.

Each daemon is an engine of its own (its own store connections, backend and budgets), as
`xray-sync daemon` builds it; they share only the database, as daemons on three machines
would.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.options import RateLimit, SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.cli.sample import make_bundle
from sync.config import Config, load_config
from sync.engine.build import build_engine
from sync.engine.runner import SyncEngine
from sync.wiring import open_store
from tests.postgres import fresh_database
from tests.sync.test_daemon_process import daemon_env, free_port
from tests.sync.test_kill9 import executions_per_session

WINDOW = RateLimit(30, 10.0, retry_after=False, headers=False)  # Xray's, scaled 1:30
SESSIONS = 40  # one Xray request each, and the logins: more than one window


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud", options=SandboxOptions(xray_rate_limit=WINDOW))
    yield running
    running.stop()


@pytest.fixture
def cluster_config(tmp_path: Path, sandbox: RunningSandbox) -> Iterator[Config]:
    """The config the three daemons share: the store on a fresh PostgreSQL database."""
    with fresh_database("tests/sync/test_cluster.py", migrated=False) as url:
        env = {**daemon_env(tmp_path, sandbox.url, free_port()), "XRAY_SYNC_STORE_URL": url,
               "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": str(WINDOW.requests),
               "XRAY_SYNC_SYNC_RATE_LIMIT_WINDOW": str(int(WINDOW.window_seconds))}
        yield load_config(None, env)


Cluster = list[tuple[Store, SyncEngine]]


@pytest.fixture
def daemons(cluster_config: Config) -> Iterator[Callable[[float], Cluster]]:
    """Makes three daemons' stores and engines on one database (closed at the end)."""
    made: Cluster = []

    def make(fresh: float) -> Cluster:
        for n in range(3):
            store = open_store(cluster_config)
            made.append((store, build_engine(cluster_config, store, worker=f"daemon-{n}",
                                             pull_fresh_seconds=fresh)))
        return made

    yield make
    for store, _ in made:
        store.engine.dispose()


def cycle_all(cluster: Cluster) -> None:
    """One cycle of each daemon, all at once."""
    threads = [threading.Thread(target=engine.sync, args=(None, threading.Event()))
               for _, engine in cluster]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)


def searches(sandbox: RunningSandbox) -> int:
    with sandbox.state.lock:
        return sum(n for endpoint, n in sandbox.state.log.per_endpoint.items()
                   if "/search" in endpoint)


@pytest.mark.postgres
@pytest.mark.slow
def test_three_daemons_keep_one_xray_window_and_push_every_session(
        daemons: Callable[[float], Cluster], sandbox: RunningSandbox) -> None:
    """Three daemons pushing at once into Xray's window (30 per 10 s, bare 429s) get no
    429 at all, and every session is pushed once."""
    cluster = daemons(0.0)
    store = cluster[0][0]
    store.add_user("alice", admin=True)
    ids = [store.import_session("alice", "alice", io.BytesIO(make_bundle(f"C{i}")),
                                mode="xray", project="QA").id for i in range(SESSIONS)]
    cycle_all(cluster)
    with sandbox.state.lock:
        refused = sandbox.state.log.statuses[429]
        xray = sum(n for endpoint, n in sandbox.state.log.per_endpoint.items()
                   if " /api/" in endpoint)
    assert xray > WINDOW.requests  # the push needed more than one window
    assert refused == 0
    counts = executions_per_session(sandbox)
    assert len(counts) == SESSIONS and set(counts.values()) == {1}
    assert {store.show("alice", sid).link.state for sid in ids} == {"synced"}  # type: ignore[union-attr]


@pytest.mark.postgres
@pytest.mark.slow
def test_three_daemons_make_one_pull_per_interval(
        daemons: Callable[[float], Cluster], sandbox: RunningSandbox) -> None:
    """Each of three daemons runs a cycle in each of two intervals, one after the other (as
    daemons started at different moments do): the sandbox sees one search per interval
    (one project, one page), not three."""
    interval = 3.0
    cluster = daemons(interval * 0.9)
    store = cluster[0][0]
    store.add_user("alice", admin=True)
    store.import_session("alice", "alice", io.BytesIO(make_bundle("P")), mode="xray",
                         project="QA")
    cluster[0][1].sync(None, threading.Event())
    time.sleep(interval)  # the next interval: the first push's pull is stale
    before = searches(sandbox)
    for round_no in range(2):
        started = time.monotonic()
        for _, engine in cluster:
            engine.sync(None, threading.Event())
        assert searches(sandbox) - before == round_no + 1
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
