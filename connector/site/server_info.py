"""Jira's server info (`GET /rest/api/{2,3}/serverInfo`): the deployment and the clock.

Jira answers it anonymously too ("This operation can be accessed anonymously"), so the
deployment can be told even when the credentials are refused. Data Center says
`deploymentType` "Server" (or "DataCenter"), Cloud says "Cloud".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.base import Deployment
from connector.readers import parse_jira_time
from connector.site.common import obj, text

PATH = "serverInfo"


@dataclass(frozen=True)
class ServerInfo:
    """What the site says it is, and its clock when it answered."""

    deployment: Deployment
    deployment_type: str
    version: str
    server_time: datetime | None


def read_server_info(body: Any) -> ServerInfo:
    """`serverInfo` -> the deployment ("Cloud" is cloud, anything else Data Center)."""
    info = obj(body, "a serverInfo answer")
    kind = text(info, "deploymentType", "serverInfo")
    stamp = info.get("serverTime")
    return ServerInfo(
        deployment="cloud" if kind.casefold() == "cloud" else "datacenter",
        deployment_type=kind,
        version=str(info.get("version") or ""),
        server_time=parse_jira_time(stamp) if stamp else None,
    )
