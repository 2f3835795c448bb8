"""First pushes and updates of many sessions under Xray's enforced window, with one daemon
or three on one PostgreSQL store (not a test; prints figures).

The sandbox (its own process, loopback) enforces Xray Cloud's window per API key at the
real Standard (300 requests per 5 min) or Enterprise (1,000 per 5 min) count, in a window
shortened by `--scale` so that a run takes minutes, refusing with a bare 429 (no
Retry-After, no X-RateLimit-*: XRAYCLOUD-1399). D `xray-sync daemon` processes are told
that same window (`XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS` / `_WINDOW`) and share it through
the store. Jira is not limited.

The daemons run with a long interval, so they wait while this process writes (1,000
imports or saves take 13-63 s here, as long as a scaled window: the benchmark's own
writes would bind), then each is asked to sync at once (`POST /api/v1/sync`, an admin's
forced sync, as when its interval comes round). Phase 1 (first pushes): N sessions
imported (mode xray), then timed from the request to an empty outbox. The benchmark
waits until a window has passed since phase 1 ended, so that phase 2 starts on an empty
window as phase 1 did. Phase 2 (updates): every session saved once more (a new note,
status FAILED, the same screenshot), then timed the same way.

Per phase: Xray's requests (the sandbox's `/api/` endpoints, `authenticate` included and
also given apart), Xray requests per session, 429s, Jira's requests, wall time, and the
window's ideal: a client limited by nothing but the window may send `count` requests at
once and `count` more each time the window reopens, so R requests end no earlier than
(ceil(R / count) - 1) x window seconds; ratio = ideal / wall time. Sessions per hour at
the real limit = ratio x (count per 5 min, per hour) / (Xray requests per session). In
all: the same over both phases (the sum of their ideals over the sum of their wall
times). A phase whose requests fit in one window is not bound by it (ideal 0, ratio
null): its pace is the machine's, and in all its seconds count against the ratio.
`--plan none` lifts the window, to see the machine's own pace. Also printed: Xray's
requests by each second of a phase, the machine's CPU busy share (all cores, from
/proc/stat), the CPU seconds of the daemons, the sandbox, PostgreSQL (all its processes:
other clients' too) and this process, and the load average.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_xray_limits.py --postgres URL
        [--plan standard|enterprise|none] [--daemons 1] [--sessions 1000] [--scale 10]

URL names a server's database (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test);
each run uses a fresh database with a random name there, dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_cluster import env_for
from benchmarks.bench_kill9 import free_port
from benchmarks.support import PYTHON_MAIN, SandboxProcess, postgres_database
from store.api import Store
from sync.cli.sample import make_bundle
from sync.config import load_config
from sync.wiring import open_store
from tests.processes import stop_all

REAL_WINDOW_SECONDS = 300.0
PLANS = {"standard": 300, "enterprise": 1000, "none": 1_000_000}  # Xray requests per 5 min
DEFAULT_SCALE = {"standard": 10.0, "enterprise": 3.0, "none": 1.0}
AUTHENTICATE = "POST /api/v2/authenticate"


@dataclass(frozen=True)
class Window:
    """Xray's window: `count` requests in any `seconds`, enforced by the sandbox or not
    (`--plan none`: the daemons are told a count too large to bind, the sandbox none)."""

    count: int
    seconds: float
    enforced: bool


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (all their threads)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(stat[11]) + int(stat[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


def sandbox_log(sandbox: SandboxProcess) -> dict[str, Any]:
    log: dict[str, Any] = httpx.get(f"{sandbox.url}/_sandbox/log", timeout=30).json()
    return log


def counts(log: dict[str, Any]) -> dict[str, int]:
    per = log["per_endpoint"]
    return {"xray": sum(n for k, n in per.items() if " /api/" in k),
            "authenticate": per.get(AUTHENTICATE, 0),
            "jira": sum(n for k, n in per.items() if " /api/" not in k),
            "http_429": int(log["statuses"].get("429", 0))}


def start_daemons(env: dict[str, str], count: int) -> tuple[list[subprocess.Popen[bytes]],
                                                            list[str]]:
    """`count` daemons and their base URLs, returned once each one's /healthz answers."""
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(count)]
    procs = [subprocess.Popen([sys.executable, "-c", PYTHON_MAIN, "daemon"],
                              env={**env, "XRAY_SYNC_SERVER_PORT": url.rsplit(":", 1)[1]},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for url in urls]
    for url in urls:
        for _ in range(600):
            try:
                httpx.get(f"{url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
    return procs, urls


def ask_to_sync(urls: list[str], token: str) -> None:
    """Every daemon starts a cycle now, as when its interval comes round (an admin's
    forced on-demand sync: no per-user budget)."""
    for url in urls:
        answer = httpx.post(f"{url}/api/v1/sync", json={"force": True}, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes (its backends serve every client, others' too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class Phase:
    """Measures one phase from `start()` to `stop()`: wall time, the sandbox's requests,
    the machine's CPU and that of the daemons (`pids`), the sandbox, PostgreSQL and this
    process."""

    def __init__(self, sandbox: SandboxProcess, pids: list[int]) -> None:
        self.sandbox = sandbox
        self.pids = pids

    def start(self) -> None:
        self.load = os.getloadavg()[0]
        self.counts = counts(sandbox_log(self.sandbox))
        self.ticks = cpu_ticks()
        self.cpu = self.cpu_now()
        self.timeline: list[int] = []  # Xray requests sent by each whole second
        self.started = time.monotonic()

    def cpu_now(self) -> dict[str, float]:
        return {"daemons": cpu_seconds(self.pids),
                "sandbox": cpu_seconds([self.sandbox.proc.pid]),
                "postgres": cpu_seconds(postgres_pids()),
                "benchmark": cpu_seconds([os.getpid()])}

    def stop(self, sessions: int, window: Window) -> dict[str, Any]:
        elapsed = time.monotonic() - self.started
        busy, total = (a - b for a, b in zip(cpu_ticks(), self.ticks, strict=True))
        cpu = {k: round(v - self.cpu.get(k, 0.0), 1) for k, v in self.cpu_now().items()}
        after = counts(sandbox_log(self.sandbox))
        spent = {k: after[k] - self.counts[k] for k in after}
        ideal = max(0, math.ceil(spent["xray"] / window.count) - 1) * window.seconds
        bound = window.enforced and ideal > 0
        return {**spent, "xray_per_session": round(spent["xray"] / sessions, 3),
                "seconds": round(elapsed, 1), "ideal_seconds": ideal if window.enforced else None,
                **rates(ideal, elapsed, spent["xray"], sessions, window, bound),
                "sessions_per_second": round(sessions / elapsed, 2),
                "cpu_busy_share": round(busy / total, 2), "cpu_seconds": cpu,
                "load_average_1min": [round(self.load, 2), round(os.getloadavg()[0], 2)],
                "xray_by_second": self.timeline}


def wait_for_empty_outbox(store: Store, phase: Phase) -> None:
    """Poll the outbox (every 0.2 s) and, each second, note Xray's requests so far."""
    while store.gauges().outbox_depth > 0:
        if time.monotonic() - phase.started >= len(phase.timeline):
            phase.timeline.append(counts(sandbox_log(phase.sandbox))["xray"]
                                  - phase.counts["xray"])
        threading.Event().wait(0.2)


def import_sessions(store: Store, sessions: int) -> list[str]:
    """Import `sessions` new sessions (mode xray): each waits for its first push."""
    return [store.import_session("alice", "alice", io.BytesIO(make_bundle(f"L{i}")),
                                 mode="xray", project="QA").id for i in range(sessions)]


def save_each(store: Store, ids: list[str]) -> None:
    """Save every session once more (a new note, FAILED, the same screenshot): each waits
    for an update push, one run import."""
    for i, sid in enumerate(ids):
        store.open("alice", sid)
        store.save("alice", sid, io.BytesIO(make_bundle(
            f"L{i}", notes=("Looked around", "Looked again"), status="FAILED")))
        store.close("alice", sid)


def push_phase(store: Store, sandbox: SandboxProcess, daemons: tuple[list[int], list[str]],
               token: str, sessions: int, window: Window) -> dict[str, Any]:
    """Ask the idle daemons to sync the work waiting in the outbox; measured from then
    to an empty outbox."""
    phase = Phase(sandbox, daemons[0])
    phase.start()
    ask_to_sync(daemons[1], token)
    wait_for_empty_outbox(store, phase)
    return phase.stop(sessions, window)


def rates(ideal: float, elapsed: float, xray: int, sessions: int, window: Window,
          bound: bool) -> dict[str, Any]:
    """The ratio to the window's ideal and the sessions per hour it gives at the real limit
    (both null when the window did not bind: nothing to compare with)."""
    if not bound:
        return {"window_bound": False, "ratio": None, "sessions_per_hour_at_real_limit": None}
    ratio = ideal / elapsed
    real_rate = window.count * 3600 / REAL_WINDOW_SECONDS
    return {"window_bound": True, "ratio": round(ratio, 3),
            "sessions_per_hour_at_real_limit": round(ratio * real_rate / (xray / sessions))}


def in_all(phases: list[dict[str, Any]], sessions: int, window: Window) -> dict[str, Any]:
    """Both phases: each started on an empty window, so the ideal is the sum of theirs (a
    phase that fits in one window adds none, and all its seconds count against the ratio)."""
    xray = sum(p["xray"] for p in phases)
    seconds = sum(p["seconds"] for p in phases)
    ideal = sum(p["ideal_seconds"] or 0.0 for p in phases)
    return {"xray": xray, "http_429": sum(p["http_429"] for p in phases),
            "xray_per_session": round(xray / sessions, 3), "seconds": round(seconds, 1),
            "ideal_seconds": ideal if window.enforced else None,
            **rates(ideal, seconds, xray, sessions, window, window.enforced and ideal > 0)}


def run(postgres: str, plan: str, daemons: int, sessions: int, scale: float) -> dict[str, Any]:
    window = Window(PLANS[plan], REAL_WINDOW_SECONDS / scale, plan != "none")
    sandbox = SandboxProcess(xray_window=(window.count, window.seconds) if window.enforced
                             else None)
    try:
        with tempfile.TemporaryDirectory() as tmp, postgres_database(postgres) as database:
            env = env_for(Path(tmp), sandbox.url, database, XRAY_SYNC_SYNC_INTERVAL="3600",
                          XRAY_SYNC_SYNC_RATE_LIMIT_REQUESTS=str(window.count),
                          XRAY_SYNC_SYNC_RATE_LIMIT_WINDOW=str(window.seconds))
            store = open_store(load_config(None, env))
            store.add_user("alice", admin=True)
            token = store.issue_token("alice")
            procs, urls = start_daemons(env, daemons)
            cluster = ([p.pid for p in procs], urls)
            try:
                threading.Event().wait(3.0)  # their first cycles (nothing to do) are over
                prepared = time.monotonic()
                ids = import_sessions(store, sessions)
                imported = time.monotonic() - prepared
                first = {**push_phase(store, sandbox, cluster, token, sessions, window),
                         "import_seconds": round(imported, 1)}
                ended = time.monotonic()
                save_each(store, ids)
                saved = time.monotonic() - ended
                if window.enforced:  # phase 2 starts on an empty window, as phase 1 did
                    threading.Event().wait(max(0.0, window.seconds + 1.0 - saved))
                update = {**push_phase(store, sandbox, cluster, token, sessions, window),
                          "save_seconds": round(saved, 1)}
            finally:
                stop_all(procs)
            store.engine.dispose()
    finally:
        sandbox.stop()
    return {"plan": plan, "window": f"{window.count} per {window.seconds:g} s",
            "daemons": daemons, "sessions": sessions, "first_push": first, "update": update,
            "in_all": in_all([first, update], sessions, window)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True)
    parser.add_argument("--plan", choices=tuple(PLANS), default="standard")
    parser.add_argument("--daemons", type=int, default=1)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=None,
                        help="the 5-minute window divided by this (default: standard 10, "
                             "enterprise 3)")
    args = parser.parse_args()
    scale = args.scale or DEFAULT_SCALE[args.plan]
    print(json.dumps(run(args.postgres, args.plan, args.daemons, args.sessions, scale),
                     indent=2), flush=True)


if __name__ == "__main__":
    main()
