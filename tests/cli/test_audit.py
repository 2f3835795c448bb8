"""`xray-sync audit`: the trail, filtered, for admins only."""

from __future__ import annotations

from tests.cli.conftest import Cli


def test_an_admin_reads_who_did_what(team: Cli) -> None:
    """alice (admin) sees bob's import and open of his session, newest first."""
    session = team.import_bundle("Notes", user="bob")
    team.ok("sessions", "open", session["id"], user="bob")
    entries = team.json("audit", "--session", session["id"], user="alice")
    assert [(e["actor"], e["operation"]) for e in entries] == [("bob", "open"), ("bob", "import")]


def test_the_trail_filters_by_operation_and_prints_a_table(team: Cli) -> None:
    """--operation keeps one kind; without --json the rows are a table with a header."""
    session = team.import_bundle("Notes", user="bob")
    team.ok("sessions", "open", session["id"], user="bob")
    out = team.ok("audit", "--operation", "open", user="alice").stdout
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["When", "Who", "What", "Session"]
    assert len(lines) == 2 and " open " in lines[1] and session["id"] in lines[1]


def test_a_user_who_is_not_an_admin_is_refused(team: Cli) -> None:
    """bob is not an admin: exit 3, admin_only, nothing printed."""
    result = team("audit", user="bob")
    assert result.exit_code == 3 and "[admin_only]" in result.stderr and result.stdout == ""


def test_changes_made_with_the_cli_name_the_cli_as_their_surface(team: Cli) -> None:
    """An import and an open run by `xray-sync` are audited with the surface cli."""
    session = team.import_bundle("Notes", user="bob")
    team.ok("sessions", "open", session["id"], user="bob")
    entries = team.json("audit", "--session", session["id"], user="alice")
    assert [e["surface"] for e in entries] == ["cli", "cli"]
