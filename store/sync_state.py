"""What the sync engine reads and writes in the store, beyond the management operations.

The engine's view of an `xray` session (`SyncRow`), the link's sync base (kept as JSON
in `jira_links.remote_fields`), what a push records on the link, and the changes a pull
makes locally. Every write is one transaction; writes that a pull makes are
compare-and-set (the name the engine saw, no lock), so a racing user edit or a second
daemon makes them a no-op instead of overwriting anything.

The claims on the outbox live in `store.sync_claims` (the store's one claim mechanism);
they are re-exported here so that `sync_state.claim(...)` and friends keep working.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Delete, Engine, Update, delete, func, not_, or_, select, update
from sqlalchemy.engine import Connection

from store.changes import links_changed
from store.locking import lock_in_force
from store.models import (
    AuditEntry,
    ExploratorySession,
    JiraLink,
    LinkState,
    Mode,
    OutboxEntry,
    SessionType,
    User,
    Workspace,
)
from store.rules import JIRA_HOLDER, SessionState, effective_holder
from store.sync_claims import (
    claim,
    complete,
    held_elsewhere,
    outbox_depth,
    pending_entries,
    pending_sessions,
    release,
    release_failed,
    renew,
)

__all__ = [
    "SYNC_ACTOR", "LinkBase", "SyncRow", "apply_remote_rename", "charter_projects", "claim",
    "clear_conflict", "complete", "deferred_rows", "disconnect_remotely_deleted", "held_elsewhere",
    "linked_keys", "linked_projects",
    "load_rows", "mark_create_started", "mark_started", "oldest_sync", "outbox_depth",
    "pending_entries",
    "pending_sessions",
    "record_base", "record_conflict", "record_error", "record_keys", "record_synced",
    "release", "release_failed", "renew", "rows_by_key",
]

SYNC_ACTOR = "sync"
SESSIONS = ExploratorySession.__table__  # type: ignore[attr-defined]  # SQLModel sets it
LINKS = JiraLink.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxEntry.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
WORKSPACES = Workspace.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LinkBase:
    """What both sides agreed on at the last sync, as the link keeps it."""

    summary: str | None = None
    status: str | None = None
    updated: str | None = None  # Jira's `updated` of the Test Execution, ISO 8601
    create_started: bool = False  # a create was sent; its answer may have been lost
    evidence: tuple[str, ...] = ()  # sha256 of every file already attached to the run
    defects: dict[str, str] = field(default_factory=dict)  # defect summary -> issue key
    ids: dict[str, str] = field(default_factory=dict)  # issue key -> Jira's stable id
    # a remote change seen while the session was locked: {"summary", "status", "updated"}
    deferred: dict[str, str] | None = None
    import_started: bool = False  # an import with evidence was sent; it may have landed

    def to_json(self) -> str:
        return json.dumps({"summary": self.summary, "status": self.status,
                           "updated": self.updated, "create_started": self.create_started,
                           "import_started": self.import_started,
                           "evidence": list(self.evidence), "defects": self.defects,
                           "ids": self.ids, "deferred": self.deferred}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> LinkBase:
        raw: dict[str, Any] = json.loads(text) if text else {}
        return cls(summary=raw.get("summary"), status=raw.get("status"),
                   updated=raw.get("updated"), create_started=bool(raw.get("create_started")),
                   import_started=bool(raw.get("import_started")),
                   evidence=tuple(raw.get("evidence") or ()),
                   defects=dict(raw.get("defects") or {}), ids=dict(raw.get("ids") or {}),
                   deferred=raw.get("deferred"))


@dataclass(frozen=True)
class SyncRow:
    """An `xray` session and its link, as the engine sees them."""

    session_id: str
    name: str
    type: str
    mode: str
    digest: str
    lock_holder: str | None
    lock_since: datetime | None
    trashed: bool
    owner: str
    workspace: str
    project: str
    test_execution: str | None
    test: str | None
    test_run: str | None
    state: str
    pushed_digest: str | None
    base: LinkBase

    def user_locked(self, now: datetime, lease_seconds: int | None) -> bool:
        """Held by a user (the desktop app) at `now`: its content is in flux, pulls wait.

        The store's one lock rule (`rules.effective_holder`): a lock whose lease ran out
        holds nothing. Jira's own archive lock does not hold Jira's changes back: its next
        status (Reopened -> unarchive) must reach the session."""
        state = SessionState(owner=self.owner, lock_holder=self.lock_holder,
                             lock_since=self.lock_since, lease_seconds=lease_seconds)
        return effective_holder(state, now) not in (None, JIRA_HOLDER)


def _row_query() -> Any:
    return (
        select(SESSIONS.c.id, SESSIONS.c.name, SESSIONS.c.type, SESSIONS.c.mode,
               SESSIONS.c.digest, SESSIONS.c.lock_holder, SESSIONS.c.lock_since,
               SESSIONS.c.trashed_at, USERS.c.name.label("owner"),
               WORKSPACES.c.name.label("workspace"), LINKS.c.project, LINKS.c.test_execution,
               LINKS.c.test, LINKS.c.test_run, LINKS.c.state, LINKS.c.pushed_digest,
               LINKS.c.remote_fields)
        .join(LINKS, LINKS.c.session_id == SESSIONS.c.id)
        .join(USERS, USERS.c.id == SESSIONS.c.owner_id)
        .join(WORKSPACES, WORKSPACES.c.id == SESSIONS.c.workspace_id)
    )


def _to_row(r: Any) -> SyncRow:
    return SyncRow(
        session_id=r.id, name=r.name, type=r.type, mode=r.mode, digest=r.digest,
        lock_holder=r.lock_holder, lock_since=r.lock_since, trashed=r.trashed_at is not None,
        owner=r.owner,
        workspace=r.workspace, project=r.project, test_execution=r.test_execution,
        test=r.test, test_run=r.test_run, state=r.state, pushed_digest=r.pushed_digest,
        base=LinkBase.from_json(r.remote_fields),
    )


def load_rows(engine: Engine, session_ids: Iterable[str]) -> dict[str, SyncRow]:
    """The linked sessions among `session_ids` (a missing id was purged or has no link)."""
    ids = list(session_ids)
    out: dict[str, SyncRow] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = _row_query().where(SESSIONS.c.id.in_(ids[start:start + 500]))
            out.update({r.id: _to_row(r) for r in conn.execute(query)})
    return out


def _keyed(r: Any) -> str | None:
    key = r.test if r.type == "charter" else r.test_execution
    return None if key is None else str(key)


def rows_by_key(engine: Engine, keys: Iterable[str]) -> dict[str, SyncRow]:
    """The linked sessions compared with one of `keys` (a session's Test Execution, a
    charter's Test), by that key."""
    wanted = list(keys)
    out: dict[str, SyncRow] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            query = _row_query().where(SESSIONS.c.mode == Mode.XRAY.value,
                                       LINKS.c.test_execution.in_(chunk) | LINKS.c.test.in_(chunk))
            for r in conn.execute(query):
                key = _keyed(r)
                if key is not None and key in chunk:
                    out[key] = _to_row(r)
    return out


def linked_keys(engine: Engine, project: str) -> dict[str, str]:
    """Issue key -> session id for every pushed link in `project` (a charter: its Test)."""
    query = (select(LINKS.c.test_execution, LINKS.c.test, LINKS.c.session_id, SESSIONS.c.type)
             .join(SESSIONS, SESSIONS.c.id == LINKS.c.session_id)
             .where(LINKS.c.project == project, SESSIONS.c.mode == Mode.XRAY.value))
    with engine.connect() as conn:
        out = {}
        for r in conn.execute(query):
            key = _keyed(r)
            if key is not None:
                out[key] = r.session_id
        return out


def deferred_rows(engine: Engine) -> list[SyncRow]:
    """Linked sessions holding a remote change that waited for a lock (or the trash) to end."""
    query = _row_query().where(SESSIONS.c.mode == Mode.XRAY.value,
                               LINKS.c.remote_fields.like('%"deferred": {%'))
    with engine.connect() as conn:
        return [_to_row(r) for r in conn.execute(query)]


def oldest_sync(engine: Engine, project: str) -> datetime | None:
    """The oldest `last_synced` of the project's links (a watermark of last resort)."""
    with engine.connect() as conn:
        value = conn.execute(select(func.min(LINKS.c.last_synced)).where(
            LINKS.c.project == project)).scalar_one_or_none()
    if isinstance(value, str):  # SQLite returns the aggregate as text
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def linked_projects(engine: Engine) -> list[str]:
    """Every project where something was pushed already."""
    with engine.connect() as conn:
        query = select(LINKS.c.project).where(
            LINKS.c.test_execution.is_not(None) | LINKS.c.test.is_not(None)).distinct()
        return sorted(r[0] for r in conn.execute(query))


def charter_projects(engine: Engine) -> frozenset[str]:
    """The projects where a linked `xray` charter has its Test (the pull then asks for Tests)."""
    query = (select(LINKS.c.project).join(SESSIONS, SESSIONS.c.id == LINKS.c.session_id)
             .where(SESSIONS.c.type == SessionType.CHARTER.value,
                    SESSIONS.c.mode == Mode.XRAY.value, LINKS.c.test.is_not(None))
             .distinct())
    with engine.connect() as conn:
        return frozenset(str(r[0]) for r in conn.execute(query))


# ---- the link's base ------------------------------------------------------------------


def _audit(conn: Connection, operation: str, session_id: str, at: datetime,
           detail: dict[str, Any], actor: str = SYNC_ACTOR) -> None:
    conn.execute(AuditEntry.__table__.insert().values(  # type: ignore[attr-defined]
        actor=actor, operation=operation, session_id=session_id,
        detail=json.dumps(detail, sort_keys=True), at=at))


def _link_written(conn: Connection, statement: Update | Delete) -> None:
    """Run a write to `jira_links` as the last statement of its transaction; the change
    feed counts it if it wrote a row (`store.changes`)."""
    if conn.execute(statement).rowcount:
        links_changed(conn)


def mark_create_started(engine: Engine, session_id: str, base: LinkBase) -> None:
    """Remember, before sending it, that a create goes out (a crash then checks the marker)."""
    _store_base(engine, session_id, replace(base, create_started=True))


def mark_started(engine: Engine, session_id: str, base: LinkBase) -> None:
    """Remember, before sending them, the writes `base` marks as going out: a create
    (`create_started`: a crash then checks the marker), an import with evidence
    (`import_started`: the next push reads the run before sending evidence again)."""
    _store_base(engine, session_id, base)


def _store_base(engine: Engine, session_id: str, base: LinkBase) -> None:
    # the sync base alone: nothing the console shows, so the change feed is not told
    with engine.begin() as conn:
        conn.execute(update(LINKS).where(LINKS.c.session_id == session_id)
                     .values(remote_fields=base.to_json()))


def record_keys(engine: Engine, session_id: str, *, test: str | None,
                test_execution: str | None, base: LinkBase) -> None:
    """Record the keys of what a first push created, as soon as they are known."""
    with engine.begin() as conn:
        _link_written(conn, update(LINKS).where(LINKS.c.session_id == session_id)
                      .values(test=test, test_execution=test_execution,
                              remote_fields=base.to_json()))


def record_synced(engine: Engine, session_id: str, *, base: LinkBase, digest: str | None,
                  remote_hash: str | None, now: datetime, test_run: str | None = None,
                  done_entries: Sequence[int] = ()) -> None:
    """Both sides agree on `base`: store it, mark the link synced, drop the pushed entries."""
    values: dict[str, Any] = {"remote_fields": base.to_json(), "pushed_digest": digest,
                              "remote_hash": remote_hash, "state": LinkState.SYNCED.value,
                              "error": None, "last_synced": now}
    if test_run is not None:
        values["test_run"] = test_run
    with engine.begin() as conn:
        if done_entries:
            conn.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(list(done_entries))))
        _link_written(conn, update(LINKS).where(LINKS.c.session_id == session_id)
                      .values(**values))


