"""Read-only probes of the store for `/healthz` and `/metrics`.

The store's facade has no ping and no counters, so these use its sync-facing read
functions (`store.sync_state`) and, for the count of locks held, one COUNT over the
sessions table. Nothing here decides
anything: they only read.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from store import sync_state
from store.api import Store
from store.models import ExploratorySession


def ping(store: Store) -> None:
    """Raise if the store's database does not answer."""
    with store.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def gauges(store: Store) -> dict[str, float]:
    """Outbox depth and locks held, read now."""
    held = select(func.count()).select_from(ExploratorySession).where(
        ExploratorySession.lock_holder.is_not(None)  # type: ignore[union-attr]
    )
    with store.engine.connect() as conn:
        locks = int(conn.execute(held).scalar_one())
    return {
        "xray_sync_outbox_depth": float(sync_state.outbox_depth(store.engine)),
        "xray_sync_locks_held": float(locks),
    }

