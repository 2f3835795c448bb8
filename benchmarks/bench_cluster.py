"""Three daemons on one PostgreSQL store (not a test; prints figures).

1. `window`: the sandbox (in this process, loopback) enforces Xray Cloud's window scaled to
   30 requests per 10 s, refusing with a bare 429 (no Retry-After, as Xray's tracker says it
   may: XRAYCLOUD-1399). Three `xray-sync daemon` processes, told that window, push N new
   sessions together. Reported: Xray requests, 429s, the wall time from the first import
   to an empty outbox, and the ratio to the window's ideal: a cluster that never waits but
   for the window to reopen needs (ceil(requests / 30) - 1) x 10 s; ratio = ideal / wall
   time. The same ratio holds at the real limits (300 or 1,000 per 5 min): sessions per hour
   = ratio x window rate / Xray requests per session.
2. `quiet`: L linked sessions (default 10,000) already synced, nothing changing; the
   sandbox's requests per interval over K intervals, with one daemon and with three.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_cluster.py --postgres URL
        [--sessions 150] [--linked 10000] [--intervals 4] [--interval 5]

URL names a server's database (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test); each
part runs on a fresh database with a random name there, dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_kill9 import free_port, stop_all
from benchmarks.bench_sync import ShiftedClock, fill_linked
from benchmarks.support import PYTHON_MAIN, postgres_database
from sandbox.options import RateLimit, SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.wiring import open_store

WINDOW = RateLimit(30, 10.0, retry_after=False, headers=False)


def env_for(home: Path, sandbox_url: str, database: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "XRAY_SYNC_HOME": str(home), "XRAY_SYNC_STORE_URL": database,
            "XRAY_SYNC_JIRA_URL": sandbox_url, "XRAY_SYNC_XRAY_URL": sandbox_url,
            "XRAY_SYNC_JIRA_EMAIL": "sandbox@example.com",
            "XRAY_SYNC_JIRA_TOKEN": "sandbox-token", "XRAY_SYNC_XRAY_CLIENT_ID": "sandbox",
            "XRAY_SYNC_XRAY_CLIENT_SECRET": "sandbox-secret", **extra}


def start(env: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", PYTHON_MAIN, "daemon"],
                             env={**env, "XRAY_SYNC_SERVER_PORT": str(free_port())},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]


def xray_requests(sandbox: RunningSandbox) -> int:
    with sandbox.state.lock:
        return sum(n for k, n in sandbox.state.log.per_endpoint.items() if " /api/" in k)


def window(postgres: str, sessions: int) -> dict[str, Any]:
    options = SandboxOptions(xray_rate_limit=WINDOW)
    with tempfile.TemporaryDirectory() as tmp, postgres_database(postgres) as database, \
            start_sandbox("cloud", options=options) as sandbox:
        env = env_for(Path(tmp), sandbox.url, database, XRAY_SYNC_SYNC_INTERVAL="1",
                      XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS=str(WINDOW.requests),
                      XRAY_SYNC_SYNC_RATE_LIMIT_WINDOW=str(int(WINDOW.window_seconds)))
        store = open_store(load_config(None, env))
        store.add_user("alice", admin=True)
        daemons = start(env, 3)
        try:
            threading.Event().wait(5.0)  # the daemons are up and idle
            started = time.monotonic()
            for i in range(sessions):
                store.import_session("alice", "alice", io.BytesIO(make_bundle(f"W{i}")),
                                     mode="xray", project="QA")
            while store.gauges().outbox_depth > 0:
                threading.Event().wait(0.2)
            elapsed = time.monotonic() - started
        finally:
            stop_all(daemons)
        xray = xray_requests(sandbox)
        with sandbox.state.lock:
            refused = sandbox.state.log.statuses[429]
        store.engine.dispose()
    ideal = (math.ceil(xray / WINDOW.requests) - 1) * WINDOW.window_seconds
    return {"daemons": 3, "sessions": sessions, "xray_requests": xray,
            "xray_per_session": round(xray / sessions, 2), "http_429": refused,
            "seconds": round(elapsed, 1), "ideal_seconds": ideal,
            "ratio_to_ideal": round(ideal / elapsed, 3)}


def quiet(postgres: str, linked: int, daemons: int, intervals: int,
          interval: int) -> dict[str, Any]:
    clock = ShiftedClock()
    with tempfile.TemporaryDirectory() as tmp, postgres_database(postgres) as database, \
            start_sandbox("cloud", options=SandboxOptions(clock=clock)) as sandbox:
        env = env_for(Path(tmp), sandbox.url, database, XRAY_SYNC_SYNC_INTERVAL=str(interval),
                      XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS="1000000")
        store = open_store(load_config(None, env))
        fill_linked(store, sandbox, linked)
        clock.offset = 0.0
        procs = start(env, daemons)
        try:
            threading.Event().wait(interval + 5.0)  # started, first cycles made
            with sandbox.state.lock:
                before = sandbox.state.log.total
            threading.Event().wait(intervals * interval)
            with sandbox.state.lock:
                after = sandbox.state.log.total
                searches = sum(n for k, n in sandbox.state.log.per_endpoint.items()
                               if "/search" in k)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            stop_all(procs)
        store.engine.dispose()
    return {"daemons": daemons, "linked": linked, "interval_seconds": interval,
            "intervals": intervals, "requests": after - before,
            "requests_per_interval": round((after - before) / intervals, 2),
            "searches_in_all": searches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True)
    parser.add_argument("--sessions", type=int, default=150)
    parser.add_argument("--linked", type=int, default=10_000)
    parser.add_argument("--intervals", type=int, default=4)
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--only", choices=("window", "quiet"), default=None)
    args = parser.parse_args()
    if args.only in (None, "window"):
        print(json.dumps(window(args.postgres, args.sessions)), flush=True)
    if args.only in (None, "quiet"):
        for count in (1, 3):
            print(json.dumps(quiet(args.postgres, args.linked, count, args.intervals,
                                   args.interval)), flush=True)


if __name__ == "__main__":
    main()
