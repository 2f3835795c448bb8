"""Every session operation of the API, allowed and refused, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.api.conftest import World


def _state(world: World, session_id: str) -> dict[str, Any]:
    """The session as the store sees it, for "nothing changed" checks."""
    return world.store.show("alice", session_id).to_json()


def _post(world: World, user: str, path: str, body: Any = None) -> Any:
    return world.client.post(path, headers=world.auth(user), json=body)


# ---- authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YWxpY2U6eA=="},
     {"Authorization": "Bearer "}],
)
def test_requests_without_a_valid_token_are_unauthenticated(
    world: World, headers: dict[str, str]
) -> None:
    """No token, an unknown token or another scheme gets 401 `unauthenticated`."""
    response = world.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_me_names_the_token_owner(world: World) -> None:
    """`/me` answers the user of the token and the workspaces they are a member of."""
    body = world.client.get("/api/v1/me", headers=world.auth("bob")).json()
    assert (body["name"], body["member_of"]) == ("bob", ["bob", "qa-team"])


def test_workspaces_are_the_callers(world: World) -> None:
    """A user lists their personal and team workspaces; an admin lists all."""
    carol = world.client.get("/api/v1/workspaces", headers=world.auth("carol")).json()
    root = world.client.get("/api/v1/workspaces", headers=world.auth("root")).json()
    assert [w["name"] for w in carol] == ["carol"]
    assert {w["name"] for w in root} == {"alice", "bob", "carol", "root", "qa-team", "qa-archive"}
    assert {"name": "qa-team", "kind": "team", "owner": None, "members": ["alice", "bob"]} in root


# ---- upload ---------------------------------------------------------------------------


def test_upload_makes_the_uploader_owner(world: World) -> None:
    """A multipart upload creates a session owned by the uploader, with the file's size."""
    session = world.upload("bob", data=b"x" * 1000, name="Login flows")
    assert (session["owner"], session["name"], session["size"], session["workspace"]) == (
        "bob", "Login flows", 1000, "qa-team",
    )


def test_upload_by_a_non_member_is_refused_and_stores_nothing(world: World) -> None:
    """Uploading into a workspace one is not a member of is 403 and lists nothing after."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("carol"),
        files={"file": ("a.xea", io.BytesIO(b"data"), "application/octet-stream")},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert world.store.list_sessions("alice").items == []


@pytest.mark.parametrize(
    ("fields", "rule"),
    [({"name": "   "}, "name_empty"), ({"name": "x" * 256}, "name_too_long"),
     ({"name": "bad\u0007name"}, "name_control_characters"),
     ({"mode": "xray"}, "project_required")],
)
def test_upload_with_bad_fields_is_invalid_and_stores_nothing(
    world: World, fields: dict[str, str], rule: str
) -> None:
    """A bad name or an xray upload without a project is 422 naming the rule; nothing stored."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"),
        files={"file": ("a.xea", io.BytesIO(b"data"), "application/octet-stream")}, data=fields,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert rule in response.json()["error"]["message"] or response.json()["error"]["rule"] == rule
    assert world.store.list_sessions("alice").items == []


