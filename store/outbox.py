"""What a sync engine needs of the outbox and the links: pending changes grouped by
session, claims that two workers never share, completion, failure, and the links.

A worker owns a session while it holds the claim of that session's *head* entry (its
oldest).  Claiming is a compare-and-set UPDATE with a row-count check on both
databases; on PostgreSQL a `SELECT ... FOR UPDATE SKIP LOCKED` first skips the heads
another worker is claiming at this very moment, instead of queueing behind it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlmodel import Session, col
from sqlmodel import select as sql_select

from store.columns import utc_now
from store.db import read_only
from store.errors import NotFound
from store.models import ExploratorySession, JiraLink, LinkState, Mode, OutboxEntry
from store.rows import link_out
from store.views import LinkOut

O = OutboxEntry  # noqa: E741  (the table, short in the queries below)

LINK_FIELDS = ("test_execution", "test", "test_run", "state", "last_synced", "error",
               "remote_hash", "remote_fields", "pushed_digest", "conflict_note")


@dataclass(frozen=True)
class PendingChange:
    """One outbox entry: a change of one session still to push."""

    id: int
    session_id: str
    kind: str
    payload: dict[str, Any]
    created: datetime
    attempts: int


@dataclass(frozen=True)
class LinkedSession:
    """An `xray` session as the sync sees it: its file, its lock, its link."""

    session_id: str
    name: str
    digest: str
    version: int
    lock_holder: str | None
    trashed: bool
    link: LinkOut


class Outbox:
    """The outbox and the links, for one engine."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._reader = read_only(engine)
        self._clock = clock

    def pending(self, limit: int = 100) -> list[PendingChange]:
        """Entries of the sessions with unclaimed (or expired) heads, each session's in order.

        Sessions come oldest change first; `limit` counts entries, whole sessions only
        (a session's entries are never split across two calls).
        """
        now = self._clock()
        head_ids = select(func.min(col(O.id))).group_by(col(O.session_id))
        with self._reader.connect() as conn:
            heads = conn.execute(
                select(col(O.session_id)).where(col(O.id).in_(head_ids))
                .where(or_(col(O.claimed_until).is_(None), col(O.claimed_until) <= now))
                .order_by(col(O.id))
            ).all()
            free = [h.session_id for h in heads]
            entries = conn.execute(
                select(O).where(col(O.session_id).in_(free)).order_by(col(O.id))
            ).all() if free else []
        by_session: dict[str, list[PendingChange]] = {sid: [] for sid in free}
        for e in entries:
            by_session[e.session_id].append(PendingChange(
                id=e.id, session_id=e.session_id, kind=e.kind, payload=json.loads(e.payload),
                created=e.created, attempts=e.attempts))
        out: list[PendingChange] = []
        for group in by_session.values():
            if out and len(out) + len(group) > limit:
                break
            out += group
        return out

    def claim(self, session_ids: Sequence[str], worker: str, lease_seconds: int) -> list[str]:
        """Claim the sessions' heads for `worker`; the ids it now holds (others are taken)."""
        now = self._clock()
        until = now + timedelta(seconds=lease_seconds)
        claimed: list[str] = []
        with self.engine.begin() as conn:
            for session_id in session_ids:
                head = select(func.min(col(O.id))).where(col(O.session_id) == session_id)
                head_id = conn.execute(head).scalar()
                if head_id is None:
                    continue
                if conn.dialect.name == "postgresql":
                    locked = conn.execute(select(col(O.id)).where(col(O.id) == head_id)
                                          .with_for_update(skip_locked=True)).scalar()
                    if locked is None:  # another worker is claiming it right now
                        continue
                won = conn.execute(
                    update(O).where(col(O.id) == head_id).where(or_(
                        col(O.claimed_until).is_(None), col(O.claimed_until) <= now,
                        col(O.claimed_by) == worker))
                    .values(claimed_by=worker, claimed_until=until)
                ).rowcount
                if won == 1:
                    claimed.append(session_id)
        return claimed

    def complete(self, entry_ids: Iterable[int]) -> None:
        """The entries were pushed: remove them."""
        ids = list(entry_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(delete(O).where(col(O.id).in_(ids)))

    def fail(self, session_id: str, error: str) -> None:
        """A push failed: count an attempt, drop the claim, mark the link in error."""
        with self.engine.begin() as conn:
            conn.execute(update(O).where(col(O.session_id) == session_id).values(
                attempts=O.attempts + 1, claimed_by=None, claimed_until=None))
            conn.execute(update(JiraLink).where(col(JiraLink.session_id) == session_id)
                         .values(state=LinkState.ERROR.value, error=error[:2000]))

    def record_link(self, session_id: str, **fields: Any) -> None:
        """Set fields of a session's link (keys, state, last_synced, error, sync base...)."""
        unknown = set(fields) - set(LINK_FIELDS)
        if unknown:
            raise TypeError(f"not link fields: {sorted(unknown)}")
        with self.engine.begin() as conn:
            done = conn.execute(update(JiraLink).where(col(JiraLink.session_id) == session_id)
                                .values(**fields)).rowcount
        if done != 1:
            raise NotFound("unknown_link", f"session {session_id!r} has no Jira link")

    def linked_sessions(self) -> list[LinkedSession]:
        """Every `xray` session with its link, by id."""
        S = ExploratorySession
        with Session(self._reader) as db:
            rows = db.exec(
                sql_select(S, JiraLink).join(JiraLink, col(JiraLink.session_id) == col(S.id))
                .where(col(S.mode) == Mode.XRAY.value).order_by(col(S.id))
            ).all()
            return [_linked(session, link) for session, link in rows]


def _linked(session: ExploratorySession, link: JiraLink) -> LinkedSession:
    out = link_out(link)
    assert out is not None
    return LinkedSession(session_id=session.id, name=session.name, digest=session.digest,
                         version=session.version, lock_holder=session.lock_holder,
                         trashed=session.trashed_at is not None, link=out)
