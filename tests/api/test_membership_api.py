"""Membership over the API: a member removed from a workspace keeps no right over its
sessions, and admins hand a leaver's session to a member, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.api.conftest import World


def test_removed_owner_gets_403_on_download_rename_and_move(world: World) -> None:
    """After alice leaves qa-team, downloading, renaming and moving her session are 403."""
    sid = world.upload()["id"]
    world.store.remove_member("root", "qa-team", "alice")
    auth = world.auth("alice")
    answers = [
        world.client.get(f"/api/v1/sessions/{sid}/download", headers=auth),
        world.client.post(f"/api/v1/sessions/{sid}/rename", headers=auth, json={"name": "X"}),
        world.client.post(f"/api/v1/sessions/{sid}/move", headers=auth,
                          json={"workspace": "alice"}),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert world.store.show("root", sid).workspace == "qa-team"


def test_removed_lock_holders_save_is_403_and_keeps_no_version(world: World) -> None:
    """bob's save under a lock he held before his removal from qa-team is refused."""
    sid = world.upload()["id"]
    opened = world.client.post(f"/api/v1/sessions/{sid}/open", headers=world.auth("bob"))
    world.store.remove_member("root", "qa-team", "bob")
    saved = world.client.put(f"/api/v1/sessions/{sid}/content", content=b"late edit",
                             headers={**world.auth("bob"),
                                      "X-Lock-Epoch": str(opened.json()["lock_epoch"])})
    assert (saved.status_code, saved.json()["error"]["rule"]) == (403, "members_only")
    assert world.store.show("root", sid).version == 1


def test_admin_reassigns_over_the_api(world: World) -> None:
    """`POST /sessions/{id}/reassign {"owner"}` by an admin makes bob the owner."""
    sid = world.upload()["id"]
    answer = world.client.post(f"/api/v1/sessions/{sid}/reassign", headers=world.auth("root"),
                               json={"owner": "bob"})
    assert (answer.status_code, answer.json()["owner"]) == (200, "bob")


def test_reassign_by_a_non_admin_is_403(world: World) -> None:
    """The owner herself may not reassign: admins only, nothing changes."""
    sid = world.upload()["id"]
    answer = world.client.post(f"/api/v1/sessions/{sid}/reassign", headers=world.auth("alice"),
                               json={"owner": "bob"})
    assert (answer.status_code, answer.json()["error"]["rule"]) == (403, "admin_only")
    assert world.store.show("root", sid).owner == "alice"


def test_reassign_to_a_non_member_is_422(world: World) -> None:
    """carol is not in qa-team: reassigning to her is 422 owner_not_member."""
    sid = world.upload()["id"]
    answer = world.client.post(f"/api/v1/sessions/{sid}/reassign", headers=world.auth("root"),
                               json={"owner": "carol"})
    assert (answer.status_code, answer.json()["error"]["rule"]) == (422, "owner_not_member")
