"""Xray Cloud's window answering 429 without Retry-After (not a test; prints figures).

The sandbox (in this process, loopback) plays Xray Cloud's window at ten times Standard's
pace, 300 requests per 30 s, refusing with a bare 429 (no Retry-After, no X-RateLimit-*),
as Xray's own tracker says it may (XRAYCLOUD-1399). Jira is not limited. The connector
pushes SESSIONS sessions from THREADS threads (the sync's default concurrency): a first
push, then two updates (a status, then evidence), 4 Xray requests per session
(createTest, three imports) plus one authenticate, so the push spans two windows.

Two clients: one told the real window (300 per 30 s), and one told a looser count
(1,000 per 30 s: an Enterprise limit configured on a Standard site, or another client
spending the same API key) that only the 429s can stop. Reported: Xray requests, requests
refused for a closed window (in all, and the most in one window), whether every session
was pushed, the wall time, and the window's ideal: a client that never waits except for
the window to reopen finishes no earlier than (windows needed - 1) x 30 s.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_xray_window.py [--sessions N]
"""

from __future__ import annotations

import argparse
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connector import (
    ConnectorSettings,
    Evidence,
    RateLimit,
    RunStatus,
    SessionPush,
    SessionPusher,
    TestSpec,
    make_backend,
)
from sandbox.options import RateLimit as SandboxRateLimit
from sandbox.options import SandboxOptions
from sandbox.server import start_sandbox

WINDOW = 30.0
LIMIT = 300
THREADS = 4


def one_session(pusher: SessionPusher, n: int) -> bool:
    sid = f"w{n}"
    first = SessionPush(sid, "QA", f"Session {n}", RunStatus.EXECUTING,
                        test=TestSpec(sid, "QA", f"Charter {n}", "Explore"))
    pushed = pusher.push(first)
    pusher.push(SessionPush(sid, "QA", f"Session {n}", RunStatus.FAILED, comment="found one"),
                pushed)
    evidence = (Evidence("shot.png", "image/png", b"p" * 512),)
    pusher.push(SessionPush(sid, "QA", f"Session {n}", RunStatus.FAILED,
                            new_evidence=evidence), pushed)
    return True


def run(sessions: int, client_requests: int) -> dict[str, Any]:
    window = SandboxRateLimit(LIMIT, WINDOW, retry_after=False, headers=False)
    with start_sandbox("cloud", options=SandboxOptions(xray_rate_limit=window)) as sandbox:
        backend = make_backend(ConnectorSettings(
            deployment="cloud", jira_url=sandbox.url, xray_url=sandbox.url,
            email="sandbox@example.com",
            token="sandbox-token",  # noqa: S106 - the sandbox's documented default
            client_id="sandbox",
            client_secret="sandbox-secret",  # noqa: S106 - the sandbox's documented default
            timeout=30.0, rate_limit=RateLimit(client_requests, WINDOW)))
        pusher = SessionPusher(backend)
        start = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            done = list(pool.map(lambda n: one_session(pusher, n), range(sessions)))
        elapsed = time.perf_counter() - start
        per_endpoint = sandbox.state.log.per_endpoint
        xray = sum(v for k, v in per_endpoint.items() if " /api/" in k)
        closed = sandbox.state.closed_windows()["xray"]
    ideal = (math.ceil(xray / LIMIT) - 1) * WINDOW
    return {"xray": xray, "closed": closed["total"], "most": closed["most_in_one_window"],
            "pushed": sum(done), "elapsed": elapsed, "ideal": ideal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100)
    args = parser.parse_args()
    print(f"\n## {args.sessions} sessions, Xray window {LIMIT} per {WINDOW:g} s answering 429 "
          f"without Retry-After, {THREADS} threads\n")
    print("| client told | Xray requests | refused (closed window) | most in one window "
          "| sessions pushed | seconds | ideal seconds | x ideal |\n"
          "|---|---|---|---|---|---|---|---|")
    for told in (LIMIT, 1000):
        r = run(args.sessions, told)
        print(f"| {told} per {WINDOW:g} s | {r['xray']} | {r['closed']} | {r['most']} | "
              f"{r['pushed']} / {args.sessions} | {r['elapsed']:.1f} | {r['ideal']:.0f} | "
              f"{r['elapsed'] / r['ideal']:.2f} |")


if __name__ == "__main__":
    main()
