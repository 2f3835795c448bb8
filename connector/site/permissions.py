"""Jira's permissions of the current user (`GET /rest/api/{2,3}/mypermissions`).

Cloud requires the `permissions` parameter (the keys asked for); Jira Server 8.4's WADL
has no such parameter and answers every permission. Answers are keyed by permission,
each with its `key` and `havePermission`; Data Center also returns the pre-6.4 keys,
marked `deprecatedKey: true`, which are skipped.
"""

from __future__ import annotations

from typing import Any

from connector.site.common import obj

PATH = "mypermissions"

# What the sync does in a project, and the project permission each needs.
SYNC_PERMISSIONS: dict[str, str] = {
    "BROWSE_PROJECTS": "search and read issues",
    "CREATE_ISSUES": "create Tests, Test Executions and Bugs",
    "EDIT_ISSUES": "rename issues and set the marker property",
    "LINK_ISSUES": "add the remote link back to the console",
    "TRANSITION_ISSUES": "move a purged session's issue ([sync] on_purge)",
    "CREATE_ATTACHMENTS": "attach large session files",
    "ADD_COMMENTS": "comment on a purged session's issue ([sync] on_purge)",
}


def params(project: str, keys: tuple[str, ...], *, cloud: bool) -> dict[str, str]:
    """The query: the project, and on Cloud the keys asked for."""
    query = {"projectKey": project}
    if cloud:
        query["permissions"] = ",".join(keys)
    return query


def read_permissions(body: Any) -> dict[str, bool]:
    """`mypermissions` -> permission key -> whether the user holds it in the context."""
    answer = obj(body, "a mypermissions answer")
    held: dict[str, bool] = {}
    for name, value in obj(answer.get("permissions"), "the permissions").items():
        entry = obj(value, f"the permission {name}")
        if entry.get("deprecatedKey") is True:
            continue
        key = str(entry.get("key") or name)
        held[key] = entry.get("havePermission") is True
    return held
