"""The backends of the contract suite: the in-memory fake and the sandbox over real HTTP
(Cloud and Data Center) through the real `jira` library.

One sandbox per deployment per module; each test uses its own session id, so tests
do not see each other's issues in marker searches."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connector import (
    Backend,
    ConnectorSettings,
    FakeBackend,
    RateLimit,
    RetrySettings,
    make_backend,
)
from connector.errors import AmbiguousWrite

_ids = itertools.count(1)


@dataclass
class Subject:
    """A backend under contract, with a way to lose the answer to its next create."""

    name: str
    backend: Backend
    lose_next_create: Callable[[], None]
    drop_next_create: Callable[[], None]
    refuse_next_read: Callable[[int], None]  # one 429 with this Retry-After (seconds)
    lose_next_import: Callable[[], None]  # a first push's import applied, its answer lost
    sandbox: Any = None


def _sandbox_subject(deployment: str, sandbox: Any) -> Subject:
    settings = ConnectorSettings(
        deployment=deployment,  # type: ignore[arg-type]
        jira_url=sandbox.url, xray_url=sandbox.url, email="sandbox@example.com",
        token="sandbox-token", client_id="sandbox", client_secret="sandbox-secret",
        timeout=10.0, retry=RetrySettings(base_delay=0.01, max_delay=0.05),
        rate_limit=RateLimit(requests=1000, per_seconds=1.0, burst=1000),
    )
    backend = make_backend(settings)
    bulk = "/rest/api/[23]/issue/bulk$"

    def lose() -> None:
        sandbox.faults.add("lost_response", method="POST", path=bulk, count=1)

    def drop() -> None:
        sandbox.faults.add("drop", method="POST", path=bulk, count=1)

    def refuse(seconds: int) -> None:
        sandbox.faults.add("status", method="GET", path="/rest/api/[23]/issue/", count=1,
                           status=429, retry_after=seconds)

    def lose_import() -> None:
        sandbox.faults.add("lost_response", method="POST", path="/import/execution/multipart$",
                           count=1)

    return Subject(deployment, backend, lose, drop, refuse, lose_import, sandbox)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Any]]:
    from sandbox.server import start_sandbox

    started = {d: start_sandbox(d, "127.0.0.1", 0) for d in ("cloud", "datacenter")}
    try:
        yield started
    finally:
        for sandbox in started.values():
            sandbox.stop()


@pytest.fixture(params=["fake", "cloud", "datacenter"])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "fake":
        fake = FakeBackend()

        def drop() -> None:
            fake.fail_next(AmbiguousWrite("dropped", operation="create issues"))

        def refuse(seconds: int) -> None:
            return None  # the fake has no rate limit; its retries are the real backends'

        return Subject("fake", fake, fake.lose_next_create, drop, refuse, fake.lose_next_import)
    sandbox = request.getfixturevalue("sandboxes")[request.param]
    return _sandbox_subject(request.param, sandbox)


@pytest.fixture
def session_id() -> str:
    return f"contract-{next(_ids)}"
