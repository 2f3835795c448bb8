"""The daemon as a process: it serves the sync endpoints, `xray-sync sync` asks it, and it
stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sandbox.server import RunningSandbox, start_sandbox
from sync.cli import cli
from sync.config import load_config
from sync.wiring import open_store

STOP_BOUND_SECONDS = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud")
    yield running
    running.stop()


def daemon_env(home: Path, sandbox_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "XRAY_SYNC_HOME": str(home),
        "XRAY_SYNC_SERVER_PORT": str(port),
        "XRAY_SYNC_JIRA_URL": sandbox_url,
        "XRAY_SYNC_XRAY_URL": sandbox_url,
        "XRAY_SYNC_JIRA_EMAIL": "sandbox@example.com",
        "XRAY_SYNC_JIRA_TOKEN": "sandbox-token",
        "XRAY_SYNC_XRAY_CLIENT_ID": "sandbox",
        "XRAY_SYNC_XRAY_CLIENT_SECRET": "sandbox-secret",
    }


def wait_for(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # polling a subprocess, not a unit test's clock
    raise AssertionError(f"{url} never answered")


@pytest.mark.slow
def test_the_daemon_takes_sync_requests_and_stops_on_sigterm(
    tmp_path: Path, sandbox: RunningSandbox
) -> None:
    """POST /api/v1/sync answers 202, `sync --wait` waits for a cycle, SIGTERM ends it in bound."""
    port = free_port()
    env = daemon_env(tmp_path, sandbox.url, port)
    store = open_store(load_config(None, env))
    store.add_user("alice", admin=True)
    token = store.issue_token("alice")
    store.engine.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from sync.cli import main; main()", "daemon"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", time.monotonic() + 30)
        headers = {"Authorization": f"Bearer {token}"}
        answer = httpx.post(f"{base}/api/v1/sync", json={}, headers=headers, timeout=5)
        assert answer.status_code == 202
        status = httpx.get(f"{base}/api/v1/sync/status", headers=headers, timeout=5).json()
        assert {"running", "last", "next_run", "outbox"} <= set(status)
        cli_run = CliRunner().invoke(cli, ["sync", "--wait", "--json"],
                                     env={**env, "XRAY_SYNC_TOKEN": token})
        assert cli_run.exit_code == 0, cli_run.output
        answered = json.loads(cli_run.output)
        assert answered["daemon"] is True and answered["cycles"] > status["cycles"]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=STOP_BOUND_SECONDS + 5)
        assert code == 0
        assert time.monotonic() - started < STOP_BOUND_SECONDS
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
