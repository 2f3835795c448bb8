"""The daemon process: the scheduler of `sync.scheduler` and the HTTP API, until
SIGTERM/SIGINT.

`run_daemon` wires the store, the engine, the scheduler (`Daemon`) and the ASGI app
together; `ApiServer` serves the app with uvicorn on a socket bound up front.  The
scheduler's names (`Daemon`, the job ids, `CycleRunner`, `Housekeeping`, `JobSpec`)
are importable from here too.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

import uvicorn

from sync.config import Config
from sync.scheduler import (
    JOB_LEASES,
    JOB_PURGE,
    JOB_RECONCILE,
    JOB_SYNC,
    PROGRESS_LOG_SECONDS,
    PURGE_INTERVAL_SECONDS,
    STOP_TIMEOUT_SECONDS,
    CycleRunner,
    Daemon,
    Housekeeping,
    JobSpec,
)

__all__ = [
    "JOB_LEASES",
    "JOB_PURGE",
    "JOB_RECONCILE",
    "JOB_SYNC",
    "PROGRESS_LOG_SECONDS",
    "PULL_FRESH_SHARE",
    "PURGE_INTERVAL_SECONDS",
    "STOP_TIMEOUT_SECONDS",
    "ApiServer",
    "CycleRunner",
    "Daemon",
    "Housekeeping",
    "JobSpec",
    "listening_socket",
    "run_daemon",
]

log = logging.getLogger("xray_sync.daemon")

PULL_FRESH_SHARE = 0.9  # of the interval: within it, a pull by any daemon serves all


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` whose accepted connections send without delay.

    Created with proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets
    only then. Without it every keep-alive request after the first stalls ~40 ms (Nagle's
    algorithm waiting for the client's delayed ACK). TCP_NODELAY is set on the listener too
    (Linux copies it to accepted sockets).
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    return listener


class ApiServer:
    """uvicorn serving an ASGI app in a background thread on a socket bound up front."""

    def __init__(self, app: Any, host: str, port: int,
                 options: dict[str, Any] | None = None) -> None:
        self._listener = listening_socket(host, port)
        bound_host, bound_port = self._listener.getsockname()[:2]
        scheme = "https" if (options or {}).get("ssl_certfile") else "http"
        self.url = f"{scheme}://{bound_host}:{bound_port}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                **(options or {}))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._listener])),
            name="xray-sync-api", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        ready = threading.Event()
        for _ in range(int(timeout * 100)):
            if self._server.started or not self._thread.is_alive():
                break
            ready.wait(0.01)
        if not self._server.started:
            raise RuntimeError(f"the HTTP API at {self.url} did not start")

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)


def run_daemon(
    config: Config,
    *,
    stop: threading.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
    backend: Any = None,
) -> int:
    """`xray-sync daemon`: the scheduler and the HTTP API until SIGTERM/SIGINT (or `stop`)."""
    from sync.api.app import create_app
    from sync.api.serving import (
        bound_accept_errors,
        check_exposure,
        raise_file_limit,
        uvicorn_options,
    )
    from sync.engine.build import build_engine
    from sync.engine.health import JiraProbe
    from sync.wiring import open_store

    stop = stop or threading.Event()
    check_exposure(config.server)  # before anything binds or opens
    store = open_store(config)
    holder: list[Daemon] = []
    # one pull per interval for every daemon on the store: a pull started within most of
    # an interval serves the others' cycles
    engine = build_engine(config, store, backend=backend,
                          request_sync=lambda sid: holder[0].request(sid),
                          pull_fresh_seconds=config.sync.interval * PULL_FRESH_SHARE)
    daemon = Daemon(config, engine, store)
    holder.append(daemon)
    app = create_app(config, store, daemon, jira_ping=JiraProbe(engine.ctx.backend))
    raise_file_limit()
    bound_accept_errors()
    server = ApiServer(app, config.server.host, config.server.port,
                       uvicorn_options(config.server))
    _on_signals(stop)
    server.start()
    daemon.start()
    log.info("serving the HTTP API on %s", server.url)
    if on_ready is not None:
        on_ready(server.url)
    stop.wait()
    log.info("stopping (within %.0f s)", STOP_TIMEOUT_SECONDS)
    daemon.stop(STOP_TIMEOUT_SECONDS)
    server.stop()
    store.engine.dispose()
    return 0


def _on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    # SIGHUP: the terminal it ran in was closed; stop as cleanly as on SIGTERM
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda _sig, _frame: stop.set())