def test_upload_without_a_file_part_is_invalid(world: World) -> None:
    """A multipart body without the `file` part is 422 `invalid` in the API's error shape."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"), data={"name": "x"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_xray_upload_gets_a_pending_link(world: World) -> None:
    """An upload in xray mode with a project is linked, pending its first push."""
    session = world.upload(mode="xray", project="QA")
    assert (session["mode"], session["link"]["project"], session["link"]["state"]) == (
        "xray", "QA", "pending",
    )


# ---- listing --------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(world: World) -> None:
    """The listing filters by name, sorts by a column, and pages with an opaque cursor."""
    for name in ("beta run", "alpha run", "gamma", "delta run"):
        world.upload(name=name)
    url = "/api/v1/workspaces/qa-team/sessions?q=run&sort=name&limit=2"
    first = world.client.get(url, headers=world.auth("bob")).json()
    second = world.client.get(
        f"{url}&cursor={first['next_cursor']}", headers=world.auth("bob")
    ).json()
    assert [s["name"] for s in first["items"] + second["items"]] == [
        "alpha run", "beta run", "delta run",
    ]
    assert second["next_cursor"] is None


def test_list_filters_by_owner_and_mode(world: World) -> None:
    """`owner` and `mode` narrow the listing."""
    world.upload("alice", name="a")
    world.upload("bob", name="b", mode="xray", project="QA")
    by_owner = world.client.get(
        "/api/v1/workspaces/qa-team/sessions?owner=bob", headers=world.auth("alice")).json()
    by_mode = world.client.get(
        "/api/v1/workspaces/qa-team/sessions?mode=standalone", headers=world.auth("alice")).json()
    assert [s["name"] for s in by_owner["items"]] == ["b"]
    assert [s["name"] for s in by_mode["items"]] == ["a"]


def test_list_of_a_workspace_one_is_not_member_of_is_refused(world: World) -> None:
    """A non-member cannot list a team workspace."""
    world.upload()
    response = world.client.get("/api/v1/workspaces/qa-team/sessions", headers=world.auth("carol"))
    assert response.status_code in (403, 404)
    assert "items" not in response.json()


@pytest.mark.parametrize("query", ["sort=bogus", "limit=0", "limit=100000", "cursor=garbage",
                                   "type=movie", "mode=cloud"])
def test_list_with_bad_parameters_is_invalid(world: World, query: str) -> None:
    """Unknown sort fields, out-of-range limits, foreign cursors and bad enums are 422."""
    world.upload()
    response = world.client.get(
        f"/api/v1/workspaces/qa-team/sessions?{query}", headers=world.auth("alice"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_rows_carry_the_options_the_rules_allow(world: World) -> None:
    """The owner is offered the owner's options; a member who is not owner only open/history."""
    session = world.upload()
    owner = world.client.get(f"/api/v1/sessions/{session['id']}", headers=world.auth("alice"))
    member = world.client.get(f"/api/v1/sessions/{session['id']}", headers=world.auth("bob"))
    assert set(owner.json()["allowed_actions"]) >= {
        "open", "duplicate", "download", "rename", "delete", "move"}
    assert "unlock" not in owner.json()["allowed_actions"]
    assert member.json()["allowed_actions"] == ["open", "history"]


# ---- show / download ------------------------------------------------------------------


