"""Sync benchmarks against the sandbox over loopback (not a test; prints figures).

1. Requests per changed session: a first push, a content update, a rename (Cloud and
   Data Center), read from the sandbox's request log.
2. A quiet cycle over N linked sessions (default 10,000): requests and wall time.
3. M changed sessions (default 1,000) at L ms sandbox latency (default 50): wall time of
   the push against requests x latency / concurrency.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_sync.py [--linked N] [--changed M]
        [--latency-ms L] [--concurrency C]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from benchmarks.support import SandboxProcess
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from store.models import ExploratorySession, JiraLink, User, Workspace
from store.sync_state import LinkBase
from sync.cli.sample import make_bundle
from sync.config import Config, load_config
from sync.engine.build import build_engine
from sync.engine.plan import fingerprint
from sync.engine.runner import SyncEngine
from sync.engine.summary import CycleSummary
from sync.wiring import open_store

NO_LIMIT = "1000000"


def make_config(home: Path, url: str, deployment: str, concurrency: int) -> Config:
    env = {
        "XRAY_SYNC_HOME": str(home), "XRAY_SYNC_JIRA_URL": url, "XRAY_SYNC_XRAY_URL": url,
        "XRAY_SYNC_JIRA_DEPLOYMENT": deployment, "XRAY_SYNC_JIRA_EMAIL": "sandbox@example.com",
        "XRAY_SYNC_JIRA_TOKEN": "sandbox-token", "XRAY_SYNC_XRAY_CLIENT_ID": "sandbox",
        "XRAY_SYNC_XRAY_CLIENT_SECRET": "sandbox-secret",
        "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": NO_LIMIT,  # the sandbox enforces none here
        "XRAY_SYNC_SYNC_CONCURRENCY": str(concurrency),
    }
    return load_config(None, env)


def total(sandbox: RunningSandbox) -> int:
    with sandbox.state.lock:
        return sandbox.state.log.total


def per_endpoint(sandbox: RunningSandbox) -> dict[str, int]:
    with sandbox.state.lock:
        return dict(sandbox.state.log.per_endpoint)


def import_sessions(store: Store, count: int, prefix: str) -> list[str]:
    return [store.import_session("alice", "alice", io.BytesIO(make_bundle(
        f"{prefix} {i}", defect=f"Bug {prefix} {i}")), mode="xray", project="QA").id
        for i in range(count)]


def save_all(store: Store, ids: list[str], note: str) -> None:
    for sid in ids:
        store.open("alice", sid)
        name = store.show("alice", sid).name
        store.save("alice", sid, io.BytesIO(make_bundle(name, notes=(note,))))
        store.close("alice", sid)


def cycle(engine: SyncEngine) -> Any:
    return engine.sync(None, threading.Event())


# ---- 1. requests per changed session ---------------------------------------------------


def _by_service(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The requests answered between two reads of the log: Xray's (Cloud's `/api/v2/`,
    Server's `/rest/raven/`), Jira's searches (the pull's, and on Cloud a first push's
    search for the Test its import made), Jira's other requests."""
    out = {"xray": 0, "search": 0, "jira": 0}
    for endpoint, n in after.items():
        path, grew = endpoint.split(" ", 1)[1], n - before.get(endpoint, 0)
        kind = ("xray" if path.startswith(("/api/", "/rest/raven/")) else
                "search" if "search" in path else "jira")
        out[kind] += grew
    return out


def requests_per_session(deployment: str, sessions: int = 20) -> dict[str, Any]:
    """Requests per session by service, averaged over `sessions`: Xray's, and Jira's with
    the searches left out (the pull's are shared by the cycle's sessions; the searches are
    given per cycle); "first push, fresh process" is one session pushed by a new engine
    (authentication, field discovery and all)."""
    with tempfile.TemporaryDirectory() as tmp, start_sandbox(deployment) as sandbox:
        config = make_config(Path(tmp), sandbox.url, deployment, 4)
        store = open_store(config)
        store.add_user("alice", admin=True)
        engine = build_engine(config, store)
        ids: list[str] = []
        out: dict[str, Any] = {}
        steps = (
            ("first push, fresh process", 1, lambda: ids.extend(import_sessions(store, 1, "A"))),
            ("first push", sessions, lambda: ids.extend(import_sessions(store, sessions, "B"))),
            ("content update", len(ids) or sessions + 1, lambda: save_all(store, ids, "changed")),
            ("rename", sessions + 1,
             lambda: [store.rename("alice", s, f"Renamed {s[:6]}") for s in ids]),
            ("rename + save", sessions + 1,
             lambda: ([store.rename("alice", s, f"Again {s[:6]}") for s in ids],
                      save_all(store, ids, "again"))),
        )
        for label, count, change in steps:
            change()
            endpoints = per_endpoint(sandbox)
            summary = cycle(engine)
            assert summary.errors == 0, summary.error_messages
            spent = _by_service(endpoints, per_endpoint(sandbox))
            out[label] = {"xray": round(spent["xray"] / count, 2),
                          "jira": round(spent["jira"] / count, 2),
                          "searches in the cycle": spent["search"]}
            cycle(engine)  # settle: the push's echoes are pulled before the next step
        store.engine.dispose()
        return out


