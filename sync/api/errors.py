"""The HTTP surface's errors, and the one place where errors become statuses.

    ApiError                  code, rule, message, status
     +-- Unauthenticated      401 "unauthenticated"  (no/unknown token, bad webhook signature)
     +-- BadRequest           400 "invalid"          (a body that is not the JSON it must be)
     +-- BodyTooLarge         413 "invalid"          (a webhook body over webhooks.max_body_kb)
     +-- SyncUnavailable      503 "unavailable"      (no sync engine runs in this process)
     +-- TooManyRequests      429 "unavailable"      (a user's on-demand syncs past their budget)

Store errors (`store.errors.StoreError`) keep their own tree; `status_for` maps
their `code` to a status here, once: not_found 404, permission_denied 403, locked
423, conflict 409, invalid 422, unavailable 503. Every error body has the shape
`{"error": {"code", "message"}}` (plus `rule`, and `holder`/`since` for locks).
"""

from __future__ import annotations

from typing import Any

from store.errors import Locked, StoreError
from store.views import iso

STATUS_BY_CODE: dict[str, int] = {
    "not_found": 404,
    "permission_denied": 403,
    "locked": 423,
    "conflict": 409,
    "invalid": 422,
    "unavailable": 503,
    "unauthenticated": 401,
}


class ApiError(Exception):
    """Root of the errors the HTTP layer raises itself."""

    code = "invalid"
    status = 400

    def __init__(self, rule: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.headers = headers or {}


class Unauthenticated(ApiError):
    """The caller did not prove who it is."""

    code = "unauthenticated"
    status = 401


class BadRequest(ApiError):
    """The body is not what the endpoint reads."""

    code = "invalid"
    status = 400


class BodyTooLarge(ApiError):
    """The body is over the configured limit."""

    code = "invalid"
    status = 413


class SyncUnavailable(ApiError):
    """No sync engine is attached to this app."""

    code = "unavailable"
    status = 503


class TooManyRequests(ApiError):
    """Asked again too soon; `Retry-After` says when to."""

    code = "unavailable"
    status = 429


def error_body(code: str, message: str, rule: str | None = None) -> dict[str, Any]:
    """The JSON error shape of docs/design.md section 6."""
    error: dict[str, Any] = {"code": code, "message": message}
    if rule is not None:
        error["rule"] = rule
    return {"error": error}


def status_for(code: str) -> int:
    """The HTTP status of an error code (unknown codes are server errors)."""
    return STATUS_BY_CODE.get(code, 500)


def store_error_body(exc: StoreError) -> dict[str, Any]:
    """The JSON body of a store error; a lock also says who holds it and since when."""
    body = error_body(exc.code, exc.message, exc.rule)
    if isinstance(exc, Locked):
        body["error"]["holder"] = exc.holder
        body["error"]["since"] = iso(exc.since)
    return body
