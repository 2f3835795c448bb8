"""The pull as the daemons of one store share it: the watermark per project, and the lease
that lets one daemon at a time pull.

The watermark is the newest Jira `updated` the cluster applied for a project; it only
moves forward (a compare-and-set), and only after a project's changes are applied, so a
daemon that dies mid-pull leaves it where it was. The lease (`sync_leases`, name `pull`)
is taken by a compare-and-set on the row: free when nobody holds it (or the holder's
lease ran out) and the last pull started at least `fresh_seconds` ago, so three daemons
on one interval make one pull per interval, not three.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from store.models import SyncLease, SyncWatermark

W = SyncWatermark.__table__  # type: ignore[attr-defined]  # SQLModel sets it
LEASES = SyncLease.__table__  # type: ignore[attr-defined]
PULL = "pull"


def watermark(engine: Engine, project: str) -> datetime | None:
    """The project's watermark, or None before its first pull."""
    with engine.connect() as conn:
        mark: datetime | None = conn.execute(
            select(W.c.mark).where(W.c.project == project)).scalar_one_or_none()
    return mark


def advance_watermark(engine: Engine, project: str, seen: datetime) -> None:
    """Move the project's watermark forward to `seen` (never backward)."""
    for _ in range(2):  # a racing first insert: the second round updates its row
        with engine.begin() as conn:
            conn.execute(update(W).where(W.c.project == project, W.c.mark < seen)
                         .values(mark=seen))
            if conn.execute(select(W.c.project).where(W.c.project == project)).first():
                return
        try:
            with engine.begin() as conn:
                conn.execute(insert(W).values(project=project, mark=seen))
            return
        except IntegrityError:
            continue


def adopt_watermarks(engine: Engine, marks: Mapping[str, datetime]) -> None:
    """Take watermarks kept elsewhere before (a daemon's file): each only moves forward."""
    for project, mark in marks.items():
        advance_watermark(engine, project, mark)


def claim_pull(engine: Engine, worker: str, now: datetime, *, lease_seconds: int,
               fresh_seconds: float) -> bool:
    """Whether `worker` may pull now: the lease was free and no pull started within
    `fresh_seconds`; the lease is then `worker`'s for `lease_seconds`."""
    until = now + timedelta(seconds=lease_seconds)
    fresh = now - timedelta(seconds=fresh_seconds)
    free = or_(LEASES.c.held_until.is_(None), LEASES.c.held_until <= now,
               LEASES.c.holder == worker)
    with engine.begin() as conn:
        if conn.execute(select(LEASES.c.name).where(LEASES.c.name == PULL)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(LEASES).values(name=PULL, holder=worker,
                                                       held_until=until, last_started=now))
                return True
            except IntegrityError:
                pass  # another daemon made the row first: it holds the lease
        taken = conn.execute(
            update(LEASES).where(LEASES.c.name == PULL, free,
                                 or_(LEASES.c.last_started.is_(None),
                                     LEASES.c.last_started <= fresh))
            .values(holder=worker, held_until=until, last_started=now))
        return taken.rowcount == 1


def renew_pull(engine: Engine, worker: str, now: datetime, lease_seconds: int) -> None:
    """Keep `worker`'s pull lease while its pull runs."""
    with engine.begin() as conn:
        conn.execute(update(LEASES).where(LEASES.c.name == PULL, LEASES.c.holder == worker)
                     .values(held_until=now + timedelta(seconds=lease_seconds)))


def release_pull(engine: Engine, worker: str) -> None:
    """The pull is over: the lease is free again (the start time stays, for freshness)."""
    with engine.begin() as conn:
        conn.execute(update(LEASES).where(LEASES.c.name == PULL, LEASES.c.holder == worker)
                     .values(holder=None, held_until=None))
