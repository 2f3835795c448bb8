"""Refuse request bodies past the upload limit while they arrive (413), before anything spools.

A declared `Content-Length` over the limit is answered at once, without reading the
body. A body without one (chunked) is counted as it is received; past the limit the
read fails and whatever the app would have answered is replaced by the 413, so no
route has to know about it. The store still enforces the exact limit on the file.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.api.errors import error_body


class BodyTooLargeRead(Exception):
    """Raised from `receive` once the body is past the limit."""


class UploadLimit:
    """ASGI middleware: bodies larger than `max_bytes` get `413 upload_too_large`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLargeRead
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if exceeded:
                if not answered:  # whatever the app says about a cut body, the answer is 413
                    answered = True
                    await self._refuse(send)
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLargeRead:
            if not answered:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        message = (f"the body is over the upload limit of {self.max_bytes} bytes "
                   "([store] max_upload_mb) [upload_too_large]")
        body = json.dumps(error_body("invalid", message, "upload_too_large")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
