"""Offboarding over the API (admins): list users, disable, enable, a token with an expiry."""

from __future__ import annotations

from tests.api.conftest import World


def test_a_disabled_users_token_is_refused_at_once(world: World) -> None:
    """After root disables bob, bob's next request is 401, with nothing else done."""
    assert world.client.get("/api/v1/me", headers=world.auth("bob")).status_code == 200
    answer = world.client.post("/api/v1/users/bob/disable", headers=world.auth("root"))
    assert (answer.status_code, answer.json()["disabled"] is not None) == (200, True)
    assert world.client.get("/api/v1/me", headers=world.auth("bob")).status_code == 401


def test_only_admins_list_and_disable(world: World) -> None:
    """alice gets 403 admin_only on the user list and on disable."""
    listed = world.client.get("/api/v1/users", headers=world.auth("alice"))
    disabled = world.client.post("/api/v1/users/bob/disable", headers=world.auth("alice"))
    assert [listed.status_code, disabled.status_code] == [403, 403]
    assert world.client.get("/api/v1/me", headers=world.auth("bob")).status_code == 200


def test_the_user_list_shows_disabled_and_expiry(world: World) -> None:
    """GET /users shows bob disabled and carol's token expiry after they are set."""
    world.client.post("/api/v1/users/bob/disable", headers=world.auth("root"))
    token = world.client.post("/api/v1/users/carol/token", headers=world.auth("root"),
                              json={"expires": "90d"}).json()
    users = {u["name"]: u for u in world.client.get(
        "/api/v1/users", headers=world.auth("root")).json()}
    assert users["bob"]["disabled"] is not None and users["alice"]["disabled"] is None
    assert users["carol"]["token_expires"] == token["expires"] is not None


def test_enable_lets_a_user_back_with_a_new_token(world: World) -> None:
    """After enable and a new token, bob is served again."""
    world.client.post("/api/v1/users/bob/disable", headers=world.auth("root"))
    world.client.post("/api/v1/users/bob/enable", headers=world.auth("root"))
    token = world.client.post("/api/v1/users/bob/token", headers=world.auth("root"),
                              json={}).json()["token"]
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert (me.status_code, me.json()["name"]) == (200, "bob")


def test_a_bad_expiry_is_422(world: World) -> None:
    """`{"expires": "soon"}` is 422 expiry_invalid; bob's token still works."""
    answer = world.client.post("/api/v1/users/bob/token", headers=world.auth("root"),
                               json={"expires": "soon"})
    assert (answer.status_code, answer.json()["error"]["rule"]) == (422, "expiry_invalid")
    assert world.client.get("/api/v1/me", headers=world.auth("bob")).status_code == 200
