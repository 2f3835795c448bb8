"""The sandbox's errors: each one knows the HTTP answer Jira or Xray would give.

    SandboxError                 (root; never reaches a client as such)
    ├── StartFailed              the server did not come up (url)
    └── ApiError                 status + Jira-shaped body (errorMessages, errors)
        ├── BadRequest           400: bad JQL, bad field, bad body
        ├── Unauthorized         401: missing or wrong credentials/token
        ├── Forbidden            403: e.g. attachments without X-Atlassian-Token
        ├── NotFound             404: unknown issue, property, test run...
        ├── Gone                 410: removed endpoints (Cloud's old search)
        ├── PayloadTooLarge      413: body beyond the configured maximum
        └── TooManyRequests      429: the per-issue write limit (headers: Retry-After...)
"""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """Root of every error the sandbox raises."""


class StartFailed(SandboxError):
    """The server did not come up."""

    def __init__(self, url: str) -> None:
        super().__init__(f"the sandbox at {url} did not start")
        self.url = url


class ApiError(SandboxError):
    """An error that becomes an HTTP answer with a Jira-shaped body."""

    status: int = 500

    def __init__(
        self, *messages: str, errors: dict[str, str] | None = None, status: int | None = None
    ) -> None:
        super().__init__("; ".join(messages) or str(errors))
        self.messages = list(messages)
        self.errors = dict(errors or {})
        self.headers: list[tuple[bytes, bytes]] = []
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        """The JSON body Jira sends with this error."""
        return {"errorMessages": self.messages, "errors": self.errors}


class BadRequest(ApiError):
    """400: the request breaks a rule of the API."""

    status = 400


class Unauthorized(ApiError):
    """401: no valid credentials."""

    status = 401


class Forbidden(ApiError):
    """403: authenticated but not allowed (e.g. XSRF check failed)."""

    status = 403


class NotFound(ApiError):
    """404: the named thing does not exist."""

    status = 404


class Gone(ApiError):
    """410: the endpoint was removed."""

    status = 410


class PayloadTooLarge(ApiError):
    """413: the request body is beyond the configured limit."""

    status = 413


class TooManyRequests(ApiError):
    """429: too many writes to one issue; carries Retry-After and X-RateLimit-* headers."""

    status = 429

    def __init__(self, message: str, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__(message)
        self.headers = list(headers)
