"""The outbox as the sync engine works through it: depth, pending sessions, claims,
renewals, releases after success or failure, completion.

A session belongs to the worker that holds its *head* outbox entry (the oldest). The
claim is an `UPDATE ... WHERE claimed_until IS NULL OR claimed_until <= now` with a check
of who holds it afterwards (both databases), preceded on PostgreSQL by `SELECT ... FOR
UPDATE SKIP LOCKED` so racing daemons skip each other's rows instead of queueing. A dead
worker's claim expires with its lease. The outbox entries themselves are written by the
management operations, in the transaction of the change they describe (`store.rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update

from store.models import OutboxEntry

OUTBOX = OutboxEntry.__table__  # type: ignore[attr-defined]  # SQLModel sets it



def outbox_depth(engine: Engine) -> int:
    """How many outbox entries wait."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(OUTBOX)).scalar_one())


def held_elsewhere(engine: Engine, worker: str, now: datetime,
                   only: Iterable[str] | None = None) -> int:
    """How many sessions with outbox entries another worker holds now (its lease running)."""
    query = select(func.count(func.distinct(OUTBOX.c.session_id))).where(
        OUTBOX.c.claimed_until > now, OUTBOX.c.claimed_by != worker)
    if only is not None:
        query = query.where(OUTBOX.c.session_id.in_(list(only)))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def pending_sessions(engine: Engine, now: datetime, limit: int,
                     only: Iterable[str] | None = None) -> list[str]:
    """Sessions with outbox entries nobody holds, oldest change first."""
    head = func.min(OUTBOX.c.id)
    query = (select(OUTBOX.c.session_id, head).group_by(OUTBOX.c.session_id).order_by(head)
             .limit(limit))
    if only is not None:
        query = query.where(OUTBOX.c.session_id.in_(list(only)))
    with engine.connect() as conn:
        heads = [(r[0], r[1]) for r in conn.execute(query)]
        if not heads:
            return []
        free = select(OUTBOX.c.id).where(
            OUTBOX.c.id.in_([h for _, h in heads]),
            (OUTBOX.c.claimed_until.is_(None)) | (OUTBOX.c.claimed_until <= now))
        free_ids = {r[0] for r in conn.execute(free)}
    return [sid for sid, h in heads if h in free_ids]


def pending_entries(engine: Engine,
                    session_ids: Sequence[str]) -> dict[str, list[tuple[int, str, str]]]:
    """The outbox entries of these sessions as (id, kind, payload), claiming nothing (a dry
    run reads what a claim would hand over)."""
    found: dict[str, list[tuple[int, str, str]]] = {sid: [] for sid in session_ids}
    if session_ids:
        with engine.connect() as conn:
            for r in conn.execute(select(OUTBOX.c.id, OUTBOX.c.session_id, OUTBOX.c.kind,
                                         OUTBOX.c.payload)
                                  .where(OUTBOX.c.session_id.in_(list(session_ids)))
                                  .order_by(OUTBOX.c.id)):
                found[r.session_id].append((r.id, r.kind, r.payload))
    return found


def claim(engine: Engine, session_ids: Sequence[str], worker: str, lease_seconds: int,
          now: datetime) -> dict[str, list[tuple[int, str, str]]]:
    """Claim each session's head entry; the claimed sessions' entries as (id, kind, payload)."""
    until = now + timedelta(seconds=lease_seconds)
    with engine.begin() as conn:
        heads: dict[str, int] = {sid: head for sid, head in conn.execute(
            select(OUTBOX.c.session_id, func.min(OUTBOX.c.id))
            .where(OUTBOX.c.session_id.in_(list(session_ids)))
            .group_by(OUTBOX.c.session_id))}
        if conn.dialect.name == "postgresql" and heads:
            lockable = set(conn.execute(
                select(OUTBOX.c.id).where(OUTBOX.c.id.in_(list(heads.values())))
                .with_for_update(skip_locked=True)).scalars().all())
            heads = {sid: h for sid, h in heads.items() if h in lockable}
        if not heads:
            return {}
        head_ids = list(heads.values())
        unclaimed = OUTBOX.c.claimed_until.is_(None) | (OUTBOX.c.claimed_until <= now)
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(head_ids), unclaimed)
                     .values(claimed_by=worker, claimed_until=until))
        won = [r.session_id for r in conn.execute(select(OUTBOX.c.session_id).where(
            OUTBOX.c.id.in_(head_ids), OUTBOX.c.claimed_by == worker,
            OUTBOX.c.claimed_until == until))]
        claimed: dict[str, list[tuple[int, str, str]]] = {sid: [] for sid in won}
        if won:
            entries = (select(OUTBOX.c.id, OUTBOX.c.session_id, OUTBOX.c.kind, OUTBOX.c.payload)
                       .where(OUTBOX.c.session_id.in_(won)).order_by(OUTBOX.c.id))
            for r in conn.execute(entries):
                claimed[r.session_id].append((r.id, r.kind, r.payload))
    return claimed


def renew(engine: Engine, session_ids: Sequence[str], worker: str, lease_seconds: int,
          now: datetime) -> None:
    """Extend this worker's claims on sessions whose push is still running."""
    if session_ids:
        with engine.begin() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.session_id.in_(list(session_ids)),
                                         OUTBOX.c.claimed_by == worker)
                         .values(claimed_until=now + timedelta(seconds=lease_seconds)))


def release(engine: Engine, session_id: str, worker: str) -> None:
    """Give a session's claim back (its entries stay)."""
    with engine.begin() as conn:
        conn.execute(update(OUTBOX)
                     .where(OUTBOX.c.session_id == session_id, OUTBOX.c.claimed_by == worker)
                     .values(claimed_by=None, claimed_until=None))


def release_failed(engine: Engine, session_id: str, worker: str, now: datetime,
                   backoff: Callable[[int], float]) -> int:
    """Give the claim back after a failure: not offered again before `backoff(attempts)` s.

    Returns the number of attempts so far."""
    with engine.begin() as conn:
        attempts = conn.execute(select(func.max(OUTBOX.c.attempts)).where(
            OUTBOX.c.session_id == session_id, OUTBOX.c.claimed_by == worker)).scalar_one_or_none()
        tries = int(attempts or 0) + 1
        retry_at = now + timedelta(seconds=backoff(tries))
        conn.execute(update(OUTBOX)
                     .where(OUTBOX.c.session_id == session_id, OUTBOX.c.claimed_by == worker)
                     .values(claimed_by=None, claimed_until=retry_at, attempts=tries))
    return tries


def complete(engine: Engine, entry_ids: Sequence[int]) -> None:
    """Drop entries whose change reached Jira (or needs nothing there)."""
    if entry_ids:
        with engine.begin() as conn:
            conn.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(list(entry_ids))))
