"""Batched run updates against the sandbox over HTTP: concurrent updates of many sessions
share one read and documents within the resolver limit, and leave every run as the
in-memory fake leaves it after the same pushes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import cast

import pytest

from connector import (
    Backend,
    ConnectorSettings,
    Evidence,
    FakeBackend,
    PushedSession,
    RateLimit,
    RetrySettings,
    RunStatus,
    SessionPush,
    SessionPusher,
    TestRunState,
    make_backend,
)
from connector.cloud import CloudBackend
from sandbox.server import RunningSandbox, start_sandbox
from tests.connector.contract.helpers import push_spec

SESSIONS = 10  # four mutations each: 40, more than one document holds
LONG = 60.0  # seconds a batch may wait to fill: never reached, the batch fills first


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud")
    yield running
    running.stop()


def backend_on(sandbox: RunningSandbox, batch_size: int) -> CloudBackend:
    settings = ConnectorSettings(
        deployment="cloud", jira_url=sandbox.url, xray_url=sandbox.url,
        email="sandbox@example.com", token="sandbox-token", client_id="sandbox",
        client_secret="sandbox-secret", timeout=10.0,
        retry=RetrySettings(base_delay=0.01, max_delay=0.05),
        rate_limit=RateLimit(requests=10_000, per_seconds=1.0, burst=10_000),
        batch_size=batch_size, batch_linger=LONG)
    return cast(CloudBackend, make_backend(settings))


def update_of(session_id: str, pushed: PushedSession) -> SessionPush:
    """A new status, comment and file, and the defect the first push made."""
    return SessionPush(
        session_id=session_id, project="QA", summary=f"Session {session_id}",
        status=RunStatus.PASSED, comment="second notes",
        new_evidence=(Evidence("two.png", "image/png", f"PNG2 {session_id}".encode()),),
        known_defects=tuple(d.key for d in pushed.new_defects))


def push_all(first: Backend, then: Backend, prefix: str) -> list[TestRunState]:
    """First pushes through `first`, one after the other; then every update at once
    through `then`; the runs afterwards, read through `first`."""
    ids = [f"{prefix}-{n}" for n in range(SESSIONS)]
    pushed = [SessionPusher(first).push(push_spec(sid)) for sid in ids]
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        list(pool.map(lambda sid, p: SessionPusher(then).push(update_of(sid, p), p),
                      ids, pushed))
    runs = [first.get_test_run(p.execution, p.test) for p in pushed]
    assert all(run is not None for run in runs)
    return [run for run in runs if run is not None]


def graphql_requests(sandbox: RunningSandbox) -> int:
    with sandbox.state.lock:
        return sandbox.state.log.per_endpoint["POST /api/v2/graphql"]


def test_ten_updates_share_one_read_and_two_documents(sandbox: RunningSandbox) -> None:
    """Ten concurrent updates of four mutations each (40) are one read and two documents
    (25 root fields at most, which the sandbox enforces); no import. Jira is asked once
    for the ids of the execution's date fields."""
    plain, batched = backend_on(sandbox, 1), backend_on(sandbox, SESSIONS)
    batched.xray.authenticate()  # its token, before the requests counted
    ids = [f"split-{n}" for n in range(SESSIONS)]
    pushed = [SessionPusher(plain).push(push_spec(sid)) for sid in ids]
    with sandbox.state.lock:
        before = dict(sandbox.state.log.per_endpoint)
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        list(pool.map(lambda sid, p: SessionPusher(batched).push(update_of(sid, p), p),
                      ids, pushed))
    with sandbox.state.lock:
        after = dict(sandbox.state.log.per_endpoint)
    sent = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert sent.pop("GET /rest/api/{version}/field") == 1  # the date fields' ids, once
    assert sent == {"POST /api/v2/graphql": 3}
    for run in (plain.get_test_run(p.execution, p.test) for p in pushed):
        assert run is not None
        assert (run.status, run.comment, len(run.evidence), len(run.defects)) == \
            ("PASSED", "second notes", 2, 1)


def test_batched_updates_leave_the_runs_as_the_fake_does(sandbox: RunningSandbox) -> None:
    """The same first pushes and concurrent updates, on the fake and on the sandbox through
    the batcher, leave runs with the same status, comment, times, files and defects."""
    fake = FakeBackend()
    on_fake = push_all(fake, fake, "fake")
    on_sandbox = push_all(backend_on(sandbox, 1), backend_on(sandbox, SESSIONS), "real")

    def seen(run: TestRunState) -> tuple[object, ...]:
        files = sorted(name.split(".")[0] for name in run.evidence)
        return run.status, run.comment, run.started, run.finished, files, len(run.defects)

    assert [seen(r) for r in on_sandbox] == [seen(r) for r in on_fake]


def renamed_at_once(sandbox: RunningSandbox, prefix: str) -> tuple[dict[str, int], list[str]]:
    """Three sessions pushed, then updated at once under a new name: the requests of the
    update, and the executions' summaries afterwards."""
    plain, batched = backend_on(sandbox, 1), backend_on(sandbox, 3)
    batched.xray.authenticate()
    ids = [f"{prefix}-{n}" for n in range(3)]
    pushed = [SessionPusher(plain).push(push_spec(sid)) for sid in ids]
    with sandbox.state.lock:
        before = dict(sandbox.state.log.per_endpoint)
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda sid, p: SessionPusher(batched).push(
            replace(update_of(sid, p), summary=f"Renamed {sid}"), p), ids, pushed))
    with sandbox.state.lock:
        after = dict(sandbox.state.log.per_endpoint)
    sent = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    return sent, [plain.get_issue(p.execution.key).summary for p in pushed]


def test_a_rename_in_a_batch_is_jiras_edit(sandbox: RunningSandbox) -> None:
    """Three sessions renamed and updated at once: their runs in one document, their
    executions renamed by Jira's edit, one each; no import."""
    sent, summaries = renamed_at_once(sandbox, "rename")
    assert sent["PUT /rest/api/{version}/issue/{key}"] == 3
    assert "POST /api/v2/import/execution" not in sent
    assert summaries == [f"Renamed rename-{n}" for n in range(3)]


def test_a_rename_jira_refuses_is_sent_as_an_import(sandbox: RunningSandbox) -> None:
    """Jira refuses the three edits (400): each record goes to the import, which renames
    the execution; the runs' files are attached once."""
    sandbox.faults.add("status", method="PUT", path="/rest/api/3/issue/", count=3, status=400)
    sent, summaries = renamed_at_once(sandbox, "refused")
    assert sent["POST /api/v2/import/execution"] == 3
    assert summaries == [f"Renamed refused-{n}" for n in range(3)]
