"""What the tests of `/hooks/jira` and `/hooks/automation` share: a session linked to the
Test Execution QA-17, recorded Jira payloads made current, and the two requests (a signed
webhook delivery, an Automation call)."""

from __future__ import annotations

import json
import time
from typing import Any

from store.sync_state import LinkBase, record_keys
from sync.api.signatures import sign
from tests.api.conftest import AUTOMATION_SECRET, WEBHOOK_SECRET, World
from tests.third_party import FIXTURES

WEBHOOK_FIXTURES = FIXTURES / "webhooks"
EXECUTION = "QA-17"


def recorded(name: str) -> dict[str, Any]:
    """A recorded payload, sent now: its numeric `timestamp` (years old) made current."""
    data: dict[str, Any] = json.loads((WEBHOOK_FIXTURES / name).read_text(encoding="utf-8"))
    if isinstance(data.get("timestamp"), int):
        data["timestamp"] = int(time.time() * 1000)
    return data


def linked(world: World, owner: str = "alice") -> str:
    """An xray session whose Test Execution is QA-17."""
    session = world.upload(owner, mode="xray", project="QA")
    record_keys(world.store.engine, session["id"], test="QA-16", test_execution=EXECUTION,
                base=LinkBase())
    return str(session["id"])


def status_event(status: str, key: str = EXECUTION, account: str = "acc-alice") -> dict[str, Any]:
    """A recorded Cloud "issue updated" event: `key` moved to `status` by `account`."""
    event = recorded("cloud_issue_updated_status_resolution__mattermost.json")
    event["issue"]["key"] = key
    event["user"]["accountId"] = account
    event["changelog"]["items"][1]["toString"] = status
    return event


def deliver(world: World, body: bytes | dict[str, Any], *, secret: str | None = WEBHOOK_SECRET,
            delivery: str | None = None, signature: str | None = None) -> Any:
    """POST `body` to /hooks/jira, signed with `secret` (or carrying `signature` as given)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature"] = signature
    elif secret is not None:
        headers["X-Hub-Signature"] = sign(secret, raw)
    if delivery is not None:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    return world.client.post("/hooks/jira", content=raw, headers=headers)


def automate(world: World, body: Any, secret: str | None = AUTOMATION_SECRET) -> Any:
    """POST `body` to /hooks/automation with `secret` (None: no secret header)."""
    headers = {} if secret is None else {"X-Automation-Secret": secret}
    return world.client.post("/hooks/automation", json=body, headers=headers)


def session_json(world: World, session_id: str) -> dict[str, Any]:
    """The session as an admin sees it now."""
    return world.store.show("root", session_id).to_json()
