"""The commands `sync`, `demo` and `sandbox` of the CLI."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from sandbox.server import RunningSandbox, start_sandbox
from sync.cli import cli
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox("cloud")
    yield running
    running.stop()


def test_sync_without_a_daemon_runs_here_and_prints_a_summary(
    tmp_path: Path, sandbox: RunningSandbox
) -> None:
    """With no daemon answering, `sync --json` pushes in-process and prints the counts."""
    env = {**daemon_env(tmp_path, sandbox.url, free_port()),
           "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000"}
    store = open_store(load_config(None, env))
    store.add_user("alice", admin=True)
    store.import_session("alice", "alice", io.BytesIO(make_bundle("CLI")), mode="xray",
                         project="QA")
    store.engine.dispose()
    result = CliRunner().invoke(cli, ["sync", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["daemon"], data["last"]["created"], data["last"]["errors"]) == (False, 1, 0)


def test_sync_without_jira_configured_names_the_rule(tmp_path: Path) -> None:
    """With no [jira] url, `sync` fails with one line naming the missing key."""
    env = {"XRAY_SYNC_HOME": str(tmp_path), "XRAY_SYNC_JIRA_URL": ""}
    assert CliRunner().invoke(cli, ["init"], env=env).exit_code == 0
    result = CliRunner().invoke(cli, ["sync"], env=env)
    assert result.exit_code != 0
    assert "jira_url_required" in result.output


def test_sync_refuses_an_unknown_workflow_action(tmp_path: Path) -> None:
    """An in-process `sync` checks `[workflow]` as the daemon does: an unknown action is one
    line naming the key and the rule, before anything runs (only the API checked it before)."""
    (tmp_path / "config.toml").write_text('[workflow.on_status]\n"Done" = "explode"\n')
    result = CliRunner().invoke(cli, ["sync"], env={"XRAY_SYNC_HOME": str(tmp_path)})
    assert result.exit_code != 0
    assert "workflow.on_status" in result.output and "workflow_action" in result.output


@pytest.mark.slow
def test_demo_once_pushes_the_sample_sessions(tmp_path: Path) -> None:
    """`demo --once` seeds the sample data, syncs it to a sandbox and exits 0."""
    env = {"XRAY_SYNC_HOME": str(tmp_path), "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000"}
    result = CliRunner().invoke(cli, ["demo", "--once", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["last"]["created"] >= 1 and data["last"]["errors"] == 0


@pytest.mark.slow
def test_the_sandbox_command_prints_a_base_url_that_answers() -> None:
    """`xray-sync sandbox --port 0` prints its URL first; that URL serves Jira."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from sync.cli import main; main()", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = httpx.get(f"{url}/rest/api/2/serverInfo",
                           auth=("sandbox@example.com", "sandbox-token"), timeout=5)
        assert answer.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        if proc.stdout is not None:
            proc.stdout.close()
