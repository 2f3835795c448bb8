"""Jira's reachability for `/healthz`: the probe, its cache, and the daemon wiring it in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connector import ConnectorSettings, FakeBackend, make_backend
from connector.errors import Unavailable
from sandbox.server import RunningSandbox, start_sandbox
from sync.config import Config, ServerConfig, SyncConfig
from sync.daemon import run_daemon
from sync.engine.health import JiraProbe


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_reachable_jira_is_healthy() -> None:
    """The probe is True when Jira answers the ping."""
    assert JiraProbe(FakeBackend())() is True


def test_an_unreachable_jira_is_unhealthy() -> None:
    """The probe is False when the ping fails."""
    fake = FakeBackend()
    fake.fail_next(Unavailable("down", status=503), call="ping")
    assert JiraProbe(fake)() is False


def test_the_answer_is_kept_for_the_ttl() -> None:
    """Within the TTL a second check sends no ping and repeats the last answer."""
    fake, ticks = FakeBackend(), Ticks()
    probe = JiraProbe(fake, ttl=30.0, clock=ticks)
    assert probe()
    fake.fail_next(Unavailable("down", status=503), call="ping")
    ticks.now += 29.0
    assert probe() is True
    assert fake.calls["ping"] == 1


def test_after_the_ttl_jira_is_asked_again() -> None:
    """Past the TTL the probe pings again and reports the new answer."""
    fake, ticks = FakeBackend(), Ticks()
    probe = JiraProbe(fake, ttl=30.0, clock=ticks)
    assert probe()
    fake.fail_next(Unavailable("down", status=503), call="ping")
    ticks.now += 30.0
    assert probe() is False
    assert fake.calls["ping"] == 2


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("datacenter")
    yield running
    running.stop()


def test_the_sandbox_answers_then_a_stopped_one_does_not(sandbox: RunningSandbox) -> None:
    """Over real HTTP: a running sandbox is reachable; once it stops, it is not."""
    backend = make_backend(ConnectorSettings(deployment="datacenter", jira_url=sandbox.url,
                                             token="sandbox-token"))
    assert JiraProbe(backend)() is True
    sandbox.stop()
    assert JiraProbe(backend, timeout=1.0)() is False


def test_wrong_credentials_are_unhealthy(sandbox: RunningSandbox) -> None:
    """A Jira that refuses the token counts as unreachable for the sync."""
    backend = make_backend(ConnectorSettings(deployment="datacenter", jira_url=sandbox.url,
                                             token="wrong-token"))
    assert JiraProbe(backend)() is False


def test_the_daemon_reports_jira_in_healthz(tmp_path: Path) -> None:
    """The daemon's /healthz has a `jira` check, and it follows the backend's ping."""
    config = Config(home=tmp_path, server=ServerConfig(port=0),
                    sync=SyncConfig(interval=3600))
    fake = FakeBackend()
    stop, ready = threading.Event(), threading.Event()
    urls: list[str] = []

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(target=run_daemon, args=(config,),
                              kwargs={"stop": stop, "on_ready": on_ready, "backend": fake})
    thread.start()
    try:
        assert ready.wait(20.0)
        answer = httpx.get(f"{urls[0]}/healthz", timeout=10.0)
        assert answer.json()["checks"]["jira"] == "ok"
        assert fake.calls["ping"] == 1
    finally:
        stop.set()
        thread.join(20.0)
