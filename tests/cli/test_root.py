"""The root group: help, where --json may go, and who the acting user is."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from sync.cli import cli, sessions_edit_cmds
from sync.cli.context import CliState, choose_actor, cli_log_level
from sync.cli.errors import NoActingUser
from tests.cli.conftest import Cli


def test_help_lists_the_command_groups(xs: Cli) -> None:
    """`xray-sync --help` names init, users, workspaces, sessions and sample."""
    out = xs.ok("--help").stdout
    for command in ("init", "users", "workspaces", "sessions", "sample"):
        assert f"  {command} " in out


def test_the_edit_commands_join_the_sessions_group_by_register() -> None:
    """`sessions_edit_cmds.register(root)` adds save, move, ... to that root's `sessions`
    group: importing the module registers nothing by itself."""
    root, group = click.Group("root"), click.Group("sessions")
    root.add_command(group)
    sessions_edit_cmds.register(root)
    assert set(group.commands) == {"save", "revert", "rename", "duplicate", "move", "connect",
                                   "disconnect", "reassign"}


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "users", "list"],
        ["users", "--json", "list"],
        ["users", "list", "--json"],
    ],
)
def test_json_is_accepted_on_the_root_the_group_and_the_command(xs: Cli, argv: list[str]) -> None:
    """`--json` in any of the three places turns the output into JSON."""
    xs.ok("init")
    listed = json.loads(xs.ok(*argv, user="admin").stdout)
    assert [u["name"] for u in listed] == ["admin"]


def _owner_of_import(xs: Cli, workspace: str, *, user: str | None = None) -> str:
    path = xs.file("notes.txt", b"notes")
    result = xs.ok("sessions", "import", str(path), "--workspace", workspace, "--json", user=user)
    return str(json.loads(result.stdout)["owner"])


def test_as_wins_over_the_environment(team: Cli) -> None:
    """`--as bob` acts as bob even when XRAY_SYNC_USER names carol."""
    team.env["XRAY_SYNC_USER"] = "carol"
    assert _owner_of_import(team, "bob", user="bob") == "bob"


def test_environment_wins_over_the_config(team: Cli) -> None:
    """XRAY_SYNC_USER=bob acts as bob although the config's [cli] user is admin."""
    team.env["XRAY_SYNC_USER"] = "bob"
    assert _owner_of_import(team, "bob") == "bob"


def test_config_user_is_the_last_resort(team: Cli) -> None:
    """With neither --as nor XRAY_SYNC_USER, the config's [cli] user (admin, set by init) acts."""
    assert _owner_of_import(team, "admin") == "admin"


def test_no_acting_user_is_an_invalid_error(team: Cli, tmp_path: Path) -> None:
    """Without any acting user a command exits 2 naming the rule acting_user_required."""
    (tmp_path / "home" / "config.toml").unlink()
    result = team("sessions", "list")
    assert result.exit_code == 2
    assert "acting_user_required" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("as_option", "env_value", "configured", "expected"),
    [
        ("bob", "carol", "admin", "bob"),
        (None, "carol", "admin", "carol"),
        ("", "carol", "admin", "carol"),
        (None, None, "admin", "admin"),
        (None, "  ", "admin", "admin"),
    ],
)
def test_choose_actor_takes_the_first_source_that_names_someone(
    as_option: str | None, env_value: str | None, configured: str, expected: str
) -> None:
    """The acting user is --as, else XRAY_SYNC_USER, else [cli] user; blanks do not count."""
    assert choose_actor(as_option, env_value, configured) == expected


def test_choose_actor_refuses_when_nobody_is_named() -> None:
    """No source naming anyone raises NoActingUser."""
    with pytest.raises(NoActingUser):
        choose_actor(None, "", "")


def test_a_broken_config_file_is_an_invalid_error(xs: Cli) -> None:
    """A config file that is not TOML exits 2 with one line naming the file."""
    bad = xs.file("bad.toml", b"[store\nurl=")
    result = xs("--config", str(bad), "users", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: config file {bad} is not valid TOML")
    assert "Traceback" not in result.output


def test_an_unknown_acting_user_is_not_found(team: Cli) -> None:
    """`--as nobody` is refused with not_found (exit 4), naming the missing user."""
    result = team("sessions", "list", user="nobody")
    assert result.exit_code == 4
    assert "nobody" in result.stderr


@pytest.mark.parametrize(
    ("configured", "used"),
    [("DEBUG", "DEBUG"), ("INFO", "WARNING"), ("WARNING", "WARNING"), ("ERROR", "ERROR")],
)
def test_commands_log_warnings_unless_told_debug_or_error(configured: str, used: str) -> None:
    """A command logs at WARNING; a configured DEBUG or ERROR is kept."""
    assert cli_log_level(configured) == used


def test_the_store_is_closed_when_the_command_ends(team: Cli) -> None:
    """After a command the state's store is released (its engine disposed)."""
    state = CliState(env={k: v for k, v in team.env.items() if v is not None})
    result = team.runner.invoke(cli, ["--as", "bob", "sessions", "list"], obj=state,
                                env=team.env)
    assert result.exit_code == 0, result.output
    assert state._store is None


def test_bare_command_prints_its_help_and_succeeds(xs: Cli) -> None:
    """`xray-sync` with nothing after it prints the help on stdout and exits 0."""
    result = xs()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: xray-sync") and "  sessions " in result.stdout
    assert result.stderr == ""


def test_bare_group_prints_its_help_and_succeeds(xs: Cli) -> None:
    """`xray-sync sessions` with no subcommand prints the group's help and exits 0."""
    result = xs("sessions")
    assert result.exit_code == 0 and "  download " in result.stdout
