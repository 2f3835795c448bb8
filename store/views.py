"""What the store hands out: frozen views of its rows, in the JSON shapes of design.md section 6."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, or None."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class UserOut:
    """A user as others see it (never the token)."""

    id: int
    name: str
    role: str
    jira_account_id: str | None
    disabled_at: datetime | None = None
    token_expires_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the user is an admin."""
        return self.role == "admin"

    def to_json(self) -> dict[str, Any]:
        """`{"name", "role", "jira_account_id", "disabled", "token_expires"}`."""
        return {"name": self.name, "role": self.role, "jira_account_id": self.jira_account_id,
                "disabled": iso(self.disabled_at), "token_expires": iso(self.token_expires_at)}


@dataclass(frozen=True)
class WorkspaceOut:
    """A workspace and its members."""

    id: int
    name: str
    kind: str
    owner: str | None
    members: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """`{"name", "kind", "owner", "members"}` of design.md section 6."""
        return {
            "name": self.name,
            "kind": self.kind,
            "owner": self.owner,
            "members": list(self.members),
        }


@dataclass(frozen=True)
class LockOut:
    """Who holds a session's lock, since when, and why (Jira's archive lock says why)."""

    holder: str
    since: datetime | None
    epoch: int
    reason: str | None = None


@dataclass(frozen=True)
class LinkOut:
    """The Jira side of an `xray` session."""

    project: str
    test_execution: str | None
    test: str | None
    test_run: str | None
    state: str
    last_synced: datetime | None
    error: str | None
    conflict_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `link` object of design.md section 6."""
        return {
            "project": self.project,
            "test_execution": self.test_execution,
            "test": self.test,
            "state": self.state,
            "last_synced": iso(self.last_synced),
            "error": self.error,
            # what the sync lost when both sides changed one field (None: no conflict)
            "conflict": self.conflict_note,
        }


@dataclass(frozen=True)
class SessionOut:
    """One session or charter row of the panel."""

    id: str
    name: str
    type: str
    mode: str
    workspace: str
    owner: str
    size: int
    created: datetime
    modified: datetime
    digest: str
    version: int
    row_version: int
    trashed_at: datetime | None
    lock: LockOut | None
    link: LinkOut | None

    @property
    def trashed(self) -> bool:
        """Whether the session is in the trash."""
        return self.trashed_at is not None

    def to_json(self) -> dict[str, Any]:
        """The session shape of design.md section 6, plus row_version, version, locked_reason."""
        lock = None
        if self.lock is not None:
            lock = {"holder": self.lock.holder, "since": iso(self.lock.since)}
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "mode": self.mode,
            "workspace": self.workspace,
            "owner": self.owner,
            "size": self.size,
            "created": iso(self.created),
            "modified": iso(self.modified),
            "trashed": self.trashed,
            "lock": lock,
            "link": self.link.to_json() if self.link is not None else None,
            "row_version": self.row_version,
            "version": self.version,
            "locked_reason": self.lock.reason if self.lock is not None else None,
        }


@dataclass(frozen=True)
class VersionOut:
    """One saved version of a session file."""

    number: int
    digest: str
    size: int
    saved_by: str
    saved_at: datetime
    current: bool

    def to_json(self) -> dict[str, Any]:
        """`{"number", "size", "digest", "saved_by", "saved_at", "current"}`."""
        return {
            "number": self.number,
            "size": self.size,
            "digest": self.digest,
            "saved_by": self.saved_by,
            "saved_at": iso(self.saved_at),
            "current": self.current,
        }


@dataclass(frozen=True)
class OpenResult:
    """The session just opened, the link that opens it in the desktop app, the lock's epoch."""

    session: SessionOut
    desktop_link: str
    lock_epoch: int

    def to_json(self) -> dict[str, Any]:
        """The session, plus `desktop_link` and `lock_epoch`."""
        return {**self.session.to_json(), "desktop_link": self.desktop_link,
                "lock_epoch": self.lock_epoch}


@dataclass(frozen=True)
class DownloadOut:
    """A version of a session file, ready to stream: `open()` gives a binary stream."""

    filename: str
    size: int
    digest: str
    version: int
    opener: Callable[[], BinaryIO] = field(repr=False)

    def open(self) -> BinaryIO:
        """A new binary read stream of the file (the caller closes it)."""
        return self.opener()


@dataclass(frozen=True)
class SessionQuery:
    """Filters, sort and page of a listing (all optional)."""

    workspace: str | None = None
    type: str | None = None
    mode: str | None = None
    owner: str | None = None
    name: str | None = None  # a case-insensitive substring
    sort: str = "-modified"
    limit: int = 50
    cursor: str | None = None
    trashed: bool = False  # list the trash instead of the live sessions


@dataclass(frozen=True)
class SessionPage:
    """One page of a listing; `next_cursor` is None on the last page."""

    items: list[SessionOut]
    next_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        """`{"items": [...], "next_cursor": ...}`."""
        return {"items": [s.to_json() for s in self.items], "next_cursor": self.next_cursor}


@dataclass(frozen=True)
class StoreGauges:
    """What the store holds now, for monitoring (read at each `/metrics` scrape)."""

    outbox_depth: int  # changes waiting to be pushed
    locks_held: int  # sessions locked, by users or by Jira
