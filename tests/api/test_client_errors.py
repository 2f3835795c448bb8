"""Documented client errors are 4xx, and any unexpected error is a logged 500 with a
request id: forged cursors, deep webhook JSON, a failure nobody foresaw."""

from __future__ import annotations

import base64
import json
import logging
import time

import pytest
from fastapi.testclient import TestClient

from sync.api.signatures import sign
from tests.api.conftest import WEBHOOK_SECRET, World


def _cursor(sort: str, value: object, last_id: object = "x") -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, value, last_id]).encode()).decode()


@pytest.mark.parametrize(("sort", "value"), [
    ("name", ["a", "list"]),
    ("name", {"an": "object"}),
    ("-modified", "2026-11-20T10:00:00"),  # a naive datetime
    ("modified", 12),
    ("size", 10**30),
    ("size", -1),
    ("size", True),
])
def test_a_forged_cursor_is_422(world: World, sort: str, value: object) -> None:
    """A cursor whose value is not of its sort field's kind is 422 cursor_invalid."""
    world.upload()
    answer = world.client.get("/api/v1/workspaces/qa-team/sessions",
                              params={"sort": sort, "cursor": _cursor(sort, value)},
                              headers=world.auth("alice"))
    assert (answer.status_code, answer.json()["error"]["rule"]) == (422, "cursor_invalid")


def test_signed_webhook_json_nested_1000_deep_is_400(world: World) -> None:
    """A signed body nested 1,000 deep is 400 (json_too_deep or malformed_json), not 500."""
    nested = "[" * 1000 + "]" * 1000
    stamp = int(time.time() * 1000)
    raw = f'{{"webhookEvent": "jira:issue_updated", "timestamp": {stamp}, "x": {nested}}}'.encode()
    answer = world.client.post("/hooks/jira", content=raw, headers={
        "Content-Type": "application/json", "X-Hub-Signature": sign(WEBHOOK_SECRET, raw)})
    assert answer.status_code == 400
    assert answer.json()["error"]["rule"] in ("json_too_deep", "malformed_json")


def test_signed_webhook_json_nested_40_deep_is_json_too_deep(world: World) -> None:
    """A signed body within the parser's reach but deeper than 32 levels is json_too_deep."""
    raw = json.dumps({"webhookEvent": "x", "timestamp": int(time.time() * 1000),
                      "x": json.loads("[" * 40 + "]" * 40)}).encode()
    answer = world.client.post("/hooks/jira", content=raw, headers={
        "Content-Type": "application/json", "X-Hub-Signature": sign(WEBHOOK_SECRET, raw)})
    assert (answer.status_code, answer.json()["error"]["rule"]) == (400, "json_too_deep")


def test_an_unexpected_error_is_a_logged_500_with_a_request_id(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure nobody foresaw answers 500 `internal` quoting an id that the log names."""
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("nobody foresaw this")

    monkeypatch.setattr(world.client.app.state.ctx.store, "list_workspaces", broken)  # type: ignore[attr-defined]
    # answer the app's 500 instead of raising the server's exception in the test
    client = TestClient(world.client.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="sync.api.app"):
        answer = client.get("/api/v1/workspaces", headers=world.auth("alice"))
    assert (answer.status_code, answer.json()["error"]["code"]) == (500, "internal")
    request_id = answer.headers["X-Request-Id"]
    assert request_id in answer.json()["error"]["message"]
    assert any(request_id in record.getMessage() for record in caplog.records)

