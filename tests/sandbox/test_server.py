"""Starting and stopping: `start_sandbox` in a thread, `serve_forever` in the foreground."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.server import start_sandbox
from tests.sandbox.helpers import create

REPO = Path(__file__).resolve().parents[2]
FOREGROUND = ("from sandbox.server import serve_forever\n"
              "serve_forever('datacenter', on_ready=lambda url: print(url, flush=True))\n")


def test_start_sandbox_binds_loopback_on_a_free_port() -> None:
    """Two sandboxes get distinct loopback URLs and stop cleanly."""
    first, second = start_sandbox("cloud"), start_sandbox("datacenter")
    try:
        assert first.url != second.url
        assert first.url.startswith("http://127.0.0.1:")
    finally:
        first.stop()
        second.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first.url}/_sandbox/state", timeout=2)


def test_a_paused_sandbox_refuses_connections_then_serves_its_state_again(
        http: requests.Session) -> None:
    """pause() takes the sandbox down (connections refused); resume() serves the same
    issues again at the same URL."""
    with start_sandbox("cloud") as sandbox:
        key = create(http, sandbox.url, "kept while down")["key"]
        sandbox.pause()
        with pytest.raises(requests.ConnectionError):
            http.get(f"{sandbox.url}/rest/api/2/issue/{key}", timeout=2)
        sandbox.resume()
        again = http.get(f"{sandbox.url}/rest/api/2/issue/{key}", timeout=5)
        assert again.json()["fields"]["summary"] == "kept while down"


def test_unknown_deployment_is_refused() -> None:
    """A deployment other than cloud/datacenter is a ValueError naming the choices."""
    with pytest.raises(ValueError, match="cloud, datacenter"):
        start_sandbox("server")


@pytest.mark.parametrize("command", [
    ["-c", FOREGROUND],
    ["-m", "sandbox", "--deployment", "datacenter", "--rate-limit", "100/60"],
])
def test_serve_forever_reports_its_url_and_stops_on_interrupt(command: list[str]) -> None:
    """serve_forever (directly or via `python -m sandbox`) reports its URL, serves there,
    and exits cleanly when interrupted."""
    with subprocess.Popen([sys.executable, *command], cwd=REPO, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            answer = requests.get(f"{url}/rest/api/2/serverInfo", timeout=10,
                                  headers={"Authorization": "Bearer sandbox-token"})
            assert answer.json()["deploymentType"] == "Server"
            process.send_signal(signal.SIGINT)
            _, errors = process.communicate(timeout=10)
        finally:
            process.kill()
    assert (process.returncode, errors) == (0, "")
