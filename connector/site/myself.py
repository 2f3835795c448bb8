"""Jira's current user (`GET /rest/api/{2,3}/myself`): who the sync acts as, and the time
zone Jira reads its absolute JQL dates in (`timeZone`, an IANA name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.site.common import obj

PATH = "myself"


@dataclass(frozen=True)
class Myself:
    """The service user: `account` is the accountId on Cloud, the user name on Data Center."""

    account: str
    display_name: str
    time_zone: str | None
    active: bool


def read_myself(body: Any) -> Myself:
    """`myself` -> the account, its display name and time zone."""
    user = obj(body, "a myself answer")
    account = user.get("accountId") or user.get("name") or user.get("key") or ""
    zone = user.get("timeZone")
    return Myself(
        account=str(account),
        display_name=str(user.get("displayName") or ""),
        time_zone=zone if isinstance(zone, str) and zone else None,
        active=user.get("active") is not False,
    )
