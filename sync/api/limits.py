"""The guard in front of every request body: who asks, and how much they may send.

Bodies are read only once the request may be served:

- a body sent to `/api/...` without a valid bearer token is refused (401) before any
  of it is read; an upload (`POST /api/v1/workspaces/{ws}/sessions`) or a save
  (`PUT /api/v1/sessions/{id}/content`) is also asked of the store's rules (membership,
  the lock) before a byte of it is spooled;
- each route has its own limit: the upload limit (`[store] max_upload_mb` plus multipart
  slack) only on the two upload routes, `[webhooks] max_body_kb` on the webhooks, and
  `JSON_BODY_LIMIT` everywhere else. A declared `Content-Length` over it is answered at
  once; a body without one (chunked) is counted as it arrives and refused past it, and
  whatever the app would have answered is replaced by the 413.

The store still enforces the exact upload limit on the file, and the routes check the
token and the rules again: this guard only keeps the daemon from reading what it would
refuse anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.api import Store
from store.errors import NotFound, PermissionDenied, StoreError
from store.rules import Operation
from sync.api.errors import error_body, status_for, store_error_body

JSON_BODY_LIMIT = 64 * 1024  # bytes: every JSON request of the API is far smaller
MULTIPART_SLACK = 1 << 20  # multipart boundaries and the small form fields around the file

_IMPORT = re.compile(r"^/api/v1/workspaces/(?P<ws>[^/]+)/sessions/?$")
_SAVE = re.compile(r"^/api/v1/sessions/(?P<sid>[^/]+)/content/?$")


class RouteKind(Enum):
    """What the guard needs to know of a route."""

    IMPORT = "import"  # a multipart upload into a workspace
    SAVE = "save"  # new content of a session
    API = "api"  # any other route of the HTTP API (JSON bodies, a bearer token)
    HOOK = "hook"  # the webhooks: authenticated by a signature over the body, or a secret
    OTHER = "other"  # the console, health, metrics: no body expected


@dataclass(frozen=True)
class Route:
    """A request's route as the guard sees it."""

    kind: RouteKind
    target: str | None = None  # the workspace of an import, the session of a save


def classify(method: str, path: str) -> Route:
    """The route of a request (pure)."""
    if method == "POST" and (found := _IMPORT.match(path)):
        return Route(RouteKind.IMPORT, found["ws"])
    if method == "PUT" and (found := _SAVE.match(path)):
        return Route(RouteKind.SAVE, found["sid"])
    if path.startswith("/api/"):
        return Route(RouteKind.API)
    if path.startswith("/hooks/"):
        return Route(RouteKind.HOOK)
    return Route(RouteKind.OTHER)


class BodyTooLargeRead(Exception):
    """Raised from `receive` once the body is past the route's limit."""


@dataclass(frozen=True)
class Refusal:
    """An answer the guard gives instead of the app."""

    status: int
    body: dict[str, object]


class BodyGuard:
    """ASGI middleware: authenticate and authorize before the body, and cap it per route."""

    def __init__(self, app: ASGIApp, *, store: Store, upload_bytes: int, hook_bytes: int,
                 json_bytes: int = JSON_BODY_LIMIT) -> None:
        self.app = app
        self.store = store
        self.limits = {RouteKind.IMPORT: upload_bytes + MULTIPART_SLACK,
                       RouteKind.SAVE: upload_bytes, RouteKind.HOOK: hook_bytes,
                       RouteKind.API: json_bytes, RouteKind.OTHER: json_bytes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = classify(scope["method"], scope["path"])
        headers = _headers(scope)
        limit = self.limits[route.kind]
        if _has_body(headers) and route.kind in (RouteKind.IMPORT, RouteKind.SAVE,
                                                  RouteKind.API):
            refusal = await run_in_threadpool(self._precheck, route, headers)
            if refusal is not None:
                await _answer(send, refusal)
                return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, _too_large(route, limit))
            return
        await self._counted(scope, receive, send, route, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, route: Route,
                       limit: int) -> None:
        received = 0
        exceeded = answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLargeRead
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if exceeded:
                if not answered:  # whatever the app says about a cut body, the answer is 413
                    answered = True
                    await _answer(send, _too_large(route, limit))
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLargeRead:
            if not answered:
                await _answer(send, _too_large(route, limit))

    def _precheck(self, route: Route, headers: dict[str, str]) -> Refusal | None:
        """The token, then (for uploads and saves) the store's rules; None: go on."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthenticated("bearer_token",
                                    "send Authorization: Bearer <token> [bearer_token]")
        try:
            user = self.store.user_for_token(token.strip())
        except (NotFound, PermissionDenied):
            return _unauthenticated("bad_token", "the token is unknown or revoked [bad_token]")
        checks: dict[RouteKind, Callable[[str], None]] = {
            RouteKind.IMPORT: lambda actor: self.store.check_member(actor, route.target or ""),
            RouteKind.SAVE: lambda actor: self.store.check(
                actor, route.target or "", Operation.SAVE, lock_epoch=_epoch(headers)),
        }
        check = checks.get(route.kind)
        try:
            if check is not None:
                check(user.name)
        except StoreError as exc:
            return Refusal(status_for(exc.code), store_error_body(exc))
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", ())}


def _has_body(headers: dict[str, str]) -> bool:
    length = headers.get("content-length", "").strip()
    return "transfer-encoding" in headers or (length != "" and length != "0")


def _epoch(headers: dict[str, str]) -> int | None:
    text = headers.get("x-lock-epoch", "").strip()
    return int(text) if text.isdigit() else None


def _unauthenticated(rule: str, message: str) -> Refusal:
    return Refusal(401, error_body("unauthenticated", message, rule))


def _too_large(route: Route, limit: int) -> Refusal:
    if route.kind in (RouteKind.IMPORT, RouteKind.SAVE):
        message = (f"the body is over the upload limit of {limit} bytes "
                   "([store] max_upload_mb) [upload_too_large]")
        return Refusal(413, error_body("invalid", message, "upload_too_large"))
    message = f"the body is over this route's limit of {limit} bytes [body_too_large]"
    return Refusal(413, error_body("invalid", message, "body_too_large"))


async def _answer(send: Send, refusal: Refusal) -> None:
    """Answer and close the connection: the body the client still sends is not read."""
    body = json.dumps(refusal.body).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    if refusal.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
