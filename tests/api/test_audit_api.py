"""GET /api/v1/audit: who did what to which session, and when; admins only; filtered, paged."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import World


def _audit(world: World, as_user: str = "root", **params: Any) -> dict[str, Any]:
    answer = world.client.get("/api/v1/audit", headers=world.auth(as_user), params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_an_admin_sees_who_did_what_newest_first(world: World) -> None:
    """Alice imports, bob opens, root unlocks: the trail lists them newest first."""
    session = world.upload()
    world.client.post(f"/api/v1/sessions/{session['id']}/open", headers=world.auth("bob"))
    world.client.post(f"/api/v1/sessions/{session['id']}/unlock", headers=world.auth("root"))
    items = _audit(world, session=session["id"])["items"]
    assert [(e["actor"], e["operation"]) for e in items] == [
        ("root", "unlock"), ("bob", "open"), ("alice", "import")]
    assert items[0]["detail"]["holder"] == "bob" and items[0]["at"].endswith("Z")


def test_the_trail_filters_by_actor_and_operation(world: World) -> None:
    """user= and operation= keep only the matching rows."""
    session = world.upload()
    world.client.post(f"/api/v1/sessions/{session['id']}/open", headers=world.auth("bob"))
    assert [e["operation"] for e in _audit(world, user="bob")["items"]] == ["open"]
    assert [e["actor"] for e in _audit(world, operation="import")["items"]] == ["alice"]


def test_the_trail_is_paged(world: World) -> None:
    """limit=1 gives one row and next_before; following it gives the next one."""
    world.upload(name="one")
    world.upload(name="two")
    first = _audit(world, limit=1, operation="import")
    second = _audit(world, limit=1, operation="import", before=first["next_before"])
    assert first["items"][0]["id"] > second["items"][0]["id"]
    assert second["next_before"] is None


def test_a_user_who_is_not_an_admin_is_refused(world: World) -> None:
    """Alice is not an admin: 403 admin_only."""
    answer = world.client.get("/api/v1/audit", headers=world.auth("alice"))
    assert answer.status_code == 403 and answer.json()["error"]["rule"] == "admin_only"


def test_each_row_names_the_surface_a_change_came_through(world: World) -> None:
    """Changes made over HTTP (the API, the console) are audited with the surface api."""
    session = world.upload()
    world.client.post(f"/api/v1/sessions/{session['id']}/open", headers=world.auth("bob"))
    items = _audit(world, session=session["id"])["items"]
    assert [(e["operation"], e["surface"]) for e in items] == [("open", "api"), ("import", "api")]
