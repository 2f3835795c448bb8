"""Schemathesis against /openapi.json: no generated request makes the API answer 5xx.

The webhooks are fuzzed too: a Jira event's generated body is signed with the webhook
secret and an Automation request carries its secret, so they reach the parsing and
the bridge instead of stopping at 401."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET
from sqlalchemy import Engine

from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from sync.api.signatures import sign
from tests.api.conftest import AUTOMATION_SECRET, WEBHOOK_SECRET, World, build_world, populate

SKIP_OPERATIONS = ("/metrics",)  # text, not JSON; covered in test_operations_api
EXAMPLES = 10


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app over one SQLite store with a session in it, for the whole module."""
    home: Path = tmp_path_factory.mktemp("fuzz")
    engine: Engine = make_engine(f"sqlite:///{home / 'store.db'}")
    migrate(engine)
    tokens = populate(Store(engine, StoreSettings(home=home)))
    world = build_world(engine, tokens, home)
    world.upload()
    with world.client:
        yield world
    engine.dispose()


@pytest.fixture(scope="module")
def operations(fuzz_world: World) -> list[Any]:
    """Every operation of the app's own OpenAPI document."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_world.client.app)
    # an Err (a part of the schema schemathesis cannot read) has no .ok(): the test fails
    found = [cast(Any, result).ok() for result in schema.get_all_operations()]
    return [op for op in found if op.path not in SKIP_OPERATIONS]


def _call(world: World, case: Any) -> Any:
    """The generated request, signed or carrying the secret for the webhooks."""
    if case.path == "/hooks/jira" and case.body is not NOT_SET:
        body = case.body  # a negative case may be raw bytes rather than JSON
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return world.client.post(case.path, content=raw, headers={
            "Content-Type": "application/json", "X-Hub-Signature": sign(WEBHOOK_SECRET, raw)})
    if case.path == "/hooks/automation":
        return case.call(headers={"X-Automation-Secret": AUTOMATION_SECRET})
    return case.call(headers=world.auth("alice"))


def test_the_webhooks_are_fuzzed(operations: list[Any]) -> None:
    """Both webhook routes are among the fuzzed operations, with a JSON body schema."""
    hooks = {op.path: op for op in operations if op.path.startswith("/hooks/")}
    assert set(hooks) == {"/hooks/jira", "/hooks/automation"}
    assert all(op.body for op in hooks.values())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_is_a_server_error(
    fuzz_world: World, operations: list[Any], mode: GenerationMode
) -> None:
    """Requests that fit (or break) the schema of every operation are answered below 500."""
    assert len(operations) >= 20
    strategy = st.one_of([op.as_strategy(generation_mode=mode) for op in operations])
    failures: list[str] = []
    statuses: set[int] = set()

    @given(case=strategy)
    @settings(max_examples=EXAMPLES * len(operations), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = _call(fuzz_world, case)
        statuses.add(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

    run()
    assert failures == []
    assert {200, 422} <= statuses  # the generated requests reached handlers and validation
