"""Durations as people write them in commands and requests: `90d`, `12h`, `2w`, `30m`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FORM = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """`90d` -> 90 days; ValueError naming the accepted form otherwise (or a zero one)."""
    found = _FORM.match(text)
    if found is None or int(found[1]) == 0:
        raise ValueError(f"{text!r} is not a duration like 90d, 12h, 2w or 30m")
    return timedelta(**{_UNITS[found[2]]: int(found[1])})
