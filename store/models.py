"""The store's tables (SQLModel on SQLAlchemy 2).

Users, workspaces and memberships; exploratory sessions and charters with their lock
and optimistic-concurrency columns; every saved version of a session file; the Jira
link of an `xray` session; the outbox of changes still to push; the audit log; the Jira
webhook deliveries already handled; the counter the change feed reads.
Changes to these classes need a new alembic revision in `store/migrations/versions`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.columns import UTCDateTime, utc_now


class Role(StrEnum):
    """A user's role: admins see every workspace and may unlock or delete any session."""

    ADMIN = "admin"
    USER = "user"


class WorkspaceKind(StrEnum):
    """A personal workspace has one owner; a team workspace has members."""

    PERSONAL = "personal"
    TEAM = "team"


class SessionType(StrEnum):
    """The seed's Type column."""

    SESSION = "session"
    CHARTER = "charter"


class Mode(StrEnum):
    """The seed's Mode column: standalone, or mirrored in Jira/Xray."""

    STANDALONE = "standalone"
    XRAY = "xray"


class LinkState(StrEnum):
    """Where the sync stands for one `xray` session."""

    PENDING = "pending"
    SYNCED = "synced"
    ERROR = "error"
    CONFLICT = "conflict"


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class User(SQLModel, table=True):
    """A person with a login here."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    role: str = Field(default=Role.USER.value, max_length=16)
    jira_account_id: str | None = Field(default=None, max_length=128, unique=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=_utc())
    # offboarding: a disabled user has no token and no lock; a token may expire
    disabled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    token_expires_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Workspace(SQLModel, table=True):
    """A container of sessions: personal (its owner is the only member) or team."""

    __tablename__ = "workspaces"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="users.id")


class Membership(SQLModel, table=True):
    """A user belongs to a workspace."""

    __tablename__ = "memberships"

    workspace_id: int = Field(foreign_key="workspaces.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)


class ExploratorySession(SQLModel, table=True):
    """One session or charter file and its state: lock, version, trash."""

    __tablename__ = "sessions"
    __table_args__ = (
        # The panel's listings walk one of these in `modified, id` order and stop after a
        # page: the trailing columns cover the filters (workspace, owner, trash, name) so
        # that rows which do not match are skipped without reading the table.
        Index("ix_sessions_workspace_modified", "workspace_id", "modified", "id", "owner_id",
              "trashed_at", "name"),
        Index("ix_sessions_owner_modified", "owner_id", "modified", "id", "workspace_id",
              "trashed_at", "name"),
        Index("ix_sessions_modified", "modified", "id", "workspace_id", "trashed_at"),
    )

    id: str = Field(primary_key=True, max_length=32)
    type: str = Field(default=SessionType.SESSION.value, max_length=16)
    mode: str = Field(default=Mode.STANDALONE.value, max_length=16)
    owner_id: int = Field(foreign_key="users.id")
    workspace_id: int = Field(foreign_key="workspaces.id")
    name: str = Field(max_length=255)
    size: int = 0
    created: datetime = Field(sa_column=_utc())
    modified: datetime = Field(sa_column=_utc())
    digest: str = Field(max_length=64)
    version: int = 1
    # of the file it was imported from (".xea", ".bin", "" for none); None: not known
    file_extension: str | None = Field(default=None, max_length=16)
    lock_holder: str | None = Field(default=None, max_length=255)
    lock_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    lock_epoch: int = 0
    lock_reason: str | None = Field(default=None, max_length=1024)
    # whose lock an admin broke last: that user's next save becomes a conflicted copy
    broken_lock_holder: str | None = Field(default=None, max_length=255)
    broken_lock_epoch: int | None = None
    row_version: int = 1
    trashed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Version(SQLModel, table=True):
    """One saved version of a session file."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="sessions.id", max_length=32, index=True)
    number: int
    digest: str = Field(max_length=64)
    size: int
    saved_by: str = Field(max_length=255)
    saved_at: datetime = Field(sa_column=_utc())


class JiraLink(SQLModel, table=True):
    """The Jira counterpart of an `xray` session and where its sync stands."""

    __tablename__ = "jira_links"

    session_id: str = Field(foreign_key="sessions.id", primary_key=True, max_length=32)
    project: str = Field(max_length=64)
    test_execution: str | None = Field(default=None, max_length=64)
    test: str | None = Field(default=None, max_length=64)
    test_run: str | None = Field(default=None, max_length=64)
    state: str = Field(default=LinkState.PENDING.value, max_length=16)
    last_synced: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    remote_hash: str | None = Field(default=None, max_length=64)
    remote_fields: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pushed_digest: str | None = Field(default=None, max_length=64)
    conflict_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OutboxEntry(SQLModel, table=True):
    """A change still to push to Jira, written in the same transaction as the change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_session_id", "session_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # no foreign key: the entry of a purge outlives its session row
    session_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created: datetime = Field(sa_column=_utc())
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=255)
    claimed_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class AuditEntry(SQLModel, table=True):
    """One management operation: who did what to which session, and when."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor: str | None = Field(default=None, max_length=255)
    operation: str = Field(max_length=32)
    session_id: str | None = Field(default=None, max_length=32, index=True)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=_utc())


class ChangeCounter(SQLModel, table=True):
    """A count of writes the change feed must see (`store.changes`); row `jira_links` moves
    with every write of the sync to a Jira link that the console shows, in that write's
    own transaction."""

    __tablename__ = "change_counters"

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class WebhookDelivery(SQLModel, table=True):
    """A Jira webhook delivery already handled (`X-Atlassian-Webhook-Identifier`).

    The primary key makes remembering one atomic on both databases, so a restarted daemon
    or a second daemon on the same store never handles a retried delivery twice.
    """

    __tablename__ = "webhook_deliveries"

    identifier: str = Field(primary_key=True, max_length=255)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class DownloadLink(SQLModel, table=True):
    """A short-lived, single-use link to one version of a session file (`download_links`).

    Only the SHA-256 of the link's secret is kept; redeeming deletes the row, so a link
    works once, on any daemon sharing the store.
    """

    __tablename__ = "download_links"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_name: str = Field(max_length=255)
    session_id: str = Field(max_length=32)
    version: int | None = None
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class RateBudget(SQLModel, table=True):
    """One service's request budget shared by every daemon on this store (PostgreSQL): the
    pause a refusal put on it (`not_before`); its row is the lock its sends queue on."""

    __tablename__ = "rate_budgets"

    key: str = Field(primary_key=True, max_length=160)
    not_before: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class RateSend(SQLModel, table=True):
    """A request counted in a shared window (`window` = the budget's key and the window's
    name), kept while the window can still count it."""

    __tablename__ = "rate_sends"
    __table_args__ = (Index("ix_rate_sends_window_sent_at", "window", "sent_at"),)

    id: int | None = Field(default=None, primary_key=True)
    window: str = Field(max_length=200)
    sent_at: datetime = Field(sa_column=_utc())


class SyncWatermark(SQLModel, table=True):
    """The pull's watermark of one project: the newest Jira `updated` the cluster applied."""

    __tablename__ = "sync_watermarks"

    project: str = Field(primary_key=True, max_length=64)
    mark: datetime = Field(sa_column=_utc())


class SyncLease(SQLModel, table=True):
    """A job one daemon of the cluster runs at a time (`pull`): who holds it until when, and
    when it last started (so that the others skip a pull made this interval)."""

    __tablename__ = "sync_leases"

    name: str = Field(primary_key=True, max_length=32)
    holder: str | None = Field(default=None, max_length=255)
    held_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_started: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
