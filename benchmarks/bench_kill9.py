"""kill -9 of the daemon during a large push, again and again (not a test; prints figures).

docs/design.md section 7: "kill -9 of the daemon during a 1,000-session push, 20 times over: no
duplicate Jira entity, no lost edit, converged at the end".

The sandbox runs in its own process (`xray-sync sandbox`), the daemon in another
(`xray-sync daemon`), both over loopback HTTP; this process owns the SQLite store's
sessions and makes the local edits. Each round: rename and save some sessions (with a new
defect, so a Bug is created too), start the daemon, wait until it pushed a share of the
sessions (or until a random moment when nothing is left to create), `kill -9` it, check
that no issue exists twice. At the end one clean cycle in this process, then the counts:
one Test Execution and one Test per session, no Bug twice, every rename in Jira's
summaries, every save pushed (the link's pushed digest is the session's digest), the
outbox empty.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_kill9.py [--sessions 1000] [--kills 20]
        [--latency-ms 2] [--edits 25] [--seed 1] [--postgres URL] [--daemons 3]

With `--daemons N` (PostgreSQL) N daemons run on the store together; each round kills one
of them, chosen at random, once the cluster pushed a share more (the others keep pushing
and take its claims over once their lease runs out, `[sync] claim_lease_seconds` 3 s
here), then starts it again.

The store is SQLite in a temporary home, or with `--postgres URL` (a server's `test`
database, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) a fresh database with a
random name on that server, dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.support import PYTHON_MAIN, SandboxProcess, postgres_database
from store.api import Store
from store.sync_state import load_rows
from sync.cli.sample import make_bundle
from sync.config import Config, load_config
from sync.engine.build import build_engine
from sync.wiring import open_store
from tests.processes import stop_all  # bench_cluster.py imports it from here too


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def store_url(postgres: str | None) -> Iterator[str | None]:
    """None (SQLite in the home), or a fresh PostgreSQL database dropped at the end."""
    if not postgres:
        yield None
        return
    with postgres_database(postgres) as url:
        yield url


def daemon_env(home: Path, sandbox_url: str, database: str | None) -> dict[str, str]:
    return {
        **os.environ,
        **({"XRAY_SYNC_STORE_URL": database} if database else {}),
        "XRAY_SYNC_HOME": str(home), "XRAY_SYNC_SERVER_PORT": str(free_port()),
        "XRAY_SYNC_JIRA_URL": sandbox_url, "XRAY_SYNC_XRAY_URL": sandbox_url,
        "XRAY_SYNC_JIRA_EMAIL": "sandbox@example.com", "XRAY_SYNC_JIRA_TOKEN": "sandbox-token",
        "XRAY_SYNC_XRAY_CLIENT_ID": "sandbox", "XRAY_SYNC_XRAY_CLIENT_SECRET": "sandbox-secret",
        # a killed daemon's claims lapse within a second, so the next one starts at once
        "XRAY_SYNC_SYNC_CLAIM_LEASE_SECONDS": "1", "XRAY_SYNC_SYNC_INTERVAL": "3600",
        "XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS": "1000000",
    }


def marker(issue: dict[str, Any]) -> str | None:
    return next((lbl for lbl in issue["labels"] if lbl.startswith("xs-")), None)


def duplicates(issues: list[dict[str, Any]]) -> dict[str, int]:
    """Issues made twice: the same type and marker (a Bug: and the same summary)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for issue in issues:
        label = marker(issue)
        if label is None:
            continue
        summary = issue["summary"] if issue["type"] == "Bug" else ""
        counts[(issue["type"], label, summary)] += 1
    return {"/".join(k): n for k, n in counts.items() if n > 1}


def executions(issues: list[dict[str, Any]]) -> int:
    return sum(1 for i in issues if i["type"] == "Test Execution" and marker(i))


