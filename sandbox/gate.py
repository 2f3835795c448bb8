"""The ASGI layer in front of every route: log, latency, faults, rate limit, size, auth.

Order for each request (the control plane `/_sandbox/...` skips all of it):
    log -> early-request check -> latency -> faults (drop / status) -> rate limit
        -> payload limit -> authentication -> the app (lost_response: answer dropped)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import parsedate_to_datetime
from typing import Any

from starlette.routing import BaseRoute, Match

from sandbox import request_head
from sandbox.errors import ApiError, PayloadTooLarge, Unauthorized
from sandbox.faults import FaultRule
from sandbox.runtime import Runtime
from sandbox.users import ADMIN, TESTER, account_for

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# "This operation can be accessed anonymously" (Atlassian's REST docs of serverInfo).
ANONYMOUS = re.compile(r"^/rest/api/(2|3|latest)/serverInfo$")
JIRA_401 = "You are not authenticated. Authentication required to perform this operation."


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value, if present."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def send_json(send: Send, status: int, body: Any,
                    headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Sends a complete JSON answer."""
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(payload)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


async def send_html(send: Send, status: int, payload: bytes) -> None:
    """Sends a complete HTML answer (a web server's own error page)."""
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/html;charset=utf-8"),
        (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def drop_connection(send: Send) -> None:
    """Closes the client's connection without an answer.

    Why this way: ASGI has no "close without answering"; uvicorn's `send` is a bound
    method of its request cycle, which owns the transport. Closing it and marking the
    cycle disconnected makes uvicorn send nothing more.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("the server cannot drop this connection")
    transport.close()
    cycle.disconnected = True  # type: ignore[union-attr]
    await asyncio.sleep(0)


def retry_after_seconds(value: str, now: float) -> float:
    """A Retry-After value (seconds or an HTTP date) as seconds from now."""
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return 0.0


def client_of(scope: Scope) -> str:
    """Whose budget a request spends: the Xray tenant, or the Jira account presented.

    Why: Xray Cloud limits a tenant, whatever token it holds (a fresh token must not
    buy a fresh window); Jira limits per user. The sandbox has one of each.
    """
    if scope["path"].startswith("/api/"):
        return "xray"
    credential = header(scope, b"authorization")
    if credential:
        return "jira:" + hashlib.sha256(credential.encode()).hexdigest()[:16]
    peer = scope.get("client") or ("?", 0)
    return f"jira:{peer[0]}"


class Gate:
    """Wraps the routed app with the sandbox's cross-cutting behaviour."""

    def __init__(self, app: ASGIApp, runtime: Runtime, routes: list[BaseRoute]) -> None:
        self.app = app
        self.runtime = runtime
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        state = self.runtime.state
        client = client_of(scope)
        status_seen: list[int] = []

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(int(message["status"]))
                # Logged before the client can see the answer, so a reader of the log
                # who has the answer also finds its request there.
                self.record(scope, status_seen)
            await send(message)

        with state.lock:
            state.log.total += 1
            if self.runtime.state.retry_memory.is_early(client, state.now()):
                state.log.early_requests += 1
        try:
            await self.handle(scope, receive, recording_send, send, client)
        finally:
            if not status_seen:
                self.record(scope, status_seen)  # dropped: no answer was started

    def record(self, scope: Scope, status_seen: list[int]) -> None:
        """Counts the request under its route template."""
        template = getattr(scope.get("route"), "path", None) or self.template_of(scope)
        with self.runtime.state.lock:
            self.runtime.state.log.per_endpoint[f"{scope['method']} {template}"] += 1
            if status_seen:
                self.runtime.state.log.statuses[status_seen[0]] += 1
            else:
                self.runtime.state.log.statuses[0] += 1  # dropped: no answer

    def template_of(self, scope: Scope) -> str:
        """The route template of a request the gate answered before routing."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return str(getattr(route, "path", scope["path"]))
        return str(scope["path"])

    async def handle(self, scope: Scope, receive: Receive, send: Send, raw_send: Send,
                     client: str) -> None:
        """Applies faults, limits and auth, then runs the app."""
        runtime = self.runtime
        too_large = request_head.refusal(scope, runtime.deployment,
                                         runtime.options.max_request_head_bytes)
        if too_large is not None:  # the web server's refusal: before anything of Jira's
            await send_html(send, *too_large)
            return
        fired = runtime.faults.draw(scope["method"], scope["path"])
        delay = runtime.options.latency_ms + sum(r.latency_ms for r in fired
                                                  if r.kind == "latency")
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        kinds = {r.kind: r for r in fired}
        if "drop" in kinds:
            await drop_connection(raw_send)
            return
        if "status" in kinds:
            await self.send_fault(kinds["status"], scope, send, client)
            return
        extra: list[tuple[bytes, bytes]] = []
        limiter = runtime.state.limiter_of(client)
        if limiter is not None:
            verdict = limiter.check(client, runtime.state.now())
            extra = verdict.headers(runtime.deployment)
            if not verdict.allowed:
                if limiter.limit.retry_after:
                    until = runtime.state.now() + verdict.retry_after
                    runtime.state.retry_memory.told_to_wait(client, until)
                refusal = ApiError("Rate limit exceeded.", status=429)
                await send_json(send, 429, self.error_body(scope, refusal), extra)
                return
        try:
            receive = await self.limited(scope, receive)
            self.authenticate(scope)
        except ApiError as exc:
            await send_json(send, exc.status, self.error_body(scope, exc),
                            [*extra, *self.challenge(exc)])
            return
        await self.run_app(scope, receive, send, raw_send, extra, "lost_response" in kinds)

    async def run_app(self, scope: Scope, receive: Receive, send: Send, raw_send: Send,
                      extra: list[tuple[bytes, bytes]], lose_answer: bool) -> None:
        """Runs the routed app, adding headers, or dropping its answer once applied."""
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow if lose_answer else with_headers)
        if lose_answer:
            await drop_connection(raw_send)

    async def send_fault(self, rule: FaultRule, scope: Scope, send: Send, client: str) -> None:
        """Answers an injected error status."""
        headers: list[tuple[bytes, bytes]] = []
        if rule.retry_after is not None:
            headers.append((b"retry-after", rule.retry_after.encode()))
            now = self.runtime.state.now()
            self.runtime.state.retry_memory.told_to_wait(client, now + retry_after_seconds(
                rule.retry_after, now))
        message = "Rate limit exceeded." if rule.status == 429 else "Injected fault."
        body = self.error_body(scope, ApiError(message, status=rule.status))
        await send_json(send, rule.status, body, headers)

    async def limited(self, scope: Scope, receive: Receive) -> Receive:
        """Refuses a body beyond its limit: attachments streamed, others read first."""
        options = self.runtime.options
        streamed = scope["path"].endswith("/attachments")
        limit = options.max_attachment_bytes if streamed else options.max_payload_bytes
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        if not streamed:
            return await self.buffered(receive, limit)
        size = 0

        async def counted() -> Message:
            # Raised inside the app, where the route's error handler answers 413.
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
            return message

        return counted

    async def buffered(self, receive: Receive, limit: int) -> Receive:
        """Reads the whole body (refusing one beyond the limit) and replays it."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def authenticate(self, scope: Scope) -> None:
        """Refuses a request without the credentials its API family wants."""
        path: str = scope["path"]
        if path == "/api/v2/authenticate":
            return
        credential = header(scope, b"authorization") or ""
        if not credential and ANONYMOUS.match(path):
            return  # Jira serves these to anyone; wrong credentials are still refused
        if path.startswith("/api/") and self.runtime.deployment == "cloud":
            self.check_xray_token(credential)
            return
        options = self.runtime.options
        who = account_for(credential, self.runtime.deployment,
                          {ADMIN.name: options.credentials, TESTER.name: options.tester})
        if who is None:
            raise Unauthorized(JIRA_401)
        scope.setdefault("state", {})["user"] = who  # request.state.user for the routes

    def check_xray_token(self, credential: str) -> None:
        """Xray Cloud: a Bearer token from /api/v2/authenticate that has not expired."""
        token = credential.removeprefix("Bearer ").strip()
        state = self.runtime.state
        with state.lock:
            expiry = state.xray.tokens.get(token)
        if not credential.startswith("Bearer ") or expiry is None or expiry <= state.now():
            raise Unauthorized("Authentication failed. Invalid or expired token.")

    def error_body(self, scope: Scope, exc: ApiError) -> dict[str, Any]:
        """Xray Cloud's `{"error": ...}` on its paths, Jira's shape elsewhere."""
        if scope["path"].startswith("/api/"):
            return {"error": "; ".join(exc.messages) or str(exc)}
        return exc.body()

    @staticmethod
    def challenge(exc: ApiError) -> list[tuple[bytes, bytes]]:
        """The WWW-Authenticate header of a 401."""
        if isinstance(exc, Unauthorized):
            return [(b"www-authenticate", b'Basic realm="protected-area"')]
        return []
