"""Changing sessions through the API (locks, saves, rename, duplicate, move, delete, history,
connect), allowed and refused, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World


def _state(world: World, session_id: str) -> dict[str, Any]:
    """The session as the store sees it, for "nothing changed" checks."""
    return world.store.show("alice", session_id).to_json()


def _post(world: World, user: str, path: str, body: Any = None) -> Any:
    return world.client.post(path, headers=world.auth(user), json=body)


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


def test_move_with_a_refused_name_moves_nothing(world: World) -> None:
    """A move whose new name is blank is 422 `name_empty`, and the session stays where it was,
    named as it was (move and rename are one transaction in the store)."""
    session = world.upload()
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/move",
                     {"workspace": "qa-archive", "name": "   "})
    assert (response.status_code, response.json()["error"]["rule"]) == (422, "name_empty")
    state = _state(world, session["id"])
    assert (state["workspace"], state["name"]) == ("qa-team", "Checkout")


def test_move_keep_original_names_the_copy(world: World) -> None:
    """Move with keep_original and a name: the copy has the name, the original keeps its own."""
    session = world.upload()
    response = _post(world, "alice", f"/api/v1/sessions/{session['id']}/move",
                     {"workspace": "qa-archive", "keep_original": True, "name": "Copy"})
    assert (response.json()["workspace"], response.json()["name"]) == ("qa-archive", "Copy")
    assert _state(world, session["id"])["name"] == "Checkout"


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
