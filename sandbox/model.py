"""The sandbox's records of Jira issues and what hangs off them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Attachment:
    """A file attached to an issue, kept on disk (session files can be hundreds of MB)."""

    id: int
    filename: str
    mime_type: str
    path: Path
    size: int
    created: float

    @property
    def content(self) -> bytes:
        """Its bytes (for tests and small files; downloads stream the file)."""
        return self.path.read_bytes()


@dataclass
class Comment:
    """A comment on an issue; the body is kept as ADF."""

    id: int
    body: dict[str, Any]
    created: float
    updated: float
    visibility: dict[str, str] | None = None  # {"type": "role"|"group", "value": name}
    author: str = "sandbox"  # the user's name (sandbox.users)
    update_author: str = "sandbox"


@dataclass
class RemoteLink:
    """A remote issue link (e.g. back to the session's page)."""

    id: int
    global_id: str | None
    application: dict[str, Any]
    relationship: str | None
    object: dict[str, Any]


@dataclass
class IssueLink:
    """A link between two issues, seen from one of them."""

    id: int
    type_name: str
    inward_id: int
    outward_id: int


@dataclass
class Issue:
    """One Jira issue; the description is kept as ADF (or None)."""

    id: int
    key: str
    type_name: str
    summary: str
    created: float
    updated: float
    status: str = "To Do"
    description: dict[str, Any] | None = None
    priority: str = "3"  # a priority id (sandbox.catalog.PRIORITIES)
    reporter: str = "sandbox"  # user names (sandbox.users)
    assignee: str | None = None
    watchers: list[str] = field(default_factory=list)  # user names
    voters: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    remote_links: list[RemoteLink] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    link_ids: list[int] = field(default_factory=list)
    history: list[tuple[int, float, list[dict[str, Any]]]] = field(default_factory=list)

    def snapshot(self) -> Issue:
        """A copy for the search index (search sees fields, not attachments' bytes)."""
        return Issue(
            id=self.id, key=self.key, type_name=self.type_name, summary=self.summary,
            created=self.created, updated=self.updated, status=self.status,
            description=self.description, priority=self.priority, reporter=self.reporter,
            assignee=self.assignee, watchers=list(self.watchers), voters=list(self.voters),
            labels=list(self.labels), custom=dict(self.custom),
        )

    @property
    def project_key(self) -> str:
        """The key of the project the issue is in."""
        return self.key.rsplit("-", 1)[0]
