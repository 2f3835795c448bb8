"""A small world for engine tests: a real Store on SQLite, the in-memory fake Jira, one engine."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.fake import FakeBackend
from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from sync.cli.sample import make_bundle
from sync.engine.context import EngineContext
from sync.engine.plan import Policy
from sync.engine.purge import PurgePolicy
from sync.engine.runner import SyncEngine
from sync.engine.summary import CycleSummary
from sync.workflow import Workflow


@dataclass
class Clock:
    """A clock the test moves; every reading advances it by one second."""

    now: datetime = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> datetime:
        with self.lock:
            self.now += timedelta(seconds=1)
            return self.now


class World:
    """Store + fake backend + engine sharing one clock."""

    def __init__(self, home: Path, *, policy: Policy | None = None,
                 backend: FakeBackend | None = None, worker: str = "w1",
                 store_url: str | None = None, clock: Clock | None = None,
                 purge: PurgePolicy | None = None) -> None:
        self.clock = clock or Clock()
        self.engine = make_engine(store_url or f"sqlite:///{home}/store.db")
        if store_url is None:
            migrate(self.engine)
        self.store = Store(self.engine, StoreSettings(home=home), clock=self.clock)
        self.backend = backend or FakeBackend(clock=self.clock)
        self.ctx = EngineContext(engine=self.engine, backend=self.backend, blobs=self.store.blobs,
                                 policy=policy or Policy(on_status={"Done": "archive"}),
                                 console_url="http://127.0.0.1:8470", worker=worker,
                                 clock=self.clock, backoff=lambda attempts: 0.0,
                                 purge=purge or PurgePolicy())
        self.sync_engine = SyncEngine(self.ctx, self.workflow())
        self.stop = threading.Event()

    def workflow(self) -> Workflow:
        """The workflow of a daemon-less engine: no service user, `sync` asks no one."""
        return Workflow(self.store, "", lambda session_id: None, self.clock)

    def setup_users(self) -> None:
        self.store.add_user("alice", admin=True)
        self.store.add_user("bob")

    def add_session(self, name: str, *, defect: str | None = None, kind: str = "session",
                    owner: str = "alice") -> str:
        data = make_bundle(name, kind=kind, defect=defect)
        out = self.store.import_session(owner, owner, io.BytesIO(data), mode="xray",
                                        project="QA")
        return out.id

    def save(self, sid: str, actor: str = "alice", **bundle: object) -> None:
        name = self.store.show(actor, sid).name
        self.store.open(actor, sid)
        self.store.save(actor, sid, io.BytesIO(make_bundle(name, **bundle)))  # type: ignore[arg-type]
        self.store.close(actor, sid)

    def run(self, session_ids: frozenset[str] | None = None) -> CycleSummary:
        return self.sync_engine.sync(session_ids, self.stop)

    def calls(self) -> int:
        return sum(self.backend.calls.values())

    def executions(self) -> list[str]:
        return [i.key for i in self.backend.issues.values() if i.issue_type == "Test Execution"]
