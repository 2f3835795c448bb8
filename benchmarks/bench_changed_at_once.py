"""N sessions changed at once (default 100): the Xray requests one sync cycle spends per
updated session (not a test; prints figures).

The sandbox (Xray Cloud, in this process, loopback) holds N sessions already pushed; each is
then saved again with a new note, a new status (unless `--same-status`) and, with
`--defects`, a new defect, and one
`sync` cycle pushes them all. Read from the sandbox's request log: Xray's requests (the API
under `/api/v2/`, less `authenticate`) and Jira's (`/rest/api/`, less the pull's searches),
per updated session, with the cycle's wall time.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_changed_at_once.py [--sessions N]
        [--defects] [--same-status] [--rounds R]
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.bench_sync import cycle, import_sessions, make_config
from sandbox.server import RunningSandbox, start_sandbox
from store.api import Store
from sync.cli.sample import make_bundle
from sync.engine.build import build_engine
from sync.wiring import open_store


def by_service(sandbox: RunningSandbox) -> Counter[str]:
    """The requests answered since the last call, by service (and the log reset)."""
    counts: Counter[str] = Counter()
    with sandbox.state.lock:
        for endpoint, n in sandbox.state.log.per_endpoint.items():
            path = endpoint.split(" ", 1)[1]
            if path.endswith("/authenticate"):
                counts["xray authenticate"] += n
            elif path.startswith("/api/"):
                counts["xray"] += n
            elif "/search" in path:
                counts["jira search"] += n
            elif path.startswith("/rest/api/"):
                counts["jira"] += n
        sandbox.state.log.per_endpoint.clear()
    return counts


def change_all(store: Store, ids: list[str], round_no: int, defects: bool,
               status: bool) -> None:
    """Every session saved again: a new note, a new status unless `status` is False, and a
    new defect if asked."""
    for n, sid in enumerate(ids):
        store.open("alice", sid)
        name = store.show("alice", sid).name
        store.save("alice", sid, io.BytesIO(make_bundle(
            name, status="FAILED" if status and round_no % 2 else "PASSED",
            notes=(f"changed in round {round_no}",),
            defect=f"Bug {n} round {round_no}" if defects else None)))
        store.close("alice", sid)


def run(sessions: int, defects: bool, rounds: int, status: bool) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp, start_sandbox("cloud") as sandbox:
        config = make_config(Path(tmp), sandbox.url, "cloud", 4)
        store = open_store(config)
        store.add_user("alice", admin=True)
        engine = build_engine(config, store)
        ids = import_sessions(store, sessions, "Batch")
        first = cycle(engine)
        assert first.errors == 0, first.error_messages
        cycle(engine)  # settle: the first push's echoes are pulled
        out = []
        for round_no in range(1, rounds + 1):
            change_all(store, ids, round_no, defects, status)
            by_service(sandbox)
            started = time.monotonic()
            summary = cycle(engine)
            elapsed = time.monotonic() - started
            counts = by_service(sandbox)
            assert summary.errors == 0, summary.error_messages
            out.append({"round": round_no, "sessions_updated": summary.pushed,
                        "xray_requests": counts["xray"],
                        "xray_per_updated_session": round(counts["xray"] / sessions, 3),
                        "jira_requests": counts["jira"], "jira_searches": counts["jira search"],
                        "xray_authenticate": counts["xray authenticate"],
                        "seconds": round(elapsed, 2)})
            cycle(engine)  # settle before the next round
        store.engine.dispose()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--defects", action="store_true",
                        help="each change adds a new defect too (one Jira bulk create each)")
    parser.add_argument("--same-status", action="store_true",
                        help="keep each run's status (a new note only)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(run(args.sessions, args.defects, args.rounds, not args.same_status),
                     indent=2))


if __name__ == "__main__":
    main()
