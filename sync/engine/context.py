"""What every step of the engine shares: the store's database engine, the backend, policy, clock."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from connector.base import Backend
from store.blobs import BlobStore
from store.columns import utc_now
from store.sync_state import SyncRow
from sync.engine.plan import Policy, SyncBase
from sync.engine.purge import PurgePolicy


def worker_name() -> str:
    """A name for this engine's claims: host, process and a random part (two per process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def default_backoff(attempts: int) -> float:
    """Seconds before a failed session is tried again: 15 s doubling, at most an hour."""
    return float(min(3600, 15 * 2 ** min(attempts, 8)))


@dataclass(frozen=True)
class EngineContext:
    """The engine's collaborators and settings."""

    engine: Engine  # the store's database (SQLAlchemy, as Store.engine), for store.sync_state
    backend: Backend
    blobs: BlobStore
    policy: Policy = field(default_factory=Policy)
    console_url: str = ""  # the web console's base URL, for the remote links
    lease_seconds: int = 120  # the claims on the outbox (two daemons never push one session)
    lock_lease_seconds: int | None = None  # the store's [store] lock_lease_seconds
    overlap_seconds: int = 120
    concurrency: int = 4  # sessions whose push works at once (Jira, the store, files)
    # sessions the push keeps in flight so that a batch of run updates can fill (Xray
    # Cloud, `connector.cloud_runs`): max(concurrency, batch_size) threads
    batch_size: int = 1
    worker: str = ""
    clock: Callable[[], datetime] = utc_now
    backoff: Callable[[int], float] = default_backoff
    purge: PurgePolicy = field(default_factory=PurgePolicy)  # [sync] on_purge
    # a pull any daemon of the store started this recently serves this cycle too
    pull_fresh_seconds: float = 0.0


def remote_key(row: SyncRow) -> str | None:
    """The issue a session is compared with: its Test Execution (a charter: its Test)."""
    return row.test if row.type == "charter" else row.test_execution


def plan_base(row: SyncRow) -> SyncBase | None:
    """The planner's base from the link, or None when nothing was created yet."""
    key = remote_key(row)
    if key is None or row.base.summary is None:
        return None
    return SyncBase(key, row.base.summary, row.base.status, row.pushed_digest)
