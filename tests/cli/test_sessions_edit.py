"""`xray-sync sessions open | close | save | revert | rename | duplicate | move | connect |
disconnect | unlock | delete | restore`."""

from __future__ import annotations

from sync.cli.sample import make_bundle
from tests.cli.conftest import Cli


def test_open_takes_the_lock_and_prints_the_desktop_link(team: Cli) -> None:
    """`sessions open` makes the actor the holder and prints the xea:// link with the id."""
    made = team.import_bundle("Open me", user="bob")
    data = team.json("sessions", "open", made["id"], user="bob")
    assert data["lock"]["holder"] == "bob"
    assert data["desktop_link"] == f"xea://open?session={made['id']}&workspace=qa-team"
    text = team.ok("sessions", "open", made["id"], user="bob").stdout  # re-entrant
    assert text.startswith(f"opened session {made['id']}\n")
    assert f"desktop_link: xea://open?session={made['id']}" in text


def test_close_releases_the_lock(team: Cli) -> None:
    """`sessions close` by the holder leaves the session unlocked."""
    made = team.import_bundle("Close me", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    closed = team.json("sessions", "close", made["id"], user="bob")
    assert closed["lock"] is None
    assert team.ok("sessions", "close", made["id"], user="bob").stdout.startswith(
        f"closed session {made['id']}")


def test_save_under_the_lock_makes_a_new_version(team: Cli) -> None:
    """`sessions save ID FILE` by the holder stores FILE as version 2, with its size."""
    made = team.import_bundle("Saved", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    newer = team.file("v2.xea", make_bundle("Saved", notes=("a", "b", "c")))
    data = team.json("sessions", "save", made["id"], str(newer), user="bob")
    assert (data["id"], data["version"], data["size"]) == (made["id"], 2, newer.stat().st_size)


def test_save_under_a_broken_lock_reports_the_conflicted_copy(team: Cli) -> None:
    """After an admin unlock, the old holder's save comes back as a new conflicted copy."""
    made = team.import_bundle("Contested", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    team.ok("sessions", "unlock", made["id"], user="alice")
    newer = team.file("late.xea", make_bundle("Contested", notes=("late",)))
    out = team.ok("sessions", "save", made["id"], str(newer), user="bob").stdout
    assert out.startswith("your lock was broken; saved as the conflicted copy session ")
    assert "name: Contested (conflicted copy " in out
    assert f"id: {made['id']}" not in out


def test_revert_makes_an_old_version_current_as_a_new_one(team: Cli) -> None:
    """`sessions revert ID 1` after a save gives version 3 with version 1's size."""
    made = team.import_bundle("Revert", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    newer = team.file("v2.xea", make_bundle("Revert", notes=("x",) * 5))
    team.ok("sessions", "save", made["id"], str(newer), user="bob")
    data = team.json("sessions", "revert", made["id"], "1", user="bob")
    assert (data["version"], data["size"]) == (3, made["size"])


def test_rename_changes_the_name(team: Cli) -> None:
    """`sessions rename ID NEW` by the owner renames it and says so."""
    made = team.import_bundle("Old", user="bob")
    out = team.ok("sessions", "rename", made["id"], "New name", user="bob").stdout
    assert out.startswith(f"renamed session {made['id']}")
    assert team.json("sessions", "show", made["id"], user="bob")["name"] == "New name"


def test_duplicate_prints_the_copy_it_created(team: Cli) -> None:
    """`sessions duplicate ID --to bob --name Copy` creates a new id in bob's workspace."""
    made = team.import_bundle("Original", user="bob")
    copy = team.json("sessions", "duplicate", made["id"], "--to", "bob", "--name", "Copy",
                     user="bob")
    assert copy["id"] != made["id"]
    assert (copy["name"], copy["workspace"], copy["owner"]) == ("Copy", "bob", "bob")
    assert team.json("sessions", "show", made["id"], user="bob")["trashed"] is False


def test_move_changes_the_workspace(team: Cli) -> None:
    """`sessions move ID --to bob` moves the session out of qa-team into bob's workspace."""
    made = team.import_bundle("Mover", user="bob")
    moved = team.json("sessions", "move", made["id"], "--to", "bob", user="bob")
    assert moved["workspace"] == "bob"
    listed = team.json("sessions", "list", "--workspace", "qa-team", user="bob")["items"]
    assert made["id"] not in [item["id"] for item in listed]


def test_move_keep_original_creates_a_copy(team: Cli) -> None:
    """`--keep-original` leaves the original in place and prints the created copy."""
    made = team.import_bundle("Keeper", user="bob")
    out = team.ok("sessions", "move", made["id"], "--to", "bob", "--keep-original",
                  user="bob").stdout
    assert out.startswith("created session ")
    assert team.json("sessions", "show", made["id"], user="bob")["workspace"] == "qa-team"


def test_connect_then_disconnect(team: Cli) -> None:
    """connect --project QA makes it xray with a link; disconnect makes it standalone again."""
    made = team.import_bundle("Linked", user="bob")
    connected = team.json("sessions", "connect", made["id"], "--project", "QA", user="bob")
    assert (connected["mode"], connected["link"]["project"]) == ("xray", "QA")
    disconnected = team.json("sessions", "disconnect", made["id"], user="bob")
    assert (disconnected["mode"], disconnected["link"]) == ("standalone", None)


def test_unlock_by_an_admin_frees_the_session(team: Cli) -> None:
    """alice (admin) unlocks bob's lock; the session then has no lock."""
    made = team.import_bundle("Stuck", user="bob")
    team.ok("sessions", "open", made["id"], user="bob")
    assert team.json("sessions", "unlock", made["id"], user="alice")["lock"] is None


def test_delete_then_restore(team: Cli) -> None:
    """delete puts the session in the trash (listed with --trashed); restore brings it back."""
    made = team.import_bundle("Binned", user="bob")
    assert team.json("sessions", "delete", made["id"], user="bob")["trashed"] is True
    assert team.json("sessions", "list", user="bob")["items"] == []
    trash = team.json("sessions", "list", "--trashed", user="bob")["items"]
    assert [item["id"] for item in trash] == [made["id"]]
    assert team.json("sessions", "restore", made["id"], user="bob")["trashed"] is False


def test_connect_without_project_uses_the_configured_project(team: Cli) -> None:
    """`connect` with no --project links to the config's [jira] project (here from the env)."""
    team.env["XRAY_SYNC_JIRA_PROJECT"] = "OPS"
    made = team.import_bundle("Default project", user="bob")
    assert team.json("sessions", "connect", made["id"], user="bob")["link"]["project"] == "OPS"


def test_rename_json_is_the_renamed_session(team: Cli) -> None:
    """`sessions rename --json` prints the session with its new name and a new row_version."""
    made = team.import_bundle("Before", user="bob")
    data = team.json("sessions", "rename", made["id"], "After", user="bob")
    assert (data["id"], data["name"]) == (made["id"], "After")
    assert data["row_version"] > made["row_version"]
