"""Many sessions changed at once reach Xray Cloud in few requests (issue 11, item 2): the
engine keeps `[xray] batch_size` sessions in flight and their run updates share one read
and documents of aliased mutations (`connector.cloud_runs`); counted through the sandbox's
request log, every run checked afterwards. A first update sets the execution's dates by
Jira's edit. A batch whose answer is lost attaches nothing twice once the sessions are
pushed again."""

from __future__ import annotations

import io
import math
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import pytest

from connector.cloud import CloudBackend
from connector.errors import AmbiguousWrite
from connector.run_updates import RESOLVER_LIMIT
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.engine.build import build_engine
from sync.engine.runner import SyncEngine
from sync.engine.summary import CycleSummary
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port

SESSIONS = 100
BATCH = 50  # [xray] batch_size's default


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud")
    yield running
    running.stop()


@dataclass
class World:
    """A store of sessions pushed to the sandbox, and its engine."""

    sandbox: RunningSandbox
    store: Store
    engine: SyncEngine
    ids: list[str]

    def cycle(self) -> CycleSummary:
        summary = self.engine.sync(None, threading.Event())
        assert summary.errors == 0, summary.error_messages
        return summary

    def save_all(self, **bundle: Any) -> None:
        for n, sid in enumerate(self.ids):
            self.store.open("alice", sid)
            self.store.save("alice", sid, io.BytesIO(make_bundle(f"S{n}", **bundle)))
            self.store.close("alice", sid)

    def xray_requests(self) -> Counter[str]:
        with self.sandbox.state.lock:
            return Counter({k: n for k, n in self.sandbox.state.log.per_endpoint.items()
                            if " /api/v2/" in k})

    def runs(self) -> list[dict[str, Any]]:
        """Every session's run as the sandbox holds it."""
        found = []
        with self.sandbox.state.lock:
            xray, issues = self.sandbox.state.xray, self.sandbox.state.issues
            for sid in self.ids:
                link = self.store.show("alice", sid).to_json()["link"]
                execution = next(i for i in issues.values() if i.key == link["test_execution"])
                (run,) = [r for r in xray.runs.values() if r.execution_id == execution.id]
                found.append({"status": run.status, "comment": run.comment,
                              "files": [e.filename for e in run.evidence],
                              "defects": len(run.defect_ids)})
        return found


def world_of(sandbox: RunningSandbox, home: Path, *, sessions: int = SESSIONS,
             batch_size: int = BATCH) -> World:
    """`sessions` sessions imported and pushed once (their first push)."""
    env = {**daemon_env(home, sandbox.url, free_port()),
           "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000",
           "XRAY_SYNC_XRAY_BATCH_SIZE": str(batch_size),
           # a batch is sent when full; the linger only bounds a test gone wrong
           "XRAY_SYNC_XRAY_BATCH_LINGER_SECONDS": "10"}
    config = load_config(None, env)
    store = open_store(config)
    store.add_user("alice", admin=True)
    ids = [store.import_session("alice", "alice", io.BytesIO(make_bundle(f"S{n}")),
                                mode="xray", project="QA").id for n in range(sessions)]
    built = build_engine(config, store)
    # a failed session is tried again at the next cycle, not after a backoff
    engine = SyncEngine(replace(built.ctx, backoff=lambda attempts: 0.0), built.workflow)
    made = World(sandbox, store, engine, ids)
    made.cycle()
    return made


@pytest.fixture
def world(sandbox: RunningSandbox, tmp_path: Path) -> Iterator[World]:
    """SESSIONS sessions pushed, then updated once: a first update also sets the
    execution's Begin and End Date fields, which a first push leaves unset."""
    assert load_config(None, {}).xray.batch_size == BATCH  # the default is what is measured
    made = world_of(sandbox, tmp_path)
    made.save_all(notes=("Looked around", "First update"))
    made.cycle()
    yield made
    made.store.engine.dispose()


def bound(mutations_per_session: int) -> int:
    """Xray requests for SESSIONS updates: one read per batch, and the documents that the
    resolver limit leaves room for."""
    batches = math.ceil(SESSIONS / BATCH)
    return batches * (1 + math.ceil(BATCH * mutations_per_session / RESOLVER_LIMIT))


