"""Small shape checks shared by the site readers (their errors name what is missing)."""

from __future__ import annotations

from typing import Any

from connector.errors import InvalidResponse


def obj(value: Any, what: str) -> dict[str, Any]:
    """`value` as a JSON object, else `InvalidResponse` naming `what`."""
    if not isinstance(value, dict):
        raise InvalidResponse(f"expected a JSON object for {what}")
    return value


def items(value: Any, what: str) -> list[Any]:
    """`value` as a JSON array, else `InvalidResponse` naming `what`."""
    if not isinstance(value, list):
        raise InvalidResponse(f"expected a JSON array for {what}")
    return value


def text(body: dict[str, Any], name: str, what: str) -> str:
    """The non-empty string `name` of `body`, else `InvalidResponse`."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"{what} has no '{name}'")
    return value
