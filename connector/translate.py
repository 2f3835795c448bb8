"""The one place where HTTP statuses and requests/jira exceptions become connector errors.

Messages keep Jira's `errorMessages`/`errors` (and Xray's `error`, GraphQL `errors`)
but never a header, a token or a body we sent.  Whether a failure is ambiguous
depends on the call: a non-idempotent write (a create, an import) that failed after it
may have been sent becomes `AmbiguousWrite`, never something the retry layer repeats.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from jira.exceptions import JIRAError
from urllib3.exceptions import NewConnectionError

from connector.errors import (
    AmbiguousWrite,
    AuthenticationFailed,
    Conflict,
    ConnectorError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Rejected,
    Unavailable,
)
from connector.retry import parse_retry_after, reset_seconds

_MAX_MESSAGES = 10


def bare_url(url: str | None) -> str | None:
    """The URL without its query string or any user info (JQL and secrets stay out)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def messages_from_body(body: Any) -> list[str]:
    """Jira's `errorMessages` + `errors`, Xray's `error`, GraphQL's `errors[].message`."""
    found: list[str] = []
    if isinstance(body, dict):
        for item in body.get("errorMessages") or []:
            found.append(str(item))
        errors = body.get("errors")
        if isinstance(errors, dict):
            found.extend(f"{name}: {text}" for name, text in errors.items())
        elif isinstance(errors, list):
            found.extend(
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
            )
        if isinstance(body.get("error"), str):
            found.append(body["error"])
    elif isinstance(body, str) and body.strip():
        found.append(body.strip())
    return found[:_MAX_MESSAGES]


def _messages(resp: requests.Response) -> list[str]:
    try:
        body = resp.json()
    except (ValueError, json.JSONDecodeError):
        text = resp.text[:300] if "html" not in resp.headers.get("Content-Type", "") else ""
        return [text] if text.strip() else []
    return messages_from_body(body)


def error_for_response(
    resp: requests.Response, *, idempotent: bool, operation: str, now: datetime | None = None
) -> ConnectorError:
    """The connector error for a non-2xx response to `operation`."""
    status = resp.status_code
    data: dict[str, Any] = {
        "status": status,
        "url": bare_url(resp.url),
        "jira_messages": _messages(resp),
    }
    moment = now or datetime.now(UTC)
    retry_after = parse_retry_after(resp.headers.get("Retry-After"), moment)
    reset_after = reset_seconds(resp.headers.get("X-RateLimit-Reset"), moment.timestamp())
    # A 503 is a limit when it says so (Jira Cloud: Retry-After, X-RateLimit-Reset or
    # RateLimit-Reason on "a resource limit has been reached"); else the server is down.
    limit_503 = status == 503 and (retry_after is not None or reset_after is not None
                                   or "RateLimit-Reason" in resp.headers)
    if status == 429 or limit_503:
        return RateLimited(f"{operation}: rate limited", retry_after=retry_after,
                           reset_after=reset_after, **data)
    if status >= 500:
        if not idempotent:
            return AmbiguousWrite(
                f"{operation}: server error after the request was sent; it may have been "
                "applied, look for the marker",
                operation=operation,
                **data,
            )
        return Unavailable(f"{operation}: server unavailable", **data)
    mapping: dict[int, type[ConnectorError]] = {
        401: AuthenticationFailed,
        403: AuthenticationFailed,
        404: NotFound,
        410: NotFound,
        409: Conflict,
        413: PayloadTooLarge,
    }
    kind = mapping.get(status, Rejected)
    return kind(f"{operation}: {_WORDS.get(kind, 'refused')}", **data)


_WORDS: dict[type[ConnectorError], str] = {
    AuthenticationFailed: "authentication failed or permission missing",
    NotFound: "not found",
    Conflict: "conflict",
    PayloadTooLarge: "payload too large",
    Rejected: "rejected as invalid",
}


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], "reason", exc.args[0])
        return isinstance(reason, NewConnectionError)
    return False


def error_for_exception(
    exc: BaseException, *, url: str, idempotent: bool, operation: str
) -> ConnectorError:
    """The connector error for an exception raised while sending `operation`."""
    if isinstance(exc, JIRAError) and exc.response is not None:
        return error_for_response(exc.response, idempotent=idempotent, operation=operation)
    where = bare_url(url)
    kind = type(exc).__name__
    if isinstance(exc, requests.RequestException) and _never_sent(exc):
        return Unavailable(f"{operation}: could not connect ({kind})", url=where)
    if not idempotent:
        return AmbiguousWrite(
            f"{operation}: no answer ({kind}); it may have been applied, look for the marker",
            operation=operation,
            url=where,
        )
    return Unavailable(f"{operation}: no answer ({kind})", url=where)
