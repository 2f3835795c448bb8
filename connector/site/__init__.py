"""Read-only calls that describe a Jira/Xray site, for `xray-sync doctor`.

One module per Jira endpoint family (`server_info`, `myself`, `projects`, `permissions`,
`fields`) and one for Xray's door (`xray`), each with its pure reader; `SiteReader` sends
them through a backend's own channels and remembers the rate-limit headers it saw.
"""

from connector.site.myself import Myself
from connector.site.permissions import SYNC_PERMISSIONS
from connector.site.projects import ProjectInfo
from connector.site.reader import RATE_HEADERS, SiteReader, make_site_reader
from connector.site.server_info import ServerInfo

__all__ = [
    "RATE_HEADERS",
    "SYNC_PERMISSIONS",
    "Myself",
    "ProjectInfo",
    "ServerInfo",
    "SiteReader",
    "make_site_reader",
]
