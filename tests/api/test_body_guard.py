"""Bodies are read only once the request may be served: no token, a bad token, a refused
upload or save are answered before (more than a small bounded part of) the body is read,
and each route caps its body (the upload limit only on the upload routes)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.types import ASGIApp, Message

from sync.api.limits import JSON_BODY_LIMIT, RouteKind, classify
from tests.api.conftest import World

CHUNK = 64 * 1024
MIB = 1 << 20


@dataclass
class Sent:
    """What the app answered, and how many body bytes it took from the client."""

    status: int = 0
    read: int = 0
    body: bytes = b""


def _call(app: ASGIApp, method: str, path: str, headers: dict[str, str],
          size: int) -> Sent:
    """Send `size` body bytes (declared) to the app over ASGI, counting what it reads."""
    sent = Sent()
    encoded = [(k.lower().encode(), v.encode()) for k, v in
               {**headers, "content-length": str(size)}.items()]
    scope: dict[str, Any] = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                             "method": method, "scheme": "http", "path": path,
                             "raw_path": path.encode(), "query_string": b"",
                             "root_path": "", "headers": encoded,
                             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}

    async def receive() -> Message:
        step = min(CHUNK, size - sent.read)
        sent.read += step
        return {"type": "http.request", "body": b"x" * step,
                "more_body": sent.read < size}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            sent.status = message["status"]
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]  # a plain dict scope
    return sent


@pytest.fixture
def app(world: World) -> Iterator[ASGIApp]:
    """The world's ASGI app."""
    yield world.client.app


def _auth(world: World, user: str) -> dict[str, str]:
    return world.auth(user)


@pytest.mark.parametrize(("method", "path", "ctype"), [
    ("POST", "/api/v1/sync", "application/json"),
    ("POST", "/api/v1/workspaces/qa-team/sessions", "multipart/form-data; boundary=b"),
    ("PUT", "/api/v1/sessions/abc/content", "application/octet-stream"),
])
def test_a_large_body_without_token_is_refused_unread(app: ASGIApp, method: str, path: str,
                                                      ctype: str) -> None:
    """300 MB with no token: 401 before any of it is read (at most 1 MiB allowed)."""
    sent = _call(app, method, path, {"content-type": ctype}, 300 * MIB)
    assert sent.status == 401
    assert sent.read <= MIB


def test_a_large_body_with_a_bad_token_is_refused_unread(app: ASGIApp) -> None:
    """An unknown token is as good as none: 401, nothing read."""
    sent = _call(app, "POST", "/api/v1/workspaces/qa-team/sessions",
                 {"authorization": "Bearer not-a-token",
                  "content-type": "multipart/form-data; boundary=b"}, 300 * MIB)
    assert (sent.status, sent.read) == (401, 0)


def test_an_upload_by_a_non_member_is_refused_before_spooling(world: World,
                                                              app: ASGIApp) -> None:
    """carol's upload into qa-team is 403 members_only before a byte of it is read."""
    sent = _call(app, "POST", "/api/v1/workspaces/qa-team/sessions",
                 {**_auth(world, "carol"), "content-type": "multipart/form-data; boundary=b"},
                 300 * MIB)
    assert (sent.status, sent.read) == (403, 0)
    assert b"members_only" in sent.body


def test_a_save_without_the_lock_is_refused_before_spooling(world: World,
                                                            app: ASGIApp) -> None:
    """A save by someone who does not hold the lock is refused before the body is read."""
    session = world.upload()
    sent = _call(app, "PUT", f"/api/v1/sessions/{session['id']}/content",
                 {**_auth(world, "alice"), "content-type": "application/octet-stream"},
                 300 * MIB)
    assert (sent.status, sent.read) == (403, 0)
    assert world.store.show("alice", session["id"]).version == 1


def test_a_json_route_caps_its_body_far_below_the_upload_limit(world: World,
                                                               app: ASGIApp) -> None:
    """A signed-in user's 300 MB body to a JSON route is 413 body_too_large, unread."""
    sent = _call(app, "POST", "/api/v1/sync",
                 {**_auth(world, "alice"), "content-type": "application/json"}, 300 * MIB)
    assert (sent.status, sent.read) == (413, 0)
    assert b"body_too_large" in sent.body


def test_a_webhook_reads_at_most_its_limit(app: ASGIApp) -> None:
    """An unsigned 300 MB webhook is refused having read no more than max_body_kb."""
    sent = _call(app, "POST", "/hooks/jira", {"content-type": "application/json"}, 300 * MIB)
    assert sent.status == 413
    assert sent.read <= MIB


def test_a_json_body_within_the_limit_is_served(world: World) -> None:
    """A small authenticated JSON body still reaches its route."""
    session = world.upload()
    answer = world.client.post(f"/api/v1/sessions/{session['id']}/rename",
                               headers=world.auth("alice"), json={"name": "x" * 200})
    assert answer.status_code == 200
    assert JSON_BODY_LIMIT < MIB


@pytest.mark.parametrize(("method", "path", "kind"), [
    ("POST", "/api/v1/workspaces/qa-team/sessions", RouteKind.IMPORT),
    ("GET", "/api/v1/workspaces/qa-team/sessions", RouteKind.API),
    ("PUT", "/api/v1/sessions/s1/content", RouteKind.SAVE),
    ("POST", "/api/v1/sessions/s1/content", RouteKind.API),
    ("POST", "/hooks/jira", RouteKind.HOOK),
    ("GET", "/healthz", RouteKind.OTHER),
])
def test_classify_names_the_route(method: str, path: str, kind: RouteKind) -> None:
    """Only POST .../sessions and PUT .../content are upload routes."""
    assert classify(method, path).kind is kind
