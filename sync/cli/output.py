"""How results look: the JSON shapes of docs/design.md section 6, or text for people.

Everything here works from the JSON dicts the store's `to_json()` gives, so the
text and the JSON of a command can never disagree. Tables use the seed's columns
(Mode, Name, Type, Modified, Size, Owner) plus the lock holder and the id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import click
from wcwidth import wcswidth, wcwidth

JsonDict = Mapping[str, Any]

_UNITS = ("B", "KB", "MB", "GB", "TB")


def human_size(size: int | None) -> str:
    """`48213` -> `47.1 KB` (binary multiples, one decimal above bytes)."""
    if size is None:
        return "-"
    value = float(size)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def short_time(value: str | None) -> str:
    """An ISO 8601 UTC time as `YYYY-MM-DD HH:MM` (UTC), or `-`."""
    if not value:
        return "-"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.strftime("%Y-%m-%d %H:%M")


def display_width(text: str) -> int:
    """The terminal columns `text` takes: 2 for each CJK character or emoji, 0 for a combining
    mark (wcwidth knows Unicode's tables; a character it cannot measure counts as 1)."""
    measured = wcswidth(text)
    return measured if measured >= 0 else sum(max(wcwidth(c), 1) for c in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[str] = ()) -> str:
    """A plain text table aligned in terminal columns; those named in `right` right-aligned."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for header, cell, width in zip(headers, cells, widths, strict=True):
            pad = " " * (width - display_width(cell))
            parts.append(pad + cell if header in right else cell + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


SESSION_COLUMNS = ("Mode", "Name", "Type", "Modified", "Size", "Owner", "Lock", "Id")


def session_row(session: JsonDict) -> list[str]:
    """One row of the seed's panel."""
    lock = session.get("lock")
    name = str(session["name"]) + (" (trashed)" if session.get("trashed") else "")
    return [
        str(session["mode"]),
        name,
        str(session["type"]).capitalize(),
        short_time(session.get("modified")),
        human_size(session.get("size")),
        str(session.get("owner") or "-"),
        str(lock["holder"]) if lock else "-",
        str(session["id"]),
    ]


def sessions_table(sessions: Sequence[JsonDict]) -> str:
    if not sessions:
        return "(no sessions)"
    return table(SESSION_COLUMNS, [session_row(s) for s in sessions], right=("Size",))


def key_values(obj: JsonDict) -> str:
    """A single object as `key: value` lines; nested objects flattened as `key.sub`."""
    lines: list[str] = []
    for key, value in obj.items():
        if isinstance(value, Mapping):
            if not value:
                lines.append(f"{key}: -")
            for sub, inner in value.items():
                lines.append(f"{key}.{sub}: {_scalar(inner)}")
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def emit(as_json: bool, data: Any, text: Callable[[], str]) -> None:
    """Print `data` as JSON, or the text `text()` makes of it."""
    if as_json:
        click.echo(json.dumps(data, default=str))
    else:
        click.echo(text())