def edit_round(store: Store, ids: list[str], rng: random.Random, count: int,
               round_no: int, names: dict[str, str], defects: dict[str, list[str]]) -> None:
    """Rename `count` sessions and save `count` others (a new note and a new defect)."""
    for sid in rng.sample(ids, count):
        name = f"renamed r{round_no} {sid[:8]}"
        store.rename("alice", sid, name)
        names[sid] = name
    for sid in rng.sample(ids, count):
        bug = f"Bug r{round_no} {sid[:8]}"
        store.open("alice", sid)
        name = store.show("alice", sid).name
        store.save("alice", sid, io.BytesIO(make_bundle(
            name, notes=(f"saved in round {round_no}",), defect=bug)))
        store.close("alice", sid)
        defects[sid] = [bug]  # only the latest save is the session's content


def wait_until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        if check():
            return True
        pause.wait(0.3)  # each look reads every issue of the sandbox
    return False


def one_kill(env: dict[str, str], sandbox: SandboxProcess, step: int, total: int,
             rng: random.Random) -> dict[str, Any]:
    """Start the daemon, let it push `step` more executions (or run a random while), kill -9."""
    before = executions(sandbox.issues())
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", PYTHON_MAIN, "daemon"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if before >= total:  # nothing left to create: kill it somewhere in its update push
        threading.Event().wait(rng.uniform(1.5, 4.0))
    else:
        wait_until(lambda: executions(sandbox.issues()) >= min(total, before + step), 600)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    issues = sandbox.issues()
    return {"executions_before": before, "executions_after": executions(issues),
            "seconds": round(time.monotonic() - started, 1), "duplicates": duplicates(issues)}


