"""HTTP API benchmark: the list endpoint over 100,000 sessions, and list/show under load.

Not a test; prints figures. Fills a fresh SQLite store with 100,000 sessions (the bulk
fill of `bench_list.py`: 40 users, 48 workspaces), serves `create_app` with uvicorn
(one process, forked after the fill) on 127.0.0.1 and a port the OS picks, then:

1. latency: one keep-alive client, sequential requests, p50/p95 over `--runs` after 20
   warm-ups, for a page of 50 of one team workspace (~12,500 sessions) sorted by
   `-modified` (unfiltered; filtered by name substring and owner), the next page via
   the cursor, and `GET /sessions/{id}`;
2. load: `--threads` client threads (a thread pool, each with its own keep-alive
   connection) for `--seconds` each on list and on show: requests per second and p50.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_api.py [--sessions N] [--runs N]
        [--threads N] [--seconds S]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn

# the sibling benchmark bench_list.py owns the bulk fill; import it from this folder
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_list import fill

from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from sync.api import create_app
from sync.config import Config

ACTOR, OWNER, WORKSPACE = "user00", "user08", "team0"  # user00 and user08 are in team0


def serve(db_url: str, home: Path, sock: socket.socket) -> None:
    """The child process: the app over the filled store, on the given socket."""
    store = Store(make_engine(db_url), StoreSettings(home=home))
    app = create_app(Config(home=home), store, None)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of samples (seconds), in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def latency(client: httpx.Client, url: str, runs: int) -> tuple[float, float]:
    """Sequential requests on one connection: p50/p95 in ms."""
    for _ in range(20):
        client.get(url).raise_for_status()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url).raise_for_status()
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def load(base: str, headers: dict[str, str], url: str, threads: int,
         seconds: float) -> tuple[float, float]:
    """`threads` clients hammering `url` for `seconds`: requests per second and p50 ms."""
    deadline = time.perf_counter() + seconds

    def worker(_: int) -> list[float]:
        samples: list[float] = []
        with httpx.Client(base_url=base, headers=headers) as client:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                client.get(url).raise_for_status()
                samples.append(time.perf_counter() - t0)
        return samples

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - started
    samples = [s for part in results for s in part]
    return len(samples) / elapsed, percentiles(samples)[0]


def main() -> None:
    """Fill, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        db_url = f"sqlite:///{home / 'bench.db'}"
        engine = make_engine(db_url)
        migrate(engine)
        store = Store(engine, StoreSettings(home=home))
        t0 = time.perf_counter()
        fill(store, args.sessions)
        token = store.issue_token(ACTOR)
        print(f"filled {args.sessions} sessions in {time.perf_counter() - t0:.1f} s "
              f"(cpus: {os.cpu_count()}, load avg: {os.getloadavg()[0]:.1f})")
        engine.dispose()
        measure(db_url, home, token, args)


def measure(db_url: str, home: Path, token: str, args: argparse.Namespace) -> None:
    """Serve in a child process and print the figures."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # accepted connections inherit it: without it uvicorn's header and body writes meet
    # Nagle's algorithm and the client's delayed ACK, ~40 ms per keep-alive request
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    child = multiprocessing.get_context("fork").Process(target=serve, args=(db_url, home, sock))
    child.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers) as client:
            lists = f"/api/v1/workspaces/{WORKSPACE}/sessions"
            first = client.get(f"{lists}?sort=-modified&limit=50").json()
            one = first["items"][0]["id"]
            cases: dict[str, str] = {
                "list 50, -modified": f"{lists}?sort=-modified&limit=50",
                "list 50, name~'check' + owner, -modified":
                    f"{lists}?sort=-modified&limit=50&q=check&owner={OWNER}",
                "list 50, next page via cursor":
                    f"{lists}?sort=-modified&limit=50&cursor={first['next_cursor']}",
                "show one session": f"/api/v1/sessions/{one}",
            }
            print(f"\nlatency, one client, {args.runs} sequential requests")
            print(f"{'case':45} {'p50 ms':>8} {'p95 ms':>8}")
            for label, url in cases.items():
                p50, p95 = latency(client, url, args.runs)
                print(f"{label:45} {p50:8.2f} {p95:8.2f}")
        print(f"\nload, {args.threads} client threads x {args.seconds:.0f} s")
        print(f"{'case':45} {'req/s':>8} {'p50 ms':>8}")
        runs: dict[str, Callable[[], tuple[float, float]]] = {
            "list 50, -modified": lambda: load(base, headers, cases["list 50, -modified"],
                                               args.threads, args.seconds),
            "show one session": lambda: load(base, headers, cases["show one session"],
                                             args.threads, args.seconds),
        }
        for label, call in runs.items():
            rps, p50 = call()
            print(f"{label:45} {rps:8.1f} {p50:8.2f}")
    finally:
        child.terminate()
        child.join(10)
        sock.close()


if __name__ == "__main__":
    main()
