"""Request budgets shared by every daemon of one PostgreSQL store (`connector.budget`'s
`SharedLedger`, implemented here so that N daemons together keep one service's window).

A budget is a row of `rate_budgets` (its key names the service and the API key or user,
never a secret). Each admission is one transaction that locks that row (`SELECT ... FOR
UPDATE`), so the daemons' sends on one key queue on it: it reads the pause a refusal put
on the budget, counts the sends of each window (`rate_sends`) still inside it, and either
counts one more send in every window or answers how long to wait. Times are the database
server's own (`clock_timestamp()`), so daemons on machines whose clocks differ agree.

SQLite serves one process: the connector's in-process budgets are enough there, and this
module asks for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from store.errors import Unavailable
from store.models import RateBudget, RateSend

B = RateBudget.__table__  # type: ignore[attr-defined]  # SQLModel sets it
R = RateSend.__table__  # type: ignore[attr-defined]

# (name, requests, span_seconds): at most `requests` sends in any `span_seconds`
Window = tuple[str, int, float]


class SharedBudgets:
    """The `SharedLedger` of a PostgreSQL store."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("shared budgets need PostgreSQL; SQLite serves one process")
        self.engine = engine

    def admit(self, key: str, windows: Sequence[Window]) -> float:
        """0.0 when a request on `key` may go now (counted in every window), else the
        seconds until one may: the budget's pause, or the first window's next place."""
        try:
            with self.engine.begin() as conn:
                now = _lock_budget(conn, key)
                return _admit(conn, key, windows, now)
        except (OperationalError, DBAPIError) as exc:
            raise _unavailable() from exc

    def pause(self, key: str, seconds: float) -> float:
        """Nobody sends on `key` for `seconds` from now (a longer pause already set stays);
        the seconds the pause has left."""
        try:
            with self.engine.begin() as conn:
                now = _lock_budget(conn, key)
                until = now + timedelta(seconds=max(0.0, seconds))
                conn.execute(update(B).where(B.c.key == key, (B.c.not_before.is_(None))
                                             | (B.c.not_before < until))
                             .values(not_before=until))
                current: datetime = conn.execute(
                    select(B.c.not_before).where(B.c.key == key)).scalar_one()
                return max(0.0, (current - now).total_seconds())
        except (OperationalError, DBAPIError) as exc:
            raise _unavailable() from exc


def _lock_budget(conn: Connection, key: str) -> datetime:
    """Make the budget's row if need be, lock it, and read the server's clock."""
    conn.execute(pg_insert(B).values(key=key).on_conflict_do_nothing(index_elements=["key"]))
    conn.execute(select(B.c.key).where(B.c.key == key).with_for_update())
    now: datetime = conn.execute(select(func.clock_timestamp())).scalar_one()
    return now


def _admit(conn: Connection, key: str, windows: Sequence[Window], now: datetime) -> float:
    paused: datetime | None = conn.execute(
        select(B.c.not_before).where(B.c.key == key)).scalar_one()
    if paused is not None and paused > now:
        return (paused - now).total_seconds()
    for name, requests, span in windows:
        window = f"{key}/{name}"
        start = now - timedelta(seconds=span)
        conn.execute(delete(R).where(R.c.window == window, R.c.sent_at <= start))
        sent: list[datetime] = conn.execute(select(R.c.sent_at).where(R.c.window == window)
                            .order_by(R.c.sent_at.desc()).limit(requests)).scalars().all()  # type: ignore[assignment]  # rows of datetimes
        if len(sent) >= requests:
            # the oldest of the last `requests` sends leaves the window first
            return max(0.001, (sent[-1] + timedelta(seconds=span) - now).total_seconds())
    if windows:
        conn.execute(insert(R), [{"window": f"{key}/{name}", "sent_at": now}
                                 for name, _, _ in windows])
    return 0.0


def _unavailable() -> Unavailable:
    return Unavailable("database_unavailable",
                       "the store's database did not answer while sharing a request budget "
                       "[database_unavailable]")
