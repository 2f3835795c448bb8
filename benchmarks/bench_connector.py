"""Connector benchmarks against the sandbox over loopback (not a test; prints figures).

1. Requests per connector operation (first push, update, search, listing, marker
   lookup), read from the sandbox's request log, Cloud and Data Center.
2. Throughput of Jira reads under the sandbox's enforced rate limit (a fixed window per
   client, announced in X-RateLimit-* headers):
   (a) the connector's Jira cap (`jira_rate_limit`) set to the same limit, 4 threads;
   (b) the cap set to twice the limit, 1 thread, so the sandbox answers 429 +
       Retry-After and the retry layer must wait it out (on Data Center the connector
       adopts the bucket the sandbox announces instead of the cap).
   Each run lasts exactly N windows from its first request; reported: served
   requests, served / (N x limit), 429s, and the sandbox's count of requests sent
   before their Retry-After ran out ("early").

    PYTHONPATH=. .venv/bin/python benchmarks/bench_connector.py [--windows N]
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from connector import (
    Backend,
    ConnectorSettings,
    DefectSpec,
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

FAST = RateLimit(requests=100_000, per_seconds=1.0, burst=100_000)


def backend_for(sandbox: Any, deployment: str, limit: RateLimit = FAST,
                jira_limit: RateLimit | None = None) -> Backend:
    """`limit` is Xray Cloud's window, `jira_limit` Jira's own cap (None: none)."""
    return make_backend(ConnectorSettings(
        deployment=deployment,  # type: ignore[arg-type]
        jira_url=sandbox.url, xray_url=sandbox.url, email="sandbox@example.com",
        token="sandbox-token",  # noqa: S106 - the sandbox's documented default
        client_id="sandbox",
        client_secret="sandbox-secret",  # noqa: S106 - the sandbox's documented default
        timeout=30.0, rate_limit=limit, jira_rate_limit=jira_limit))


def push_of(session_id: str, defects: int) -> SessionPush:
    return SessionPush(
        session_id=session_id, project="QA", summary=f"Session {session_id}",
        status=RunStatus.FAILED, test=TestSpec(session_id, "QA", "Charter", "Mission"),
        comment="notes", started=datetime(2026, 11, 20, 10, tzinfo=UTC),
        environments=("Chrome",), new_evidence=(Evidence("s.xea", "application/zip", b"z" * 2048),),
        new_defects=tuple(DefectSpec(f"Bug {n}") for n in range(defects)),
        console_url=f"http://console/sessions/{session_id}")


def count(sandbox: Any, action: Any) -> tuple[int, float]:
    before = sandbox.state.log.total
    start = time.perf_counter()
    action()
    return sandbox.state.log.total - before, time.perf_counter() - start


def requests_per_operation(deployment: str) -> list[tuple[str, int, float]]:
    rows: list[tuple[str, int, float]] = []
    with start_sandbox(deployment) as sandbox:
        backend = backend_for(sandbox, deployment)
        pusher = SessionPusher(backend)
        holder: dict[str, Any] = {}
        since = datetime.now(UTC) - timedelta(minutes=1)

        def first() -> None:
            holder["p"] = pusher.push(push_of("bench-1", defects=2))

        rows.append(("first push (own Test, 2 defects, evidence, link; cold token/fields)",
                     *count(sandbox, first)))
        rows.append(("first push (warm: token/field ids cached)",
                     *count(sandbox, lambda: pusher.push(push_of("bench-2", defects=2)))))
        update = SessionPush(session_id="bench-1", project="QA", summary="Renamed",
                             status=RunStatus.PASSED, new_defects=(DefectSpec("Bug new"),),
                             new_evidence=(Evidence("b.png", "image/png", b"p"),))
        rows.append(("update (rename, status, evidence, 1 new defect)",
                     *count(sandbox, lambda: pusher.push(update, holder["p"]))))
        plain = SessionPush(session_id="bench-1", project="QA", summary="Renamed",
                            status=RunStatus.FAILED, comment="more notes")
        rows.append(("update (status + comment only)",
                     *count(sandbox, lambda: pusher.push(plain, holder["p"]))))
        for n in range(3, 40):
            pusher.push(push_of(f"bench-{n}", defects=1))
        linked = len(backend.list_linked("QA"))
        later = datetime.now(UTC) + timedelta(minutes=2)
        rows.append(("search_changed, nothing changed", *count(
            sandbox, lambda: backend.search_changed("QA", later))))
        rows.append((f"search_changed, {linked} changed issues", *count(
            sandbox, lambda: backend.search_changed("QA", since))))
        rows.append((f"list_linked, {linked} linked issues (pages of 100)", *count(
            sandbox, lambda: backend.list_linked("QA"))))
        rows.append(("find_by_marker", *count(sandbox, lambda: backend.find_by_marker("bench-1"))))
    return rows


def throughput(deployment: str, limit: int, window: float, windows: int, *,
               client_factor: float, threads: int) -> dict[str, float]:
    options = SandboxOptions(rate_limit=SandboxRateLimit(requests=limit, window_seconds=window))
    with start_sandbox(deployment, options=options) as sandbox:
        client_limit = RateLimit(requests=int(limit * client_factor), per_seconds=window)
        backend = backend_for(sandbox, deployment, jira_limit=client_limit)
        key = SessionPusher(backend_for(sandbox, deployment)).push(
            push_of("tp", defects=0)).execution.key
        # The set-up above is outside the measured window: let it close first.
        time.sleep(window + 0.1)
        log = sandbox.state.log
        before_429 = log.statuses.get(429, 0)
        # Run for exactly `windows` windows from the first request (which opens a window).
        start = time.perf_counter()
        deadline = start + windows * window - 0.05

        finished: list[float] = []

        def worker() -> None:
            while time.perf_counter() < deadline:
                backend.get_issue(key)
                finished.append(time.perf_counter())  # list.append is atomic

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - start
        served = len([t for t in finished if t <= deadline])  # answers within the N windows
        rate = limit / window
        return {"served": served, "elapsed": elapsed, "rate": served / (windows * window),
                "limit_rate": rate, "ratio": served / (limit * windows),
                "429": log.statuses.get(429, 0) - before_429, "early": log.early_requests}


def concurrent_pushes(deployment: str, sessions: int, threads: int, latency_ms: float
                      ) -> dict[str, float]:
    """First pushes of `sessions` sessions from `threads` threads through one backend."""
    with start_sandbox(deployment, options=SandboxOptions(latency_ms=latency_ms)) as sandbox:
        backend = backend_for(sandbox, deployment)
        pusher = SessionPusher(backend)
        backend.find_by_marker("warm-up")  # token / connection set-up outside the timing
        todo = list(range(sessions))
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    if not todo:
                        return
                    n = todo.pop()
                pusher.push(push_of(f"c{n}", defects=1))

        before = sandbox.state.log.total
        start = time.perf_counter()
        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - start
        requests = sandbox.state.log.total - before
        bound = requests * latency_ms / 1000 / threads
        return {"requests": requests, "elapsed": elapsed, "bound": bound,
                "factor": elapsed / bound}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--windows", type=int, default=4, help="rate-limit windows per run")
    parser.add_argument("--limit", type=int, default=50, help="sandbox requests per window")
    parser.add_argument("--window", type=float, default=5.0, help="window length, seconds")
    args = parser.parse_args()
    for deployment in ("cloud", "datacenter"):
        print(f"\n## Requests per operation: {deployment}\n")
        print("| operation | requests | wall ms |\n|---|---|---|")
        for name, requests, seconds in requests_per_operation(deployment):
            print(f"| {name} | {requests} | {seconds * 1000:.1f} |")
    print("\n## Concurrent first pushes, 200 sessions, 8 threads, sandbox latency 50 ms\n")
    print("| deployment | requests | seconds | requests x latency / threads | factor |\n"
          "|---|---|---|---|---|")
    for deployment in ("cloud", "datacenter"):
        c = concurrent_pushes(deployment, 200, 8, 50.0)
        print(f"| {deployment} | {c['requests']:.0f} | {c['elapsed']:.2f} | {c['bound']:.2f} | "
              f"{c['factor']:.2f} |")
    print(f"\n## Throughput, sandbox limit {args.limit} per {args.window:g} s, "
          f"{args.windows} windows\n")
    print("| deployment | client bucket | threads | served | seconds | req/s | limit req/s "
          "| served / allowed | 429s | early |\n|---|---|---|---|---|---|---|---|---|---|")
    for deployment in ("cloud", "datacenter"):
        for factor, threads in ((1.0, 4), (2.0, 1)):
            r = throughput(deployment, args.limit, args.window, args.windows,
                           client_factor=factor, threads=threads)
            print(f"| {deployment} | {factor:g} x limit | {threads} | {r['served']:.0f} | "
                  f"{r['elapsed']:.2f} | {r['rate']:.2f} | {r['limit_rate']:.2f} | "
                  f"{r['ratio']:.3f} | {r['429']:.0f} | {r['early']:.0f} |")


if __name__ == "__main__":
    main()
