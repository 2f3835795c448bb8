"""Unauthenticated load on the daemon (not a test; prints figures).

docs/running-as-a-service.md: 10 parallel unauthenticated 300 MB bodies, sent to a JSON
route (`POST /api/v1/sync`) and to the upload route (`POST /api/v1/workspaces/W/sessions`),
must not grow the daemon: each is refused (401) before more than a small bounded part of
it is read. The daemon (`xray-sync daemon`, its store in a temporary home, the sandbox as
its Jira) runs in its own process; its RSS is read from /proc (VmRSS before, VmHWM after).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_unauthenticated.py [--size-mb 300] [--clients 10]
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_kill9 import daemon_env
from benchmarks.bench_memory import status_kib
from benchmarks.support import SandboxProcess, daemon_process
from sync.config import load_config
from sync.wiring import open_store

MiB = 1 << 20
CHUNK = b"\0" * MiB


def send_body(port: int, path: str, size: int, content_type: str) -> dict[str, Any]:
    """Declare and send `size` bytes with no token; how many went out before the answer."""
    sent = 0
    status = ""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {size}\r\n\r\n")
        conn.sendall(head.encode())
        try:
            while sent < size:
                conn.sendall(CHUNK[: min(MiB, size - sent)])
                sent += min(MiB, size - sent)
        except OSError:  # the daemon answered and closed: the rest is not wanted
            pass
        try:
            status = conn.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as exc:
            status = f"closed ({type(exc).__name__})"
    return {"sent_mb": round(sent / MiB, 1), "status": status}


def storm(port: int, path: str, content_type: str, clients: int, size: int) -> list[Any]:
    results: list[Any] = [None] * clients

    def one(i: int) -> None:
        results[i] = send_body(port, path, size, content_type)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    sandbox = SandboxProcess()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = daemon_env(Path(tmp), sandbox.url, None)
            store = open_store(load_config(None, env))
            store.add_user("alice", admin=True)
            store.engine.dispose()
            port = int(env["XRAY_SYNC_SERVER_PORT"])
            with daemon_process(env) as proc:
                before = status_kib("VmRSS", proc.pid) / 1024
                size = args.size_mb * MiB
                started = time.perf_counter()
                runs = {
                    "json_route": storm(port, "/api/v1/sync", "application/json",
                                        args.clients, size),
                    "upload_route": storm(port, "/api/v1/workspaces/alice/sessions",
                                          "multipart/form-data; boundary=x", args.clients, size),
                }
                seconds = time.perf_counter() - started
                peak = status_kib("VmHWM", proc.pid) / 1024
                after = status_kib("VmRSS", proc.pid) / 1024
    finally:
        sandbox.stop()
    print(json.dumps({
        "clients": args.clients, "body_mb": args.size_mb,
        "rss_before_mb": round(before, 1), "rss_peak_mb": round(peak, 1),
        "rss_after_mb": round(after, 1), "seconds": round(seconds, 1),
        "statuses": sorted({r["status"] for rs in runs.values() for r in rs}),
        "max_sent_mb": max(r["sent_mb"] for rs in runs.values() for r in rs),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