# ---- 2. the quiet cycle ----------------------------------------------------------------


class ShiftedClock:
    """The sandbox's clock, moved back while the linked issues are made (they are old)."""

    def __init__(self) -> None:
        self.offset = -86400.0

    def __call__(self) -> float:
        return time.time() + self.offset


def quiet_cycle(linked: int) -> dict[str, Any]:
    clock = ShiftedClock()
    with tempfile.TemporaryDirectory() as tmp, \
            start_sandbox("cloud", options=SandboxOptions(clock=clock)) as sandbox:
        config = make_config(Path(tmp), sandbox.url, "cloud", 4)
        store = open_store(config)
        fill_linked(store, sandbox, linked)
        clock.offset = 0.0
        engine = build_engine(config, store)
        before = total(sandbox)
        started = time.perf_counter()
        summary = cycle(engine)
        seconds = time.perf_counter() - started
        store.engine.dispose()
        return {"linked": linked, "requests": total(sandbox) - before, "seconds": seconds,
                "errors": summary.errors, "pulled": summary.pulled}


def fill_linked(store: Store, sandbox: RunningSandbox, count: int) -> None:
    """`count` xray sessions already synced: rows and links in the store, issues in Jira."""
    now = datetime.now(UTC)
    store.add_user("alice", admin=True)
    with store.engine.begin() as db:
        user_id = db.execute(select(User.id).where(User.name == "alice")).scalar_one()
        ws_id = db.execute(select(Workspace.id).where(Workspace.name == "alice")).scalar_one()
        sessions, links = [], []
        for i in range(count):
            sid = uuid.uuid4().hex
            name = f"Linked {i}"
            test = sandbox.state.add_issue("Test", name)
            execution = sandbox.state.add_issue("Test Execution", name)
            for issue in (test, execution):
                issue.labels = ["xray-sync", f"xs-{sid}"]
            base = LinkBase(summary=name, status="To Do")
            sessions.append({"id": sid, "type": "session", "mode": "xray", "owner_id": user_id,
                             "workspace_id": ws_id, "name": name, "size": 1, "created": now,
                             "modified": now, "digest": "0" * 64, "version": 1})
            links.append({"session_id": sid, "project": "QA", "test": test.key,
                          "test_execution": execution.key, "state": "synced",
                          "last_synced": now - timedelta(minutes=10),
                          "remote_fields": base.to_json(), "pushed_digest": "0" * 64,
                          "remote_hash": fingerprint(name, "To Do")})
        db.execute(insert(ExploratorySession), sessions)
        db.execute(insert(JiraLink), links)


# ---- 3. many changed sessions under latency ----------------------------------------------


def changed_under_latency(changed: int, latency_ms: float, concurrency: int) -> dict[str, Any]:
    sandbox = SandboxProcess()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = make_config(Path(tmp), sandbox.url, "cloud", concurrency)
            store = open_store(config)
            store.add_user("alice", admin=True)
            engine = build_engine(config, store)
            ids = import_sessions(store, changed, "Load")
            cycle(engine)
            cycle(engine)
            save_all(store, ids, "changed under load")
            sandbox.set_latency(latency_ms)
            before = sandbox.total()
            summary, stop = CycleSummary(), threading.Event()
            started = time.perf_counter()
            engine.puller.pull(summary, stop)
            pulled = time.perf_counter()
            engine.push(summary, stop)
            seconds = time.perf_counter() - started
            pull_seconds = pulled - started
            requests = sandbox.total() - before - 1  # minus our own /_sandbox/log read
            ideal = requests * latency_ms / 1000 / concurrency
            store.engine.dispose()
    finally:
        sandbox.stop()
    return {"changed": changed, "latency_ms": latency_ms, "concurrency": concurrency,
            "requests": requests, "seconds": round(seconds, 2), "ideal": round(ideal, 2),
            "ratio": round(seconds / ideal, 2) if ideal else None,
            "pull_seconds": round(pull_seconds, 2), "pushed": summary.pushed,
            "errors": summary.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--linked", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["requests", "quiet", "latency"])
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if "requests" not in args.skip:
        for deployment in ("cloud", "datacenter"):
            results[f"requests per session ({deployment})"] = requests_per_session(deployment)
            print(json.dumps({deployment: results[f"requests per session ({deployment})"]}))
    if "quiet" not in args.skip:
        results["quiet cycle"] = quiet_cycle(args.linked)
        print(json.dumps({"quiet cycle": results["quiet cycle"]}))
    if "latency" not in args.skip:
        results["changed under latency"] = changed_under_latency(
            args.changed, args.latency_ms, args.concurrency)
        print(json.dumps({"changed under latency": results["changed under latency"]}))


if __name__ == "__main__":
    main()