def test_show_unknown_id_is_not_found(world: World) -> None:
    """An unknown session id is 404 `not_found`."""
    response = world.client.get("/api/v1/sessions/doesnotexist", headers=world.auth("alice"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_show_by_a_non_member_is_refused(world: World) -> None:
    """A user outside the session's workspace cannot see it."""
    session = world.upload()
    response = world.client.get(f"/api/v1/sessions/{session['id']}", headers=world.auth("carol"))
    assert response.status_code in (403, 404)


def test_download_streams_the_file_with_a_safe_name(world: World) -> None:
    """The owner downloads the exact bytes, with a Content-Disposition that carries no path."""
    data = bytes(range(256)) * 1000
    session = world.upload(name='../evil "name"', data=data)
    response = world.client.get(
        f"/api/v1/sessions/{session['id']}/download", headers=world.auth("alice"))
    assert response.status_code == 200
    assert response.content == data
    disposition = response.headers["content-disposition"]
    assert "/" not in disposition.split("filename*=")[0].replace("filename=", "")
    assert disposition.count('"') == 2
    assert "filename*=UTF-8''" in disposition


def test_download_by_a_member_who_is_not_owner_is_refused(world: World) -> None:
    """Only the owner downloads: a member gets 403 and no bytes."""
    session = world.upload()
    response = world.client.get(
        f"/api/v1/sessions/{session['id']}/download", headers=world.auth("bob"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_download_of_an_unknown_version_is_not_found(world: World) -> None:
    """A version that does not exist is 404."""
    session = world.upload()
    response = world.client.get(
        f"/api/v1/sessions/{session['id']}/download?version=9", headers=world.auth("alice"))
    assert response.status_code == 404


# ---- open / save / close / unlock -----------------------------------------------------


def test_open_locks_for_the_opener_and_refuses_others(world: World) -> None:
    """Opening locks the session for bob (with a desktop link); alice then gets 423 locked."""
    session = world.upload()
    opened = _post(world, "bob", f"/api/v1/sessions/{session['id']}/open")
    refused = _post(world, "alice", f"/api/v1/sessions/{session['id']}/open")
    assert opened.status_code == 200
    assert opened.json()["desktop_link"].startswith("xea://open?session=")
    assert opened.json()["lock"]["holder"] == "bob"
    assert refused.status_code == 423
    assert refused.json()["error"]["holder"] == "bob"


def test_open_is_reentrant_for_the_holder(world: World) -> None:
    """The holder may open again."""
    session = world.upload()
    _post(world, "bob", f"/api/v1/sessions/{session['id']}/open")
    assert _post(world, "bob", f"/api/v1/sessions/{session['id']}/open").status_code == 200


def test_save_under_own_lock_makes_a_new_version(world: World) -> None:
    """The holder's PUT of new content becomes version 2 with the new size."""
    session = world.upload()
    _post(world, "alice", f"/api/v1/sessions/{session['id']}/open")
    response = world.client.put(f"/api/v1/sessions/{session['id']}/content",
                                headers=world.auth("alice"), content=b"new content!")
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["size"]) == (2, 12)


def test_save_without_the_lock_is_refused(world: World) -> None:
    """Saving without holding the lock is refused and the content is unchanged."""
    session = world.upload()
    before = _state(world, session["id"])
    response = world.client.put(f"/api/v1/sessions/{session['id']}/content",
                                headers=world.auth("alice"), content=b"sneaky")
    assert response.status_code == 403
    assert _state(world, session["id"]) == before


def test_close_releases_own_lock(world: World) -> None:
    """Close frees the caller's lock."""
    session = world.upload()
    _post(world, "bob", f"/api/v1/sessions/{session['id']}/open")
    response = _post(world, "bob", f"/api/v1/sessions/{session['id']}/close")
    assert (response.status_code, response.json()["lock"]) == (200, None)


def test_unlock_by_someone_else_is_refused_and_by_admin_allowed(world: World) -> None:
    """Alice cannot unlock bob's lock (403, still locked); root, an admin, can."""
    session = world.upload()
    _post(world, "bob", f"/api/v1/sessions/{session['id']}/open")
    refused = _post(world, "alice", f"/api/v1/sessions/{session['id']}/unlock")
    assert refused.status_code == 403
    assert _state(world, session["id"])["lock"]["holder"] == "bob"
    allowed = _post(world, "root", f"/api/v1/sessions/{session['id']}/unlock")
    assert (allowed.status_code, allowed.json()["lock"]) == (200, None)


# ---- rename / duplicate / move / delete / restore -------------------------------------


def test_rename_by_owner(world: World) -> None:
    """The owner renames."""
    session = world.upload()
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/rename", {"name": "New"})
    assert (response.status_code, response.json()["name"]) == (200, "New")


@pytest.mark.parametrize(
    ("user", "body", "status", "code"),
    [("bob", {"name": "Mine now"}, 403, "permission_denied"),
     ("alice", {"name": ""}, 422, "invalid"),
     ("alice", {"name": "x" * 300}, 422, "invalid"),
     ("alice", {"name": "ok", "row_version": 99}, 409, "conflict"),
     ("alice", {}, 422, "invalid")],
)
def test_rename_refusals_change_nothing(
    world: World, user: str, body: dict[str, Any], status: int, code: str
) -> None:
    """A non-owner, a bad name, a stale row_version or no name: refused, name unchanged."""
    session = world.upload()
    response = _post(world, user, f"/api/v1/sessions/{session['id']}/rename", body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert _state(world, session["id"])["name"] == "Checkout"


def test_rename_of_a_session_locked_by_another_is_locked(world: World) -> None:
    """While bob holds the lock the owner's rename is 423 and the name stays."""
    session = world.upload()
    _post(world, "bob", f"/api/v1/sessions/{session['id']}/open")
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/rename", {"name": "N"})
    assert (response.status_code, response.json()["error"]["code"]) == (423, "locked")
    assert _state(world, session["id"])["name"] == "Checkout"


def test_duplicate_to_a_member_workspace(world: World) -> None:
    """Duplicate to creates a copy with the given name in the target workspace."""
    session = world.upload()
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/duplicate",
                     {"workspace": "qa-archive", "name": "Copy"})
    assert response.status_code == 201
    assert (response.json()["workspace"], response.json()["name"]) == ("qa-archive", "Copy")
    assert response.json()["id"] != session["id"]


@pytest.mark.parametrize(("user", "target"), [("bob", "bob"), ("alice", "carol")])
def test_duplicate_refusals_create_nothing(world: World, user: str, target: str) -> None:
    """A non-owner, or a target workspace the actor is not in: refused, nothing created."""
    session = world.upload()
    response = _post(world, user, f"/api/v1/sessions/{session['id']}/duplicate",
                     {"workspace": target})
    assert response.status_code in (403, 404)
    assert len(world.store.list_sessions("root").items) == 1


def test_move_changes_workspace_and_can_rename(world: World) -> None:
    """Move puts the session in the target workspace, with the dialog's name."""
    session = world.upload()
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/move",
                     {"workspace": "qa-archive", "name": "Archived run"})
    assert response.status_code == 200
    assert (response.json()["workspace"], response.json()["name"]) == ("qa-archive", "Archived run")


def test_move_keep_original_leaves_the_original(world: World) -> None:
    """Move with keep_original keeps the original where it was."""
    session = world.upload()
    _post(world, "alice", f"/api/v1/sessions/{session['id']}/move",
          {"workspace": "qa-archive", "keep_original": True})
    assert _state(world, session["id"])["workspace"] == "qa-team"
    assert len(world.store.list_sessions("root").items) == 2


def test_move_of_a_locked_session_is_refused(world: World) -> None:
    """While another holds the lock, move is 423 and the session stays."""
    session = world.upload()
    _post(world, "bob", f"/api/v1/sessions/{session['id']}/open")
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/move",
                     {"workspace": "qa-archive"})
    assert response.status_code == 423
    assert _state(world, session["id"])["workspace"] == "qa-team"


def test_delete_and_restore(world: World) -> None:
    """Delete moves to the trash, restore brings it back."""
    session = world.upload()
    deleted = world.client.delete(f"/api/v1/sessions/{session['id']}", headers=world.auth("alice"))
    assert (deleted.status_code, deleted.json()["trashed"]) == (200, True)
    restored = _post(world, "alice", f"/api/v1/sessions/{session['id']}/restore")
    assert (restored.status_code, restored.json()["trashed"]) == (200, False)


def test_trash_listing_shows_deleted_sessions(world: World) -> None:
    """`trashed=true` lists the trash instead of the live sessions."""
    session = world.upload()
    world.client.delete(f"/api/v1/sessions/{session['id']}", headers=world.auth("alice"))
    live = world.client.get("/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"))
    trash = world.client.get("/api/v1/workspaces/qa-team/sessions?trashed=true",
                             headers=world.auth("alice"))
    assert live.json()["items"] == []
    assert [s["id"] for s in trash.json()["items"]] == [session["id"]]


