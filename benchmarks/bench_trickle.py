"""Trickling clients against the daemon (not a test; prints figures).

docs/running-as-a-service.md: 1,000 connections that each send their request head one
byte a second (a slowloris) must not starve the daemon: `/healthz` keeps answering, and
each trickler is cut after `[server] head_timeout_seconds`. The daemon runs in its own
process (`xray-sync daemon`, a temporary home, the sandbox as its Jira); new tricklers
replace the cut ones, so about `--connections` stay open all along.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_trickle.py [--connections 1000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks.bench_kill9 import daemon_env
from benchmarks.support import SandboxProcess, daemon_process
from sync.api.serving import raise_file_limit

HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def trickle(port: int, connections: int, stop: threading.Event, cut: list[int]) -> None:
    """Keep `connections` sockets open, each sending one byte of a never-ending head a second."""
    open_: list[tuple[socket.socket, int]] = []
    while not stop.is_set():
        while len(open_) < connections and not stop.is_set():
            try:
                open_.append((socket.create_connection(("127.0.0.1", port), timeout=5), 0))
            except OSError:
                break
        kept = []
        for conn, sent in open_:
            try:
                conn.sendall(HEAD[sent:sent + 1] if sent < len(HEAD) else b"x")
                kept.append((conn, sent + 1))
            except OSError:  # the daemon cut it
                conn.close()
                cut[0] += 1
        open_ = kept
        stop.wait(1.0)
    for conn, _ in open_:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    raise_file_limit()
    sandbox = SandboxProcess()
    latencies: list[float] = []
    failures = 0
    cut = [0]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = daemon_env(Path(tmp), sandbox.url, None)
            port = int(env["XRAY_SYNC_SERVER_PORT"])
            with daemon_process(env):
                stop = threading.Event()
                thread = threading.Thread(target=trickle, args=(port, args.connections, stop, cut))
                thread.start()
                time.sleep(3)  # the tricklers are in
                deadline = time.monotonic() + args.seconds
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    try:
                        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                        latencies.append((time.perf_counter() - started) * 1000)
                    except httpx.HTTPError:
                        failures += 1
                    time.sleep(0.05)
                stop.set()
                thread.join()
    finally:
        sandbox.stop()
    latencies.sort()
    print(json.dumps({
        "connections": args.connections, "seconds": args.seconds,
        "healthz_requests": len(latencies), "healthz_failures": failures,
        "healthz_p50_ms": round(statistics.median(latencies), 1),
        "healthz_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "tricklers_cut": cut[0],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
