"""Every error code: its exit status, its one line on stderr, its JSON on stdout."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from store.errors import Conflict, Invalid, Locked, NotFound, PermissionDenied, Unavailable
from sync.cli.errors import EXIT_CODES, FileExists, report
from tests.cli.conftest import Cli

Scenario = Callable[[Cli], list[str]]


def _unknown_id(team: Cli) -> list[str]:
    return ["--as", "bob", "sessions", "show", "0" * 32]


def _not_a_member(team: Cli) -> list[str]:
    made = team.import_bundle("Private", user="bob")
    return ["--as", "carol", "sessions", "show", made["id"]]


def _locked_by_other(team: Cli) -> list[str]:
    made = team.import_bundle("Busy", user="alice")
    team.ok("sessions", "open", made["id"], user="bob")
    return ["--as", "alice", "sessions", "rename", made["id"], "Renamed"]


def _user_exists(team: Cli) -> list[str]:
    return ["--as", "alice", "users", "add", "bob"]


def _name_with_control_chars(team: Cli) -> list[str]:
    made = team.import_bundle("Fine", user="bob")
    return ["--as", "bob", "sessions", "rename", made["id"], "bad\x07name"]


def _database_unreachable(team: Cli) -> list[str]:
    team.env["XRAY_SYNC_STORE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    return ["--as", "bob", "sessions", "list"]


SCENARIOS: list[tuple[str, Scenario, str]] = [
    ("not_found", _unknown_id, "unknown_session"),
    ("permission_denied", _not_a_member, "members_only"),
    ("locked", _locked_by_other, "locked_by_other"),
    ("conflict", _user_exists, "user_exists"),
    ("invalid", _name_with_control_chars, "name"),
    ("unavailable", _database_unreachable, "database_unavailable"),
]


@pytest.mark.parametrize(("code", "scenario", "rule"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_error_is_one_line_on_stderr_with_its_exit_code(
    team: Cli, code: str, scenario: Scenario, rule: str
) -> None:
    """The refusal prints `error: <message naming the rule> (<code>)` and exits with its code."""
    result = team(*scenario(team))
    assert result.exit_code == EXIT_CODES[code]
    assert result.stdout == ""
    line = result.stderr.rstrip("\n")
    assert "\n" not in line
    assert line.startswith("error: ") and line.endswith(f"({code})")
    assert rule in line


@pytest.mark.parametrize(("code", "scenario", "rule"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_error_with_json_is_the_error_shape_on_stdout(
    team: Cli, code: str, scenario: Scenario, rule: str
) -> None:
    """With --json the refusal is {"error": {"code", "message", "rule"}} on stdout, same exit."""
    result = team(*scenario(team), "--json")
    assert result.exit_code == EXIT_CODES[code]
    body = json.loads(result.stdout)["error"]
    assert body["code"] == code
    assert rule in body["rule"] and body["message"]
    assert result.stderr == ""


def test_usage_error_with_json_is_an_invalid_error(team: Cli) -> None:
    """A missing argument under --json gives the invalid error shape and exit 2."""
    result = team("--json", "sessions", "show", user="bob")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "invalid"


def test_exit_codes_are_distinct_and_cover_every_store_code() -> None:
    """Each of the six error codes has its own non-zero exit status."""
    assert set(EXIT_CODES) == {"not_found", "permission_denied", "locked", "conflict",
                               "invalid", "unavailable"}
    assert len(set(EXIT_CODES.values())) == 6 and 0 not in EXIT_CODES.values()


@pytest.mark.parametrize(
    "error",
    [NotFound("unknown_session", "no such session [unknown_session]"),
     PermissionDenied("owner_only", "only the owner [owner_only]"),
     Conflict("stale", "stale [stale]"), Invalid("name_empty", "empty name [name_empty]"),
     Unavailable("database_unavailable", "down [database_unavailable]")],
)
def test_report_returns_the_exit_code_of_the_errors_code(
    error: Exception, capsys: pytest.CaptureFixture[str]
) -> None:
    """report() prints the store's message with its code and returns that code's exit status."""
    status = report(error, as_json=False)
    assert status == EXIT_CODES[error.code]  # type: ignore[attr-defined]
    assert capsys.readouterr().err == f"error: {error.message} ({error.code})\n"  # type: ignore[attr-defined]


def test_locked_without_the_holder_in_its_message_gets_it_added(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A Locked error whose message omits the holder is shown with holder and since."""
    since = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    error = Locked("locked_by_other", "rename refused", holder="bob", since=since)
    report(error, as_json=True)
    body = json.loads(capsys.readouterr().out)["error"]
    assert body["message"] == f"{error.message} (held by bob since {since.isoformat()})"


def test_file_exists_names_the_path_and_force(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI's own FileExists is a conflict naming the file, --force and its rule."""
    assert report(FileExists(Path("/tmp/x.xea")), as_json=False) == 6
    err = capsys.readouterr().err
    assert err == (
        "error: /tmp/x.xea already exists: pass --force to overwrite it [file_exists] (conflict)\n"
    )
