"""`sessions show` shows the note the sync left when both sides changed one field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from store import sync_state
from sync.config import load_config
from sync.wiring import open_store
from tests.cli.conftest import Cli

NOTE = "summary changed on both sides: Jira's 'B' kept, local 'A' lost"


def _conflicted(team: Cli) -> dict[str, Any]:
    made = team.import_bundle("Payments", user="alice", extra=("--mode", "xray", "--project", "QA"))
    env = {k: v for k, v in team.env.items() if v is not None}
    store = open_store(load_config(env=env))
    sync_state.record_conflict(store.engine, made["id"], NOTE, datetime.now(UTC))
    store.engine.dispose()
    return made


def test_show_json_has_the_conflict_note(team: Cli) -> None:
    """`sessions show --json` gives the note as link.conflict."""
    made = _conflicted(team)
    assert team.json("sessions", "show", made["id"], user="alice")["link"]["conflict"] == NOTE


def test_show_text_prints_the_conflict_note(team: Cli) -> None:
    """`sessions show` prints a `link.conflict:` line with the note."""
    made = _conflicted(team)
    lines = team.ok("sessions", "show", made["id"], user="alice").stdout.splitlines()
    assert f"link.conflict: {NOTE}" in lines


def test_show_without_conflict_prints_a_dash(team: Cli) -> None:
    """An xray session with no conflict shows `link.conflict: -`."""
    made = team.import_bundle("Quiet", user="alice", extra=("--mode", "xray", "--project", "QA"))
    lines = team.ok("sessions", "show", made["id"], user="alice").stdout.splitlines()
    assert "link.conflict: -" in lines
