"""Listing benchmark: a page of 50 out of 100,000 sessions, in process (not a test; prints figures).

Fills a fresh store with 100,000 sessions (bulk insert: 40 users, their personal
workspaces and 8 team workspaces, names drawn from a small vocabulary so that a
substring matches a realistic share), then times `Store.list_sessions` for a page of
50 sorted by `-modified`, filtered by a name substring and an owner, as a member
(not an admin), 200 runs after 10 warm-up runs: p50 and p95.  Also times the same
page without filters and the next page through the cursor.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_list.py [--sessions N] [--runs N]

SQLite always; PostgreSQL too when XRAY_SYNC_TEST_POSTGRES_URL is set (a fresh
database `xs_bench_<random>` is created next to it and dropped at the end).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select

from benchmarks.support import postgres_database
from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from store.models import ExploratorySession, Membership, User, Workspace
from store.views import SessionQuery

USERS = 40
TEAMS = 8
WORDS = ("Checkout", "Login", "Search", "Payments", "Profile", "Cart", "Onboarding",
         "Settings", "Reports", "Export", "Upload", "Billing", "Invoices", "Admin")
START = datetime(2025, 1, 1, tzinfo=UTC)
DIGEST = "0" * 64


def fill(store: Store, sessions: int, seed: int = 7) -> None:
    """Users, workspaces and `sessions` session rows, bulk inserted."""
    rng = random.Random(seed)
    for i in range(USERS):
        store.add_user(f"user{i:02d}")
    for t in range(TEAMS):
        members = tuple(f"user{i:02d}" for i in range(USERS) if i % TEAMS == t)
        store.add_workspace(None, f"team{t}", members=members)  # the bootstrap: no actor
    with store.engine.begin() as conn:
        users = dict(conn.execute(select(User.name, User.id)).all())  # type: ignore[call-overload]
        spaces = conn.execute(select(Workspace.id, Workspace.name)).all()  # type: ignore[call-overload]
        members = conn.execute(select(Membership.workspace_id, Membership.user_id)).all()  # type: ignore[call-overload]
    by_space: dict[int, list[int]] = {}
    for ws, uid in members:
        by_space.setdefault(ws, []).append(uid)
    space_ids = [s.id for s in spaces]
    assert users
    rows = []
    for n in range(sessions):
        ws = rng.choice(space_ids)
        moment = START + timedelta(seconds=rng.randrange(0, 365 * 86400))
        rows.append({
            "id": uuid.UUID(int=rng.getrandbits(128)).hex, "type": "session",
            "mode": "xray" if n % 5 == 0 else "standalone", "owner_id": rng.choice(by_space[ws]),
            "workspace_id": ws, "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} #{n}",
            "size": rng.randrange(1, 10**7), "created": moment, "modified": moment,
            "digest": DIGEST, "version": 1, "lock_epoch": 0, "row_version": 1,
        })
    table = ExploratorySession.__table__  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(table), rows[start:start + 10_000])
        conn.exec_driver_sql("ANALYZE")  # both databases: plan with real statistics


def timed(call: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Wall-clock p50 and p95 and CPU-time p50 of `call`, in ms, after 10 warm-up runs.

    The CPU time (this process's) is what the listing costs; the wall clock adds the
    waiting for a core when the machine is shared, which the p95 shows.
    """
    for _ in range(10):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        call()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    return statistics.median(wall), wall[int(len(wall) * 0.95) - 1], statistics.median(cpu)


def measure(store: Store, runs: int) -> list[tuple[str, float, float, float, int]]:
    """The listing cases: (label, p50 ms, p95 ms, CPU p50 ms, rows on the page)."""
    actor, owner = "user00", "user08"  # both in team0
    cases = {
        "filtered: name~'check', owner, -modified": SessionQuery(
            name="check", owner=owner, sort="-modified", limit=50),
        "unfiltered: -modified": SessionQuery(sort="-modified", limit=50),
        "one workspace, name~'login', -modified": SessionQuery(
            workspace="team0", name="login", sort="-modified", limit=50),
        "filtered, sorted by name": SessionQuery(name="check", owner=owner, sort="name",
                                                 limit=50),
    }
    out = []
    for label, query in cases.items():
        size = len(store.list_sessions(actor, query).items)
        p50, p95, cpu = timed(lambda q=query: store.list_sessions(actor, q), runs)  # type: ignore[misc]
        out.append((label, p50, p95, cpu, size))
    first = store.list_sessions(actor, SessionQuery(sort="-modified", limit=50))
    following = SessionQuery(sort="-modified", limit=50, cursor=first.next_cursor)
    p50, p95, cpu = timed(lambda: store.list_sessions(actor, following), runs)
    out.append(("second page via cursor: -modified", p50, p95, cpu, 50))
    return out


def run(label: str, engine: Engine, home: Path, sessions: int, runs: int) -> None:
    """Fill, measure and print one backend."""
    migrate(engine)
    store = Store(engine, StoreSettings(home=home))
    t0 = time.perf_counter()
    fill(store, sessions)
    print(f"\n{label}: filled {sessions} sessions in {time.perf_counter() - t0:.1f} s")
    print(f"{'case':45} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'rows':>5}")
    for case, p50, p95, cpu, size in measure(store, runs):
        print(f"{case:45} {p50:8.2f} {p95:8.2f} {cpu:8.2f} {size:5d}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark on each backend available."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        run("SQLite", make_engine(f"sqlite:///{home / 'bench.db'}"), home / "home",
            args.sessions, args.runs)
        base = os.environ.get("XRAY_SYNC_TEST_POSTGRES_URL")
        if base:
            with postgres_database(base) as url:
                run("PostgreSQL", make_engine(url), home / "pg-home", args.sessions, args.runs)
        else:
            print("\nPostgreSQL: skipped (set XRAY_SYNC_TEST_POSTGRES_URL to include it)")


if __name__ == "__main__":
    main()
