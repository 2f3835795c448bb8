"""The connector's errors: one root, each carrying its data as attributes.

    ConnectorError              status, url (without query), jira_messages
     +-- AuthenticationFailed   401/403, or Xray refused the client id/secret
     +-- NotFound               404 (and 410 Gone: the endpoint or issue is no more)
     +-- Conflict               409
     +-- Rejected               400/422 or GraphQL `errors`: Jira/Xray refused the request
     +-- PayloadTooLarge        413
     +-- RateLimited            429 (and a limit's 503) + retry_after, reset_after (seconds)
     +-- Unavailable            5xx, connection refused, timeout before anything was sent
     +-- AmbiguousWrite         a create may or may not have been applied (+ operation)
     +-- InvalidResponse        a 2xx whose body we cannot read
     +-- InvalidInput           the caller's value breaks a rule; nothing was sent

Requests/jira exceptions are translated into this tree in exactly one place,
`connector.translate`.  Messages carry Jira's `errorMessages` and `errors`, never a
token, a secret, a password or an `Authorization` header.
"""

from __future__ import annotations

from collections.abc import Sequence


class ConnectorError(Exception):
    """Root of every error the connector raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        url: str | None = None,
        jira_messages: Sequence[str] = (),
    ) -> None:
        self.status = status
        self.url = url
        self.jira_messages = tuple(jira_messages)
        self.message = message
        detail = f"{message}"
        if status is not None:
            detail += f" (HTTP {status}"
            detail += f" {url})" if url else ")"
        if self.jira_messages:
            detail += ": " + "; ".join(self.jira_messages)
        super().__init__(detail)


class AuthenticationFailed(ConnectorError):
    """The credentials were refused (401) or lack a permission (403)."""


class NotFound(ConnectorError):
    """The issue, test run or endpoint does not exist (404, 410)."""


class Conflict(ConnectorError):
    """Jira reported a conflicting edit (409)."""


class Rejected(ConnectorError):
    """Jira or Xray refused the request as invalid (400, 422, GraphQL errors)."""


class PayloadTooLarge(ConnectorError):
    """The body was larger than the server accepts (413)."""


class RateLimited(ConnectorError):
    """The server asked us to slow down; `retry_after` is seconds to wait, if it said;
    `reset_after` the seconds until its X-RateLimit-Reset, if it sent one."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        reset_after: float | None = None,
        status: int | None = None,
        url: str | None = None,
        jira_messages: Sequence[str] = (),
    ) -> None:
        self.retry_after = retry_after
        self.reset_after = reset_after
        super().__init__(message, status=status, url=url, jira_messages=jira_messages)


class Unavailable(ConnectorError):
    """The server could not serve the request (5xx, refused connection, timeout)."""


class AmbiguousWrite(ConnectorError):
    """A create may have been applied although no answer came: look for the marker."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        status: int | None = None,
        url: str | None = None,
        jira_messages: Sequence[str] = (),
    ) -> None:
        self.operation = operation
        super().__init__(message, status=status, url=url, jira_messages=jira_messages)


class InvalidResponse(ConnectorError):
    """A successful response whose body does not have the expected shape."""


class InvalidInput(ConnectorError):
    """A value given by the caller breaks a rule (named in the message); nothing was sent."""