def start_daemon(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", PYTHON_MAIN, "daemon"],
                            env={**env, "XRAY_SYNC_SERVER_PORT": str(free_port())},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_one_of(daemons: list[subprocess.Popen[bytes]], env: dict[str, str],
                sandbox: SandboxProcess, step: int, total: int,
                rng: random.Random) -> dict[str, Any]:
    """The cluster pushes `step` more executions (or runs a random while), then one daemon
    at random is killed -9 and started again."""
    before = executions(sandbox.issues())
    started = time.monotonic()
    if before >= total:
        threading.Event().wait(rng.uniform(1.5, 4.0))
    else:
        wait_until(lambda: executions(sandbox.issues()) >= min(total, before + step), 600)
    victim = rng.randrange(len(daemons))
    os.kill(daemons[victim].pid, signal.SIGKILL)
    daemons[victim].wait()
    issues = sandbox.issues()
    daemons[victim] = start_daemon(env)
    return {"killed": victim, "executions_before": before,
            "executions_after": executions(issues),
            "seconds": round(time.monotonic() - started, 1), "duplicates": duplicates(issues)}


def converge(config: Config, store: Store) -> tuple[int, int]:
    """Clean cycles in this process until the outbox is empty: (cycles, outbox left)."""
    engine = build_engine(config, store, worker="final")
    cycles = 0
    while cycles < 5 and (cycles == 0 or engine.outbox_depth() > 0):
        threading.Event().wait(1.1)  # the killed daemon's one-second claims lapse
        engine.sync(None, threading.Event())
        cycles += 1
    return cycles, engine.outbox_depth()


def verify(store: Store, sandbox: SandboxProcess, ids: list[str], names: dict[str, str],
           defects: dict[str, list[str]]) -> dict[str, Any]:
    issues = sandbox.issues()
    by_key = {i["key"]: i for i in issues}
    per_type: dict[str, Counter[str]] = {}
    for issue in issues:
        label = marker(issue)
        if label is not None:
            per_type.setdefault(issue["type"], Counter())[label] += 1
    rows = load_rows(store.engine, ids)
    lost_renames = [sid for sid, name in names.items()
                    if by_key.get(str(rows[sid].test_execution), {}).get("summary") != name]
    unpushed = [sid for sid in ids if rows[sid].pushed_digest != rows[sid].digest
                or rows[sid].state != "synced"]
    bug_summaries = {(marker(i), i["summary"]) for i in issues if i["type"] == "Bug"}
    lost_bugs = [bug for sid, bugs in defects.items() for bug in bugs
                 if not any(summary == bug for _, summary in bug_summaries)]
    return {
        "test_executions": sum(per_type.get("Test Execution", Counter()).values()),
        "sessions_with_one_execution": sum(
            1 for n in per_type.get("Test Execution", Counter()).values() if n == 1),
        "sessions_with_one_test": sum(1 for n in per_type.get("Test", Counter()).values()
                                      if n == 1),
        "bugs": sum(per_type.get("Bug", Counter()).values()),
        "duplicates": duplicates(issues),
        "renames": len(names), "renames_missing_in_jira": len(lost_renames),
        "saved_sessions": len(defects), "defects_expected": sum(map(len, defects.values())),
        "defects_missing_in_jira": len(lost_bugs),
        "sessions_not_synced_or_content_not_pushed": len(unpushed),
    }


def run(sessions: int, kills: int, latency_ms: float, edits: int, seed: int,
        postgres: str | None, daemons: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    sandbox = SandboxProcess(latency_ms=latency_ms)
    try:
        with tempfile.TemporaryDirectory() as tmp, store_url(postgres) as database:
            env = daemon_env(Path(tmp), sandbox.url, database)
            if daemons > 1:  # the others take a killed daemon's claims over after this
                env["XRAY_SYNC_SYNC_CLAIM_LEASE_SECONDS"] = "3"
                env["XRAY_SYNC_SYNC_INTERVAL"] = "2"
            config = load_config(None, env)
            store = open_store(config)
            store.add_user("alice", admin=True)
            ids = [store.import_session("alice", "alice", io.BytesIO(make_bundle(f"K{i}")),
                                        mode="xray", project="QA").id for i in range(sessions)]
            names: dict[str, str] = {}
            defects: dict[str, list[str]] = {}
            rounds = []
            step = max(1, sessions // (kills + kills // 2))  # most kills land mid-create
            started = time.monotonic()
            cluster = [start_daemon(env) for _ in range(daemons)] if daemons > 1 else []
            try:
                for round_no in range(kills):
                    edit_round(store, ids, rng, edits, round_no, names, defects)
                    rounds.append(kill_one_of(cluster, env, sandbox, step, sessions, rng)
                                  if cluster else one_kill(env, sandbox, step, sessions, rng))
                    print(json.dumps({"kill": round_no + 1, **rounds[-1]}), flush=True)
            finally:
                stop_all(cluster)
            cycles, outbox = converge(config, store)
            result = verify(store, sandbox, ids, names, defects)
            store.engine.dispose()
        return {"store": "postgresql" if postgres else "sqlite", "daemons": daemons,
                "sessions": sessions, "kills": kills, "latency_ms": latency_ms,
                "edits_per_round": edits, "final_cycles": cycles, "outbox_left": outbox,
                "duplicates_seen_after_any_kill": sum(len(r["duplicates"]) for r in rounds),
                "wall_seconds": round(time.monotonic() - started, 1),
                "requests": sandbox.total(), **result}
    finally:
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    parser.add_argument("--edits", type=int, default=25,
                        help="sessions renamed, and others saved, before each start")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="run on a fresh database of this PostgreSQL server")
    parser.add_argument("--daemons", type=int, default=1,
                        help="daemons running together (PostgreSQL); each round kills one")
    args = parser.parse_args()
    if args.daemons > 1 and not args.postgres:
        parser.error("--daemons above 1 needs --postgres (SQLite serves one process)")
    print(json.dumps(run(args.sessions, args.kills, args.latency_ms, args.edits, args.seed,
                         args.postgres, args.daemons), indent=2))


if __name__ == "__main__":
    main()
