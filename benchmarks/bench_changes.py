"""Change-feed benchmark: the stamp the console polls, over 100,000 linked sessions (not a
test; prints figures).

Fills a fresh store with the listing benchmark's 100,000 sessions (`bench_list.fill`) and
gives every one of them a Jira link (bulk insert: keys, a `last_synced` spread over a year,
one link in 50 in error) and an audit row (its import), then times `Store.change_stamp`
(what `GET /api/v1/changes` calls, one read transaction) 200 times after 10 warm-up runs:
p50, p95 and CPU p50.  Also times one link write of the sync (`record_synced`), which the
stamp must follow, alone and from 8 threads at once (link writes per second).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_changes.py [--sessions N] [--runs N] \
        [--postgres URL]

SQLite always; PostgreSQL too when `--postgres` (or XRAY_SYNC_TEST_POSTGRES_URL) names a
server (a fresh database `xs_bench_<random>` is created next to it and dropped at the end).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select

from benchmarks.bench_list import START, fill, timed
from benchmarks.support import postgres_database
from store.api import Store, StoreSettings
from store.columns import utc_now
from store.db import make_engine, migrate
from store.models import AuditEntry, ExploratorySession, JiraLink, LinkState
from store.sync_state import LinkBase, record_synced

SESSIONS = ExploratorySession.__table__  # type: ignore[attr-defined]  # SQLModel sets it
LINKS = JiraLink.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
BATCH = 10_000
ERROR_EVERY = 50


def link_all(store: Store) -> int:
    """A Jira link and an `import` audit row for every session in the store, bulk
    inserted; returns how many."""
    with store.engine.connect() as conn:
        ids = [str(i) for i in conn.execute(select(SESSIONS.c.id).order_by(SESSIONS.c.id))
               .scalars()]
    base = LinkBase(summary="bench", status="To Do").to_json()
    rows, journal = [], []
    for n, sid in enumerate(ids):
        journal.append({"actor": "user00", "operation": "import", "session_id": sid,
                        "detail": "{}", "at": START + timedelta(seconds=n)})
        failed = n % ERROR_EVERY == 0
        rows.append({
            "session_id": sid, "project": "QA", "test": f"QA-{2 * n + 1}",
            "test_execution": f"QA-{2 * n + 2}", "test_run": str(n),
            "state": LinkState.ERROR.value if failed else LinkState.SYNCED.value,
            "error": "Jira answered 503 Service Unavailable" if failed else None,
            "last_synced": START + timedelta(seconds=n * 300), "remote_fields": base,
            "pushed_digest": "0" * 64, "remote_hash": "0" * 64,
        })
    with store.engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(LINKS), rows[start:start + BATCH])
            conn.execute(insert(AUDIT), journal[start:start + BATCH])
        conn.exec_driver_sql("ANALYZE")
    return len(ids)


def measure(store: Store, runs: int) -> list[tuple[str, float, float, float]]:
    """The cases: (label, p50 ms, p95 ms, CPU p50 ms)."""
    out = [("Store.change_stamp()", *timed(store.change_stamp, runs))]
    with store.engine.connect() as conn:
        sid = str(conn.execute(select(LINKS.c.session_id).limit(1)).scalar_one())
    base = LinkBase(summary="bench", status="To Do")

    def push_recorded() -> None:
        record_synced(store.engine, sid, base=base, digest="0" * 64, remote_hash="0" * 64,
                      now=utc_now())

    before = store.change_stamp()
    push_recorded()
    assert store.change_stamp() != before, "a recorded push must move the stamp"
    out.append(("record_synced() (one link write)", *timed(push_recorded, runs)))
    return out


def concurrent_writes(store: Store, threads: int = 8, each: int = 50) -> float:
    """Link writes per second of `threads` workers each recording `each` pushes on its own
    links (on PostgreSQL they meet on the change counter's row)."""
    with store.engine.connect() as conn:
        ids = [str(i) for i in conn.execute(select(LINKS.c.session_id).limit(threads * each))
               .scalars()]
    base = LinkBase(summary="bench", status="To Do")

    def worker(mine: list[str]) -> None:
        for sid in mine:
            record_synced(store.engine, sid, base=base, digest="0" * 64, remote_hash="0" * 64,
                          now=utc_now())

    workers = [threading.Thread(target=worker, args=(ids[n::threads],)) for n in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(ids) / (time.perf_counter() - t0)


def run(label: str, engine: Engine, home: Path, sessions: int, runs: int) -> None:
    """Fill, measure and print one backend."""
    migrate(engine)
    store = Store(engine, StoreSettings(home=home))
    t0 = time.perf_counter()
    fill(store, sessions)
    linked = link_all(store)
    print(f"\n{label}: filled {sessions} sessions, {linked} linked, in "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"{'case':36} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8}")
    for case, p50, p95, cpu in measure(store, runs):
        print(f"{case:36} {p50:8.2f} {p95:8.2f} {cpu:8.2f}")
    print(f"record_synced() from 8 threads: {concurrent_writes(store):.0f} link writes/s")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark on each backend available."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("XRAY_SYNC_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL (a fresh database is made next to it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        run("SQLite", make_engine(f"sqlite:///{home / 'bench.db'}"), home / "home",
            args.sessions, args.runs)
        if args.postgres:
            with postgres_database(args.postgres) as url:
                run("PostgreSQL", make_engine(url), home / "pg-home", args.sessions, args.runs)
        else:
            print("\nPostgreSQL: skipped (pass --postgres URL to include it)")


if __name__ == "__main__":
    main()
