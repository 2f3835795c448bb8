"""The CLI keeps the store's admin-only rules: users, others' tokens, team workspaces, members."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli


def _refused(result_stderr: str) -> bool:
    return "[admin_only]" in result_stderr and result_stderr.endswith("(permission_denied)\n")


def test_user_cannot_add_a_user(team: Cli) -> None:
    """bob (not an admin) running `users add dave` exits 3 naming admin_only; dave is not added."""
    result = team("users", "add", "dave", user="bob")
    assert result.exit_code == 3 and _refused(result.stderr)
    assert "dave" not in [u["name"] for u in team.json("users", "list", user="bob")]


def test_user_cannot_issue_another_users_token(team: Cli) -> None:
    """bob running `users token alice` is refused with admin_only and prints no token."""
    result = team("users", "token", "alice", user="bob")
    assert result.exit_code == 3 and _refused(result.stderr)
    assert result.stdout == ""


def test_user_issues_their_own_token(team: Cli) -> None:
    """bob running `users token bob` gets his token."""
    assert team.json("users", "token", "bob", user="bob")["user"] == "bob"


def test_user_cannot_add_a_team_workspace(team: Cli) -> None:
    """bob running `workspaces add ux --team` is refused with admin_only; ux does not exist."""
    result = team("workspaces", "add", "ux", "--team", user="bob")
    assert result.exit_code == 3 and _refused(result.stderr)
    assert "ux" not in [w["name"] for w in team.json("workspaces", "list", user="alice")]


def test_member_cannot_change_members(team: Cli) -> None:
    """bob, a member of qa-team, cannot remove alice from it: admin_only."""
    result = team("workspaces", "members", "remove", "qa-team", "alice", user="bob")
    assert result.exit_code == 3 and _refused(result.stderr)


@pytest.mark.parametrize("command", [
    ("users", "add"), ("users", "token"), ("workspaces", "add"),
    ("workspaces", "members", "add"), ("workspaces", "members", "remove"),
])
def test_help_says_admins_only(xs: Cli, command: tuple[str, ...]) -> None:
    """The help of every admin-only command says so."""
    assert "admins only" in " ".join(xs.ok(*command, "--help").stdout.split())
