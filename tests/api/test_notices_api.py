"""GET /api/v1/notices: a user's saves kept as conflicted copies and locks ended by others."""

from __future__ import annotations

import io

from tests.api.conftest import World


def test_an_admin_ending_a_lock_and_the_conflicted_copy_are_notices(world: World) -> None:
    """Root unlocks bob's lock, bob's save becomes a copy: bob has both notices, in order."""
    session = world.upload()
    epoch = world.store.open("bob", session["id"]).lock_epoch
    world.store.unlock("root", session["id"])
    world.store.save("bob", session["id"], io.BytesIO(b"late"), lock_epoch=epoch)
    body = world.client.get("/api/v1/notices", headers=world.auth("bob")).json()
    assert [(n["kind"], n["by"]) for n in body["items"]] == [
        ("lock_ended", "root"), ("conflicted_copy", "bob")]
    assert body["items"][0]["session_name"] == "Checkout"
    after = world.client.get("/api/v1/notices", params={"after": body["last"]},
                             headers=world.auth("bob")).json()
    assert after == {"items": [], "last": body["last"]}


def test_others_and_own_unlocks_are_no_notice(world: World) -> None:
    """Bob releasing his own lock tells no one; alice is not told of bob's lock."""
    session = world.upload()
    world.store.open("bob", session["id"])
    world.store.unlock("bob", session["id"])
    for user in ("alice", "bob"):
        body = world.client.get("/api/v1/notices", headers=world.auth(user)).json()
        assert body["items"] == []
