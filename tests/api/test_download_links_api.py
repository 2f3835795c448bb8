"""Download links over HTTP: asked for with a token, opened without one, good once."""

from __future__ import annotations

from tests.api.conftest import World


def test_a_link_streams_the_file_without_a_token_once(world: World) -> None:
    """The URL of download-link answers the file with no Authorization, then 404 link_expired."""
    session = world.upload(data=b"the bytes of the file")
    asked = world.client.post(f"/api/v1/sessions/{session['id']}/download-link",
                              headers=world.auth("alice"), json={})
    assert asked.status_code == 200, asked.text
    url = asked.json()["url"]
    assert url.startswith("/api/v1/downloads/") and asked.json()["expires_at"].endswith("Z")
    got = world.client.get(url)
    assert got.status_code == 200 and got.content == b"the bytes of the file"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["cache-control"] == "no-store"
    again = world.client.get(url)
    assert again.status_code == 404 and again.json()["error"]["rule"] == "link_expired"


def test_a_link_is_refused_to_who_may_not_download(world: World) -> None:
    """Bob may not download alice's session: no link (403 owner_only)."""
    session = world.upload()
    asked = world.client.post(f"/api/v1/sessions/{session['id']}/download-link",
                              headers=world.auth("bob"), json={})
    assert asked.status_code == 403 and asked.json()["error"]["rule"] == "owner_only"


def test_a_link_needs_a_token_to_be_asked_for(world: World) -> None:
    """Asking for a link without Authorization is 401."""
    session = world.upload()
    asked = world.client.post(f"/api/v1/sessions/{session['id']}/download-link", json={})
    assert asked.status_code == 401


def test_a_made_up_link_is_404(world: World) -> None:
    """A URL no link was issued for is 404 link_expired, like a used one."""
    got = world.client.get("/api/v1/downloads/not-a-real-link")
    assert got.status_code == 404 and got.json()["error"]["rule"] == "link_expired"