def record_base(engine: Engine, session_id: str, *, base: LinkBase, remote_hash: str | None,
                now: datetime) -> None:
    """A pull moved the base (the pushed content digest stays as it is)."""
    with engine.begin() as conn:
        _link_written(conn, update(LINKS).where(LINKS.c.session_id == session_id)
                      .values(remote_fields=base.to_json(), remote_hash=remote_hash,
                              last_synced=now))


def record_error(engine: Engine, session_id: str, message: str, now: datetime) -> None:
    """The last push or pull of this session failed; the link shows why.

    The same error recorded again (a failure retried each cycle) writes nothing, so the
    change feed stays still."""
    error = message[:2000]
    with engine.begin() as conn:
        _link_written(conn, update(LINKS)
                      .where(LINKS.c.session_id == session_id,
                             LINKS.c.state.is_distinct_from(LinkState.ERROR.value)
                             | LINKS.c.error.is_distinct_from(error))
                      .values(state=LinkState.ERROR.value, error=error))


def record_conflict(engine: Engine, session_id: str, note: str, now: datetime) -> None:
    """Both sides changed one field; the note (who won, what was lost) is shown on the session."""
    with engine.begin() as conn:
        _audit(conn, "sync_conflict", session_id, now, {"note": note})
        _link_written(conn, update(LINKS).where(LINKS.c.session_id == session_id)
                      .values(conflict_note=note[:2000]))


