"""Replays of signed Jira webhooks: a signed body has one effect whatever its delivery
identifier (a new one, or none), and a body older than `[webhooks] max_age_hours` is refused."""

from __future__ import annotations

import json
import time
from typing import Any

from sync.api.signatures import sign
from tests.api.conftest import WEBHOOK_SECRET, World
from tests.api.hooks import EXECUTION, linked
from tests.third_party import FIXTURES

HOUR_MS = 3600 * 1000


def _rerun_event(age_ms: int = 0) -> bytes:
    """A signed-to-be "moved to Rerun" (mapped to `sync`) on QA-17, sent `age_ms` ago."""
    path = FIXTURES / "webhooks" / "cloud_issue_updated_status_resolution__mattermost.json"
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    event["issue"]["key"] = EXECUTION
    event["user"]["accountId"] = "acc-alice"
    event["changelog"]["items"][1]["toString"] = "Rerun"
    event["timestamp"] = int(time.time() * 1000) - age_ms
    return json.dumps(event).encode()


def _deliver(world: World, raw: bytes, delivery: str | None) -> Any:
    headers = {"Content-Type": "application/json", "X-Hub-Signature": sign(WEBHOOK_SECRET, raw)}
    if delivery is not None:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    return world.client.post("/hooks/jira", content=raw, headers=headers)


def test_a_replay_with_a_new_identifier_is_a_duplicate(world: World) -> None:
    """The same signed body under another delivery id asks for no second sync."""
    linked(world)
    raw = _rerun_event()
    first = _deliver(world, raw, "delivery-1")
    replay = _deliver(world, raw, "delivery-forged")
    assert first.json()["status"] == "done"
    assert (replay.status_code, replay.json()["status"]) == (200, "duplicate")
    assert len(world.sync.requests) == 1


def test_a_replay_without_identifier_is_a_duplicate(world: World) -> None:
    """The same signed body sent twice with no delivery id acts once."""
    linked(world)
    raw = _rerun_event()
    statuses = [_deliver(world, raw, None).json()["status"] for _ in range(3)]
    assert statuses == ["done", "duplicate", "duplicate"]
    assert len(world.sync.requests) == 1


def test_a_replay_under_a_new_id_does_not_burn_that_id(world: World) -> None:
    """A replay's forged id is not remembered: a genuine later delivery with it still acts."""
    linked(world)
    raw = _rerun_event(age_ms=1000)
    _deliver(world, raw, "d-1")
    assert _deliver(world, raw, "d-forged").json()["status"] == "duplicate"
    later = _rerun_event()  # another event (another timestamp) that Jira sends as d-forged
    assert _deliver(world, later, "d-forged").json()["status"] == "done"


def test_a_delivery_older_than_the_window_is_refused(world: World) -> None:
    """A signed body whose timestamp is 25 hours old is 400 webhook_stale and acts not."""
    linked(world)
    answer = _deliver(world, _rerun_event(age_ms=25 * HOUR_MS), "d-old")
    assert (answer.status_code, answer.json()["error"]["rule"]) == (400, "webhook_stale")
    assert world.sync.requests == []


def test_a_delivery_within_the_window_is_handled(world: World) -> None:
    """A signed body 23 hours old (a late Jira retry) is still handled."""
    linked(world)
    answer = _deliver(world, _rerun_event(age_ms=23 * HOUR_MS), "d-late")
    assert answer.json()["status"] == "done"
    assert len(world.sync.requests) == 1
