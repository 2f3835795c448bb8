"""Jira's projects (`GET /rest/api/{2,3}/project/{key}`): the project and its issue types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.site.common import items, obj, text


def path(key: str) -> str:
    """The resource of one project."""
    return f"project/{key}"


@dataclass(frozen=True)
class ProjectInfo:
    """A project the user can browse, with the names of its issue types."""

    id: str
    key: str
    name: str
    issue_types: tuple[str, ...]


def read_project(body: Any) -> ProjectInfo:
    """`project/{key}` -> the project and its issue types' names."""
    project = obj(body, "a project")
    kinds = items(project.get("issueTypes") or [], "the project's issueTypes")
    return ProjectInfo(
        id=str(project.get("id") or ""),
        key=text(project, "key", "project"),
        name=str(project.get("name") or ""),
        issue_types=tuple(str(obj(k, "an issue type").get("name") or "") for k in kinds),
    )
