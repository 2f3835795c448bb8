"""Sync on demand is coalesced and rate-limited per user (admins may force it), and the
sync status shows each user only the messages about sessions they may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from fastapi import FastAPI

from sync.api.sync_policy import SyncBudget, scoped_status
from tests.api.conftest import World

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_thirty_requests_from_one_user_ask_for_three_syncs(world: World) -> None:
    """30 quick POST /sync from bob: 3 accepted (the burst), 27 refused 429 with Retry-After."""
    answers = [world.client.post("/api/v1/sync", headers=world.auth("bob"), json={})
               for _ in range(30)]
    codes = [a.status_code for a in answers]
    assert (codes.count(202), codes.count(429)) == (3, 27)
    refused = answers[-1]
    assert refused.json()["error"]["rule"] == "sync_rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert len(world.sync.requests) == 3


def test_one_users_budget_is_not_anothers(world: World) -> None:
    """bob using up his syncs leaves alice hers."""
    for _ in range(5):
        world.client.post("/api/v1/sync", headers=world.auth("bob"), json={})
    answer = world.client.post("/api/v1/sync", headers=world.auth("alice"), json={})
    assert answer.status_code == 202


def test_an_admin_may_force_a_sync_past_the_budget(world: World) -> None:
    """root's forced request is accepted after his budget is spent."""
    for _ in range(5):
        world.client.post("/api/v1/sync", headers=world.auth("root"), json={})
    answer = world.client.post("/api/v1/sync", headers=world.auth("root"), json={"force": True})
    assert answer.status_code == 202
    assert len(world.sync.requests) == 4


def test_a_user_may_not_force(world: World) -> None:
    """bob's `force` is 403 admin_only and asks for nothing."""
    answer = world.client.post("/api/v1/sync", headers=world.auth("bob"), json={"force": True})
    assert (answer.status_code, answer.json()["error"]["rule"]) == (403, "admin_only")
    assert world.sync.requests == []


def test_the_budget_refills_with_time() -> None:
    """After the burst, one more request is allowed each interval."""
    budget = SyncBudget(burst=2, interval=10)
    assert [budget.take("bob", T0) for _ in range(3)] == [None, None, 10.0]
    assert budget.take("bob", T0 + timedelta(seconds=5)) == 5.0
    assert budget.take("bob", T0 + timedelta(seconds=10)) is None


def _status(sids: list[str]) -> dict[str, Any]:
    return {"running": False, "last": {
        "errors": 3, "error_messages": [f"{sids[0]}: Jira said 400: summary too long",
                                        f"{sids[1]}: Jira said 403: no permission",
                                        "pull QA: Unavailable (HTTP 503)"],
        "deferred_messages": [f"{sids[1]}: waits for the lock"]}}


def test_status_messages_are_scoped_to_what_the_user_sees() -> None:
    """A user sees the messages of sessions they may see; others are only counted."""
    scoped = scoped_status(_status(["mine", "theirs"]), lambda sid: sid == "mine")
    assert scoped["last"]["error_messages"] == ["mine: Jira said 400: summary too long"]
    assert scoped["last"]["deferred_messages"] == []
    assert scoped["last"]["hidden_messages"] == 3


class _StatusSync:
    """A sync engine whose last cycle failed on alice's session and carol's."""

    def __init__(self, sids: list[str]) -> None:
        self.sids = sids

    def status(self) -> dict[str, Any]:
        return _status(self.sids)


def test_sync_status_hides_other_workspaces_messages(world: World) -> None:
    """carol, outside qa-team, does not read the error of alice's session; root reads all."""
    alices = world.upload()["id"]
    carols = world.upload("carol", "carol")["id"]
    app = cast(FastAPI, world.client.app)  # TestClient types it as any ASGI callable
    app.state.ctx.sync = _StatusSync([alices, carols])
    seen = world.client.get("/api/v1/sync/status", headers=world.auth("carol")).json()
    assert seen["last"]["error_messages"] == [f"{carols}: Jira said 403: no permission"]
    assert seen["last"]["deferred_messages"] == [f"{carols}: waits for the lock"]
    everything = world.client.get("/api/v1/sync/status", headers=world.auth("root")).json()
    assert len(everything["last"]["error_messages"]) == 3
