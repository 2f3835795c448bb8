"""Absolute JQL dates in the searching user's time zone, never later than the instant meant.

Jira reads `updated >= "2026-11-30 10:00"` as a wall time of the user who runs the search
(the `timeZone` of `GET myself`), not UTC; a service user in America/Los_Angeles who is
sent UTC wall times asks from eight hours too late and never sees those changes. JQL has
no zone syntax and minute precision, and Jira does not document which instant it takes
for a wall time that a daylight-saving change makes ambiguous (or skips). So the literal
written here is the latest whole minute whose every reading in the zone is at or before
the instant: a window may start a little early (the pull deduplicates), never late.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.errors import InvalidInput

LOG = logging.getLogger(__name__)
JQL_FORMAT = "%Y-%m-%d %H:%M"
# UTC offsets in use run from -12:00 to +14:00: a wall time read in an unknown zone
# denotes an instant at most 12 hours after the same wall time read in UTC.
UNKNOWN_ZONE_MARGIN = timedelta(hours=12)


def readings(wall: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) a naive wall time may denote in `zone`: two in a repeated hour,
    and for a skipped one both offsets around the gap; otherwise the same instant twice."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return first, second


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def jql_date(moment: datetime, zone_name: str) -> str:
    """`moment` as a JQL date literal for a user in `zone_name`, read back no later than
    `moment` however Jira resolves a daylight-saving fold or gap."""
    if moment.tzinfo is None:
        raise InvalidInput("`since` must be a timezone-aware datetime [aware_datetime_required]")
    zone = _zone(zone_name)
    if zone is None:
        LOG.warning("unknown time zone %r: JQL dates are widened by 12 hours", zone_name)
        return (moment.astimezone(UTC) - UNKNOWN_ZONE_MARGIN).strftime(JQL_FORMAT)
    candidate = moment.astimezone(UTC)
    for _ in range(4):  # one step back per transition near `moment`; two would be plenty
        wall = candidate.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        latest = max(readings(wall, zone))
        if latest <= moment:
            return wall.strftime(JQL_FORMAT)
        candidate -= latest - moment
    return (moment.astimezone(UTC) - UNKNOWN_ZONE_MARGIN).strftime(JQL_FORMAT)
