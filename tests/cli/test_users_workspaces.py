"""`xray-sync users ...` and `xray-sync workspaces ...`."""

from __future__ import annotations

from tests.cli.conftest import Cli


def test_users_add_prints_the_user_it_created(team: Cli) -> None:
    """`users add dave` says it created dave, with his role."""
    out = team.ok("users", "add", "dave", user="alice").stdout
    assert out.splitlines()[:3] == ["created user", "name: dave", "role: user"]


def test_users_add_json_shape(team: Cli) -> None:
    """`users add --admin --jira-account-id --json` prints name, role and accountId."""
    data = team.json("users", "add", "erin", "--admin", "--jira-account-id", "5b10ac8d",
                     user="alice")
    assert data == {"name": "erin", "role": "admin", "jira_account_id": "5b10ac8d",
                    "disabled": None, "token_expires": None}


def test_users_list_shows_every_user(team: Cli) -> None:
    """`users list` lists admin, alice, bob and carol with their roles."""
    data = team.json("users", "list", user="bob")
    assert [(u["name"], u["role"]) for u in data] == [
        ("admin", "admin"), ("alice", "admin"), ("bob", "user"), ("carol", "user")
    ]
    table = team.ok("users", "list", user="bob").stdout.splitlines()
    assert table[0].split() == ["Name", "Role", "Jira", "account", "Disabled", "Token",
                                "expires"]
    assert table[3].split() == ["bob", "user", "-", "-", "-"]


def test_users_token_json_shape(team: Cli) -> None:
    """`users token bob --json` prints {"user": "bob", "token": T} with a fresh token each time."""
    first = team.json("users", "token", "bob", user="alice")
    second = team.json("users", "token", "bob", user="alice")
    assert set(first) == {"user", "token"}
    assert first["user"] == "bob"
    assert len(first["token"]) >= 20
    assert first["token"] != second["token"]


def test_workspaces_add_prints_the_workspace_it_created(team: Cli) -> None:
    """`workspaces add ux --team --member carol --json` gives the workspace shape of section 6."""
    data = team.json("workspaces", "add", "ux", "--team", "--member", "carol", user="alice")
    assert data == {"name": "ux", "kind": "team", "owner": None, "members": ["alice", "carol"]}


def test_workspaces_add_needs_team(team: Cli) -> None:
    """`workspaces add` without --team is a usage error (exit 2)."""
    result = team("workspaces", "add", "ux", user="alice")
    assert result.exit_code == 2
    assert "--team" in result.stderr


def test_workspaces_list_shows_the_actors_workspaces(team: Cli) -> None:
    """bob sees his personal workspace and qa-team, nothing else."""
    data = team.json("workspaces", "list", user="bob")
    assert data == [
        {"name": "bob", "kind": "personal", "owner": "bob", "members": ["bob"]},
        {"name": "qa-team", "kind": "team", "owner": None, "members": ["alice", "bob"]},
    ]


def test_workspaces_members_add_and_remove(team: Cli) -> None:
    """`members add` then `members remove` put carol in qa-team and take her out again."""
    added = team.json("workspaces", "members", "add", "qa-team", "carol", user="alice")
    assert added["members"] == ["alice", "bob", "carol"]
    removed = team.json("workspaces", "members", "remove", "qa-team", "carol", user="alice")
    assert removed["members"] == ["alice", "bob"]


def test_workspaces_members_of_a_team_you_are_not_in_is_refused(team: Cli) -> None:
    """carol, not a member of qa-team, cannot add herself: permission_denied, exit 3."""
    result = team("workspaces", "members", "add", "qa-team", "carol", user="carol")
    assert result.exit_code == 3
    assert result.stderr.endswith("(permission_denied)\n")
    assert team.json("workspaces", "list", user="carol") == [
        {"name": "carol", "kind": "personal", "owner": "carol", "members": ["carol"]}
    ]


def test_workspaces_list_text_is_a_table(team: Cli) -> None:
    """`workspaces list` prints Name, Kind, Owner, Members with one row per workspace."""
    lines = team.ok("workspaces", "list", user="bob").stdout.splitlines()
    assert [line.split() for line in lines] == [
        ["Name", "Kind", "Owner", "Members"],
        ["bob", "personal", "bob", "bob"],
        ["qa-team", "team", "-", "alice,", "bob"],
    ]


def test_users_token_text_names_the_user_and_the_token(team: Cli) -> None:
    """`users token bob` prints `user: bob` and a `token: ...` line."""
    lines = team.ok("users", "token", "bob", user="alice").stdout.splitlines()
    assert lines[0] == "user: bob"
    assert lines[1].startswith("token: ") and len(lines[1]) > len("token: ") + 20


def test_sessions_reassign_hands_a_leavers_session_to_a_member(team: Cli) -> None:
    """An admin's `sessions reassign ID --owner bob` makes bob the owner of carol's session."""
    team.ok("workspaces", "members", "add", "qa-team", "carol", user="alice")
    session = team.import_bundle("Leaver", user="carol")
    team.ok("workspaces", "members", "remove", "qa-team", "carol", user="alice")
    moved = team.json("sessions", "reassign", session["id"], "--owner", "bob", user="alice")
    assert moved["owner"] == "bob"


def test_sessions_reassign_by_a_non_admin_is_refused(team: Cli) -> None:
    """bob may not reassign: permission_denied, exit 3, the owner unchanged."""
    session = team.import_bundle("Mine", user="bob")
    result = team("sessions", "reassign", session["id"], "--owner", "alice", user="bob")
    assert result.exit_code == 3
    assert team.json("sessions", "show", session["id"], user="bob")["owner"] == "bob"


def test_users_disable_refuses_the_token_and_enable_needs_a_new_one(team: Cli) -> None:
    """`users disable bob` shows him disabled; `users enable bob` clears it."""
    disabled = team.json("users", "disable", "bob", user="alice")
    assert disabled["disabled"] is not None
    listed = {u["name"]: u for u in team.json("users", "list", user="alice")}
    assert listed["bob"]["disabled"] == disabled["disabled"]
    assert team.json("users", "enable", "bob", user="alice")["disabled"] is None


def test_users_token_expires_shows_the_expiry(team: Cli) -> None:
    """`users token bob --expires 90d` prints the expiry, and the list shows it."""
    data = team.json("users", "token", "bob", "--expires", "90d", user="alice")
    listed = {u["name"]: u for u in team.json("users", "list", user="alice")}
    assert data["expires"] == listed["bob"]["token_expires"] is not None


def test_users_token_with_a_bad_expiry_is_refused(team: Cli) -> None:
    """`--expires soon` is a usage error naming the accepted form; no token is issued."""
    result = team("users", "token", "bob", "--expires", "soon", user="alice")
    assert result.exit_code == 2
    assert "90d" in result.stderr