def clear_conflict(engine: Engine, session_id: str) -> None:
    """The field a conflict was about synced again without one: its note goes."""
    with engine.begin() as conn:
        _link_written(conn, update(LINKS)
                      .where(LINKS.c.session_id == session_id,
                             LINKS.c.conflict_note.is_not(None))
                      .values(conflict_note=None))


# ---- what a pull changes locally -------------------------------------------------------


def _no_user_lock(lease_seconds: int | None, now: datetime) -> Any:
    # the store's one lock rule (store.locking): Jira's lock, or one whose lease ran out,
    # holds no change back
    return or_(SESSIONS.c.lock_holder == JIRA_HOLDER, not_(lock_in_force(lease_seconds, now)))


def apply_remote_rename(engine: Engine, session_id: str, *, expected_name: str, new_name: str,
                        now: datetime, lease_seconds: int | None) -> bool:
    """Rename from Jira, only if the name is still the one the engine saw and no user holds a
    lock (Jira's archive lock does not count, nor a lock whose lease ran out).

    Writes no outbox entry: the change came from Jira and must not echo back.
    """
    with engine.begin() as conn:
        done = conn.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id == session_id, SESSIONS.c.name == expected_name,
                   _no_user_lock(lease_seconds, now),
                   SESSIONS.c.trashed_at.is_(None))
            .values(name=new_name, modified=now, row_version=SESSIONS.c.row_version + 1)
        ).rowcount
        if done:
            _audit(conn, "sync_rename", session_id, now, {"from": expected_name, "to": new_name})
    return bool(done)


def disconnect_remotely_deleted(engine: Engine, session_id: str, key: str, now: datetime, *,
                                lease_seconds: int | None, actor: str | None = None,
                                jira_actor: str | None = None, via: str = "reconcile") -> bool:
    """The Test Execution is gone from Jira: the session becomes standalone, its data kept.

    No user rule applies (a deletion in Jira is a fact); a user's lock defers it (False).
    The audit row names the local user of the Jira account that deleted it (`actor`; the
    sync when none), that account (`jira_actor`) and what reported it (`via`)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id == session_id, SESSIONS.c.mode == Mode.XRAY.value,
                   _no_user_lock(lease_seconds, now))
            .values(mode=Mode.STANDALONE.value, modified=now,
                    row_version=SESSIONS.c.row_version + 1)
        ).rowcount
        if done:
            conn.execute(delete(OUTBOX).where(OUTBOX.c.session_id == session_id))
            _audit(conn, "sync_disconnect", session_id, now,
                   {"reason": "remote_deleted", "issue": key, "jira_actor": jira_actor,
                    "via": via}, actor or SYNC_ACTOR)
            _link_written(conn, delete(LINKS).where(LINKS.c.session_id == session_id))
    return bool(done)