@pytest.mark.parametrize(("user", "locker", "status"),
                         [("bob", None, 403), ("alice", "bob", 423)])
def test_delete_refusals_keep_the_session(
    world: World, user: str, locker: str | None, status: int
) -> None:
    """A non-owner's delete is 403; the owner's delete of a session bob holds is 423."""
    session = world.upload()
    if locker:
        _post(world, locker, f"/api/v1/sessions/{session['id']}/open")
    response = world.client.delete(f"/api/v1/sessions/{session['id']}", headers=world.auth(user))
    assert response.status_code == status
    assert _state(world, session["id"])["trashed"] is False


def test_admin_deletes_any_session(world: World) -> None:
    """An admin may delete a session they do not own."""
    session = world.upload()
    response = world.client.delete(f"/api/v1/sessions/{session['id']}", headers=world.auth("root"))
    assert response.status_code == 200


# ---- history / revert / connect / disconnect -------------------------------------------


def test_history_and_revert(world: World) -> None:
    """History lists every version; revert makes version 1 current again as version 3."""
    session = world.upload(data=b"one")
    _post(world, "alice", f"/api/v1/sessions/{session['id']}/open")
    world.client.put(f"/api/v1/sessions/{session['id']}/content", headers=world.auth("alice"),
                     content=b"two!")
    history = world.client.get(f"/api/v1/sessions/{session['id']}/history",
                               headers=world.auth("bob")).json()
    reverted = _post(world, "alice", f"/api/v1/sessions/{session['id']}/revert", {"version": 1})
    assert sorted(v["number"] for v in history) == [1, 2]
    assert (reverted.status_code, reverted.json()["version"], reverted.json()["size"]) == (
        200, 3, 3)


