"""Jira's timestamp and date formats."""

from __future__ import annotations

from datetime import UTC, datetime


def jira_timestamp(epoch: float) -> str:
    """`2026-11-20T10:00:00.000+0000`, the format Jira uses for created/updated."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def iso_timestamp(epoch: float) -> str:
    """`2026-11-20T10:00:00.000Z`, the ISO 8601 form Xray Cloud uses."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> float:
    """Reads an ISO 8601 or Jira timestamp into epoch seconds (naive means UTC)."""
    cleaned = text.strip().replace("Z", "+00:00")
    if len(cleaned) > 5 and cleaned[-5] in "+-" and cleaned[-3] != ":":
        cleaned = cleaned[:-2] + ":" + cleaned[-2:]
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
