"""A pull never misses a change whatever the service user's time zone (issue 9, item 1):
the whole product, through `xray-sync sync`, against a sandbox whose user lives elsewhere."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from sandbox.options import SandboxOptions
from sandbox.server import start_sandbox
from sync.cli import cli
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port


def _sync(env: dict[str, str]) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["sync", "--json"], env=env)
    assert result.exit_code == 0, result.output
    answer: dict[str, object] = json.loads(result.output)
    return answer


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_a_rename_in_jira_is_pulled_back_whatever_the_users_zone(
    tmp_path: Path, zone: str
) -> None:
    """A Test Execution renamed in Jira renames its session at the next sync, with the
    service user in a zone west of UTC and in a half-hour zone east of it."""
    with start_sandbox("cloud", options=SandboxOptions(time_zone=zone)) as sandbox:
        env = {**daemon_env(tmp_path, sandbox.url, free_port()),
               "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000"}
        store = open_store(load_config(None, env))
        store.add_user("alice", admin=True)
        made = store.import_session("alice", "alice", io.BytesIO(make_bundle("Checkout")),
                                    mode="xray", project="QA")
        _sync(env)
        execution = store.show("alice", made.id).link
        assert execution is not None and execution.test_execution is not None
        answer = requests.put(
            f"{sandbox.url}/rest/api/3/issue/{execution.test_execution}",
            json={"fields": {"summary": "Checkout, renamed in Jira"}},
            auth=("sandbox@example.com", "sandbox-token"), timeout=10)
        assert answer.status_code == 204, answer.text
        _sync(env)
        assert store.show("alice", made.id).name == "Checkout, renamed in Jira"
        store.engine.dispose()
