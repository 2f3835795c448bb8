"""Small request/response helpers shared by the route modules."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.errors import BadRequest


async def json_body(request: Request) -> Any:
    """The request's JSON body, or 400 as Jira says it."""
    raw = await request.body()
    if not raw:
        raise BadRequest("No content to map due to end-of-input")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Unexpected character in the request body: it is not JSON.") from None


def json_object(value: Any, name: str, *, required: bool = False) -> dict[str, Any]:
    """A JSON object member (missing or null is `{}` unless required), else 400 naming it."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(errors={name: f"'{name}' must be a JSON object."})
    return value


def json_list(value: Any, name: str) -> list[Any]:
    """A JSON array member (missing or null is `[]`), else 400 naming it."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(errors={name: f"'{name}' must be a JSON array."})
    return value


def jira_json(body: Any, status: int = 200) -> Response:
    """A JSON answer with Jira's content type."""
    return JSONResponse(body, status_code=status, media_type="application/json;charset=UTF-8")


def no_content() -> Response:
    """204 with no body."""
    return Response(status_code=204)


def int_param(request: Request, name: str, default: int, *, lowest: int = 0,
              highest: int | None = None) -> int:
    """An integer query parameter within bounds, else 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The value '{raw}' is invalid for the parameter '{name}'.") from None
    if value < lowest:
        raise BadRequest(f"The parameter '{name}' must be at least {lowest}.")
    return min(value, highest) if highest is not None else value