def test_revert_by_a_non_owner_is_refused(world: World) -> None:
    """Only the owner reverts."""
    session = world.upload()
    response = _post(world, "bob", f"/api/v1/sessions/{session['id']}/revert", {"version": 1})
    assert response.status_code == 403


def test_connect_and_disconnect(world: World) -> None:
    """Connect makes a session xray (linked, pending); disconnect makes it standalone."""
    session = world.upload()
    connected = _post(world, "alice", f"/api/v1/sessions/{session['id']}/connect",
                      {"project": "QA"})
    assert (connected.json()["mode"], connected.json()["link"]["project"]) == ("xray", "QA")
    disconnected = _post(world, "alice", f"/api/v1/sessions/{session['id']}/disconnect")
    assert disconnected.json()["mode"] == "standalone"


def test_disconnect_of_a_standalone_session_is_a_conflict(world: World) -> None:
    """Disconnecting what is not connected is 409 naming the rule."""
    session = world.upload()
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/disconnect")
    assert (response.status_code, response.json()["error"]["rule"]) == (409, "not_connected")


def test_connect_by_a_non_owner_is_refused(world: World) -> None:
    """Only the owner connects; the session stays standalone."""
    session = world.upload()
    response = _post(world, "bob", f"/api/v1/sessions/{session['id']}/connect", {"project": "QA"})
    assert response.status_code == 403
    assert _state(world, session["id"])["mode"] == "standalone"


def test_save_under_a_lock_an_admin_broke_is_kept_as_a_conflicted_copy(world: World) -> None:
    """Bob's save with the epoch of a lock root broke is not lost: it becomes a conflicted copy."""
    session = world.upload()
    opened = _post(world, "bob", f"/api/v1/sessions/{session['id']}/open").json()
    _post(world, "root", f"/api/v1/sessions/{session['id']}/unlock")
    response = world.client.put(
        f"/api/v1/sessions/{session['id']}/content", content=b"bob's work",
        headers={**world.auth("bob"), "X-Lock-Epoch": str(opened["lock_epoch"])})
    assert response.status_code == 200
    assert response.json()["id"] != session["id"]
    assert "conflicted copy" in response.json()["name"]
    assert _state(world, session["id"])["version"] == 1
