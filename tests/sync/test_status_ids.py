"""`[workflow.on_status]` keyed by status id or category drives the workflow on a site whose
statuses were renamed or are shown in another language: through the pull (the sandbox
over HTTP) and through a webhook (the changelog's `to`); keys are checked where the
config is read."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from sync.bridge import configured_action, parse_action, parse_jira_event
from sync.cli import cli
from sync.cli.sample import make_bundle
from sync.config import ConfigError, load_config
from sync.wiring import open_store
from tests.sync.test_daemon_process import daemon_env, free_port

GERMAN = {"To Do": "Zu erledigen", "In Progress": "In Arbeit", "Done": "Erledigt",
          "Cancelled": "Abgebrochen", "Reopened": "Wieder geöffnet"}


@pytest.fixture
def german() -> Iterator[RunningSandbox]:
    """A Cloud sandbox whose user sees the statuses in German."""
    with start_sandbox("cloud", options=SandboxOptions(status_names=GERMAN)) as sb:
        yield sb


def _pushed_session(sandbox: RunningSandbox, home: Path, on_status: str) -> tuple[
        dict[str, str], str, str]:
    """A store whose [workflow.on_status] is `on_status` (TOML lines), one session pushed
    and its first status learnt; the environment, the session id, its Test Execution."""
    home.mkdir()
    config = home / "config.toml"
    config.write_text(f"[workflow.on_status]\n{on_status}\n", encoding="utf-8")
    env = {**daemon_env(home, sandbox.url, free_port()), "XRAY_SYNC_CONFIG": str(config),
           "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "100000"}
    store = open_store(load_config(None, env))
    store.add_user("alice", admin=True)
    sid = store.import_session("alice", "alice", io.BytesIO(make_bundle("checkout")),
                               mode="xray", project="QA").id
    for _ in range(2):  # push, then learn the first status (adopted, not acted on)
        assert CliRunner().invoke(cli, ["sync", "--json"], env=env).exit_code == 0
    key = store.show("alice", sid).to_json()["link"]["test_execution"]
    store.engine.dispose()
    return env, sid, key


def _move_to_done(sandbox: RunningSandbox, key: str) -> None:
    answer = requests.post(f"{sandbox.url}/rest/api/3/issue/{key}/transitions",
                           json={"transition": {"id": "31"}}, timeout=10,
                           auth=("sandbox@example.com", "sandbox-token"))
    assert answer.status_code == 204, answer.text


def _lock_after_pull(env: dict[str, str], sid: str) -> Any:
    assert CliRunner().invoke(cli, ["sync", "--json"], env=env).exit_code == 0
    store = open_store(load_config(None, env))
    try:
        return store.show("alice", sid).to_json()["lock"]
    finally:
        store.engine.dispose()


def test_an_id_key_archives_on_a_site_in_another_language(german: RunningSandbox,
                                                         tmp_path: Path) -> None:
    """The Test Execution moved to "Erledigt" (Done, id 10001): `id:10001 = archive` runs."""
    env, sid, key = _pushed_session(german, tmp_path / "home", '"id:10001" = "archive"')
    _move_to_done(german, key)
    assert _lock_after_pull(env, sid)["holder"] == "jira"


def test_a_category_key_archives_too(german: RunningSandbox, tmp_path: Path) -> None:
    """`category:done = archive` runs for any status of the done category, whatever its name."""
    env, sid, key = _pushed_session(german, tmp_path / "home", '"category:done" = "archive"')
    _move_to_done(german, key)
    assert _lock_after_pull(env, sid)["holder"] == "jira"


def test_the_english_name_does_not_match_the_renamed_status(german: RunningSandbox,
                                                           tmp_path: Path) -> None:
    """Keyed by the name "Done", the same move on the German site runs nothing: why ids."""
    env, sid, key = _pushed_session(german, tmp_path / "home", '"Done" = "archive"')
    _move_to_done(german, key)
    assert _lock_after_pull(env, sid) is None


def _webhook(to_id: str, to_name: str) -> dict[str, Any]:
    return {"webhookEvent": "jira:issue_updated", "user": {"accountId": "acc"},
            "issue": {"key": "QA-7", "fields": {"status": {
                "id": to_id, "name": to_name, "statusCategory": {"key": "done"}}}},
            "changelog": {"items": [{"field": "status", "fieldId": "status", "from": "10000",
                                     "fromString": "Zu erledigen", "to": to_id,
                                     "toString": to_name}]}}


def test_a_webhook_is_matched_by_the_changelog_id_first() -> None:
    """A webhook's new status is matched by its id (`to`) first, then its category, then
    its name: the id key wins over a key naming the same status."""
    event = parse_jira_event(_webhook("10001", "Erledigt"))
    assert (event.new_status, event.new_status_id, event.new_status_category) == (
        "Erledigt", "10001", "done")
    table = {"Erledigt": "disconnect", "category:done": "unarchive", "id:10001": "archive"}
    assert configured_action(event, table, "") == parse_action("archive")
    assert configured_action(event, {"Erledigt": "disconnect", "category:done": "unarchive"},
                  "") == parse_action("unarchive")
    assert configured_action(event, {"erledigt": "disconnect"}, "") == parse_action("disconnect")


def test_the_sandbox_webhook_changelog_carries_the_id_and_the_shown_name(
    german: RunningSandbox,
) -> None:
    """The sandbox's changelog item of a move names the status by id and by German name."""
    issue = german.state.add_issue("Test Execution", "run")
    german.state.touch(issue)  # indexed, as a create through the API would be
    _move_to_done(german, issue.key)
    answer = requests.get(f"{german.url}/rest/api/3/issue/{issue.key}/changelog", timeout=10,
                          auth=("sandbox@example.com", "sandbox-token")).json()
    (item,) = [i for h in answer["values"] for i in h["items"] if i["field"] == "status"]
    assert (item["to"], item["toString"]) == ("10001", "Erledigt")


@pytest.mark.parametrize(("table", "key"), [
    ('[workflow.on_status]\n"category:finished" = "archive"', "category:finished"),
    ('[workflow.on_status]\n"id:" = "archive"', "id:"),
    ('[sync]\npurge_transition = "category:over"', "purge_transition"),
])
def test_a_bad_status_key_is_refused_when_the_config_is_read(tmp_path: Path, table: str,
                                                             key: str) -> None:
    """An unknown category or an empty id is refused naming the key and [status_spec]."""
    config = tmp_path / "config.toml"
    config.write_text(table + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="status_spec") as refused:
        load_config(config, {"XRAY_SYNC_HOME": str(tmp_path)})
    assert key in refused.value.message


def test_keys_by_id_category_and_name_are_accepted(tmp_path: Path) -> None:
    """Keys by id, category and name are all accepted and kept as written."""
    config = tmp_path / "config.toml"
    config.write_text('[workflow.on_status]\n"id:10001" = "archive"\n"category:new" = '
                      '"unarchive"\n"Cancelled" = "disconnect"\n[sync]\npurge_transition = '
                      '"id:10002"\n', encoding="utf-8")
    loaded = load_config(config, {"XRAY_SYNC_HOME": str(tmp_path)})
    assert json.dumps(loaded.workflow.on_status) == json.dumps(
        {"id:10001": "archive", "category:new": "unarchive", "Cancelled": "disconnect"})
    assert loaded.sync.purge_transition == "id:10002"