@pytest.mark.slow
def test_the_first_push_sets_the_executions_dates_and_the_first_update_edits_none(
        sandbox: RunningSandbox, tmp_path: Path) -> None:
    """The first push's import sets the execution's Begin and End Date (their ids listed
    once from Jira's fields), so the first update of six sessions sends no Jira edit: its
    runs in two batches of a read and a document each; no import."""
    made = world_of(sandbox, tmp_path, sessions=6, batch_size=3)
    made.save_all(notes=("Looked around", "First update"))
    with sandbox.state.lock:
        sandbox.state.log.per_endpoint.clear()
    made.cycle()
    with sandbox.state.lock:
        sent = Counter(sandbox.state.log.per_endpoint)
        executions = [i for i in sandbox.state.issues.values()
                      if i.type_name == "Test Execution"]
        dates = {(i.custom.get("customfield_10203"), i.custom.get("customfield_10204"))
                 for i in executions}
    made.store.engine.dispose()
    assert sent["POST /api/v2/graphql"] == 4
    assert "PUT /rest/api/{version}/issue/{key}" not in sent
    assert "POST /api/v2/import/execution" not in sent
    assert dates == {("2026-11-20T10:00:00.000+0000", "2026-11-20T10:55:00.000+0000")}


@pytest.mark.slow
def test_a_new_note_in_100_sessions_costs_at_most_ten_xray_requests(world: World) -> None:
    """A new note (the comment) and so a new session file in each of 100 sessions: at
    most 10 Xray requests for the cycle, no import; every run shows both."""
    world.save_all(notes=("Looked around", "Then checkout"))
    before = world.xray_requests()
    assert world.cycle().pushed == SESSIONS
    sent = world.xray_requests() - before
    assert sum(sent.values()) <= bound(2) == 10
    assert "POST /api/v2/import/execution" not in sent
    for run in world.runs():
        assert "Comment: Then checkout" in run["comment"]
        assert len(run["files"]) == len(set(run["files"])) == 4  # screenshot, 3 versions


@pytest.mark.slow
def test_100_sessions_changed_in_every_way_stay_within_the_resolver_limits_figure(
        world: World) -> None:
    """A new status, note and file, and a new defect in each of 100 sessions: four
    mutations a session, so 2 reads and 16 documents of 25 (18 Xray requests, the
    resolver limit's figure); every run shows all four."""
    world.save_all(status="FAILED", notes=("Looked around", "It broke"), defect="Crash")
    before = world.xray_requests()
    assert world.cycle().pushed == SESSIONS
    sent = world.xray_requests() - before
    assert sum(sent.values()) <= bound(4) == 18
    assert "POST /api/v2/import/execution" not in sent
    for run in world.runs():
        assert (run["status"], run["defects"], len(run["files"])) == ("FAILED", 1, 4)
        assert "Comment: It broke" in run["comment"]


@pytest.mark.slow
def test_a_defect_linked_already_costs_no_mutation(world: World) -> None:
    """Sessions that name a defect pushed before: a new note costs what it costs in a
    session without one (10 Xray requests for 100), the defect's id being on the run."""
    world.save_all(status="FAILED", notes=("Looked around", "It broke"), defect="Crash")
    world.cycle()
    world.save_all(status="FAILED", notes=("Looked around", "It broke", "Again"),
                   defect="Crash")
    before = world.xray_requests()
    world.cycle()
    sent = world.xray_requests() - before
    assert sum(sent.values()) <= bound(2) == 10
    assert all(run["defects"] == 1 for run in world.runs())


class LosingXray:
    """The engine's Xray client, but the first document of run updates is applied and its
    answer lost, as when the connection drops after the request."""

    def __init__(self, xray: Any) -> None:
        self.xray = xray
        self.lost = False

    def call(self, path: str, body: Any, *, operation: str, idempotent: bool,
             timeout: float | None = None) -> Any:
        answer = self.xray.call(path, body, operation=operation, idempotent=idempotent,
                                timeout=timeout)
        if operation == "update test runs" and not self.lost:
            self.lost = True
            raise AmbiguousWrite("update test runs: no answer", operation=operation)
        return answer


@pytest.mark.slow
def test_a_batch_whose_answer_was_lost_attaches_nothing_twice(world: World) -> None:
    """The first document of a batch lands but its answer is lost: its sessions fail (and
    those of the documents not sent after it), are pushed again next cycle, and every run
    holds each file once, the new session file included."""
    backend = cast(CloudBackend, world.engine.ctx.backend)
    assert backend.batcher is not None
    backend.batcher.xray = LosingXray(backend.batcher.xray)
    world.save_all(notes=("Looked around", "Once more"))
    failed = world.engine.sync(None, threading.Event())
    assert 0 < failed.errors < SESSIONS
    world.cycle()
    for run in world.runs():
        assert "Comment: Once more" in run["comment"]
        assert len(run["files"]) == len(set(run["files"])) == 4
