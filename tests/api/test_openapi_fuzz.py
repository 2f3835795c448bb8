"""Schemathesis against /openapi.json: no generated request makes the API answer 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import Engine

from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from tests.api.conftest import World, build_world, populate

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
        response = case.call(headers=fuzz_world.auth("alice"))
        statuses.add(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

    run()
    assert failures == []
    assert {200, 422} <= statuses  # the generated requests reached handlers and validation
