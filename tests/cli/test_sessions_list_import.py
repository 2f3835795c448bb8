"""`xray-sync sessions import | list | show | history`: the panel's rows."""

from __future__ import annotations

import re

from sync.cli.sample import make_bundle
from tests.cli.conftest import Cli

SESSION_KEYS = {"id", "name", "type", "mode", "workspace", "owner", "size", "created",
                "modified", "trashed", "lock", "link"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_import_of_a_bundle_prints_the_created_session_with_its_id(team: Cli) -> None:
    """`sessions import` says what it created, id included, named from the manifest."""
    path = team.file("upload.xea", make_bundle("Checkout flow", tester="bob"))
    out = team.ok("sessions", "import", str(path), "--workspace", "qa-team", user="bob").stdout
    first, *rest = out.splitlines()
    match = re.fullmatch(r"imported session ([0-9a-f]{32})", first)
    assert match is not None
    assert f"id: {match.group(1)}" in rest
    assert "name: Checkout flow" in rest
    assert "owner: bob" in rest


def test_import_json_has_the_session_shape_of_section_6(team: Cli) -> None:
    """The imported session in --json has every key of docs/design.md section 6, times in UTC."""
    data = team.import_bundle("Search", user="bob")
    assert set(data) >= SESSION_KEYS
    assert (data["type"], data["mode"], data["workspace"], data["owner"]) == (
        "session", "standalone", "qa-team", "bob")
    assert data["lock"] is None and data["link"] is None and data["trashed"] is False
    assert ISO_UTC.match(data["created"]) and ISO_UTC.match(data["modified"])
    assert data["size"] == (team.workdir / "Search.xea").stat().st_size


def test_import_xray_with_a_project_makes_a_pending_link(team: Cli) -> None:
    """`--mode xray --project QA` gives an xray session whose link names the project."""
    data = team.import_bundle("Payments", user="alice", extra=("--mode", "xray", "--project", "QA"))
    assert data["mode"] == "xray"
    assert data["link"]["project"] == "QA"
    assert data["link"]["test_execution"] is None


def test_import_of_a_charter_and_an_opaque_file(team: Cli) -> None:
    """A charter bundle is listed as a charter; a plain file keeps --name and is a session."""
    charter = team.file("c.xea", make_bundle("Mission", kind="charter"))
    plain = team.file("notes.txt", b"just notes")
    c = team.json("sessions", "import", str(charter), "--workspace", "qa-team", user="bob")
    p = team.json("sessions", "import", str(plain), "--workspace", "qa-team", "--name", "Notes",
                  user="bob")
    assert (c["type"], c["name"]) == ("charter", "Mission")
    assert (p["type"], p["name"], p["size"]) == ("session", "Notes", len(b"just notes"))


def test_list_prints_the_seed_columns_and_the_lock_holder(team: Cli) -> None:
    """The table has Mode, Name, Type, Modified, Size, Owner, Lock, Id and a row per session."""
    session = team.import_bundle("Login", user="bob")
    team.ok("sessions", "open", session["id"], user="bob")
    lines = team.ok("sessions", "list", user="alice").stdout.splitlines()
    assert lines[0].split() == ["Mode", "Name", "Type", "Modified", "Size", "Owner", "Lock", "Id"]
    row = lines[1].split()
    assert row[:3] == ["standalone", "Login", "Session"]
    assert row[-3:] == ["bob", "bob", session["id"]]
    assert re.fullmatch(r"\d+", row[-5]) and row[-4] == "B"


def test_list_json_is_a_page_of_session_shapes(team: Cli) -> None:
    """`sessions list --json` prints {"items": [...], "next_cursor": null} for one page."""
    made = team.import_bundle("One", user="bob")
    data = team.json("sessions", "list", user="bob")
    assert set(data) == {"items", "next_cursor"}
    assert data["next_cursor"] is None
    assert [item["id"] for item in data["items"]] == [made["id"]]
    assert set(data["items"][0]) >= SESSION_KEYS


def test_list_filters_by_type_owner_and_name(team: Cli) -> None:
    """--type, --owner and --name each keep only the matching rows."""
    team.import_bundle("Alpha search", user="bob")
    team.import_bundle("Beta search", user="alice")
    charter = team.file("m.xea", make_bundle("Gamma", kind="charter"))
    team.ok("sessions", "import", str(charter), "--workspace", "qa-team", user="alice")

    def names(*args: str) -> list[str]:
        page = team.json("sessions", "list", "--sort", "name", *args, user="alice")
        return [item["name"] for item in page["items"]]

    assert names("--type", "charter") == ["Gamma"]
    assert names("--owner", "bob") == ["Alpha search"]
    assert names("--name", "SEARCH") == ["Alpha search", "Beta search"]
    assert names("--workspace", "qa-team", "--mode", "xray") == []


def test_list_pages_with_limit_and_cursor(team: Cli) -> None:
    """--limit 2 gives two rows and a cursor; the cursor gives the rest, in the same order."""
    for name in ("a", "b", "c"):
        team.import_bundle(name, user="bob")
    first = team.json("sessions", "list", "--sort", "name", "--limit", "2", user="bob")
    assert [i["name"] for i in first["items"]] == ["a", "b"]
    rest = team.json("sessions", "list", "--sort", "name", "--limit", "2",
                     "--cursor", first["next_cursor"], user="bob")
    assert [i["name"] for i in rest["items"]] == ["c"]
    assert rest["next_cursor"] is None
    text = team.ok("sessions", "list", "--sort", "name", "--limit", "2", user="bob").stdout
    assert text.rstrip().endswith(f"more: --cursor {first['next_cursor']}")


def test_list_sorts_descending_with_a_minus(team: Cli) -> None:
    """--sort -name lists names in reverse order."""
    for name in ("a", "c", "b"):
        team.import_bundle(name, user="bob")
    page = team.json("sessions", "list", "--sort", "-name", user="bob")
    assert [i["name"] for i in page["items"]] == ["c", "b", "a"]


def test_list_refuses_an_unknown_sort_field(team: Cli) -> None:
    """--sort colour is refused as invalid (exit 2) naming the rule sort_field_unknown."""
    result = team("sessions", "list", "--sort", "colour", user="bob")
    assert result.exit_code == 2
    assert "[sort_field_unknown] (invalid)" in result.stderr


def test_list_refuses_a_limit_out_of_range(team: Cli) -> None:
    """--limit 0 is refused as invalid (exit 2) naming the rule limit_out_of_range."""
    result = team("sessions", "list", "--limit", "0", user="bob")
    assert result.exit_code == 2
    assert "[limit_out_of_range] (invalid)" in result.stderr


def test_show_prints_key_value_lines(team: Cli) -> None:
    """`sessions show ID` prints the session as key: value lines."""
    made = team.import_bundle("Shown", user="bob")
    lines = team.ok("sessions", "show", made["id"], user="alice").stdout.splitlines()
    assert f"id: {made['id']}" in lines
    assert "workspace: qa-team" in lines
    assert "lock: -" in lines


def test_history_lists_every_saved_version(team: Cli) -> None:
    """After one save, history lists version 2 (current) then version 1, both saved by bob."""
    made = team.import_bundle("Versions", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    newer = team.file("v2.xea", make_bundle("Versions", notes=("one", "two")))
    team.ok("sessions", "save", made["id"], str(newer), user="bob")
    data = team.json("sessions", "history", made["id"], user="alice")
    assert [(v["number"], v["current"], v["saved_by"]) for v in data] == [
        (2, True, "bob"), (1, False, "bob")]
    text = team.ok("sessions", "history", made["id"], user="alice").stdout.splitlines()
    assert text[0].split()[:3] == ["Version", "Saved", "Saved"]
    assert any(line.startswith("2 *") for line in text[1:])


def test_import_xray_without_project_uses_the_configured_project(team: Cli) -> None:
    """`--mode xray` with no --project links to the config's [jira] project."""
    team.env["XRAY_SYNC_JIRA_PROJECT"] = "OPS"
    data = team.import_bundle("Defaulted", user="bob", extra=("--mode", "xray"))
    assert (data["mode"], data["link"]["project"]) == ("xray", "OPS")


def test_show_json_is_the_same_session_as_in_the_list(team: Cli) -> None:
    """`sessions show ID --json` equals that session's item in `sessions list --json`."""
    made = team.import_bundle("Same", user="bob")
    shown = team.json("sessions", "show", made["id"], user="bob")
    listed = team.json("sessions", "list", user="bob")["items"]
    assert [shown] == listed
