"""The daemon's HTTP server as it faces the network: what keeps slow or numerous clients
from starving it, and when it may listen beyond loopback.

- A client has `[server] head_timeout_seconds` to send a request's head (line and
  headers), on a new connection and again between keep-alive requests; a connection
  that trickles its head is closed. uvicorn's own keep-alive timeout only covers a
  connection that sends nothing, and a byte a second resets it.
- More than `[server] max_connections` open connections: further requests are answered
  503 at once (uvicorn's `limit_concurrency`), and the file limit is raised to its hard
  limit at start so that the accept loop does not run out first.
- Errors of the accept loop (`Too many open files` under a storm of connections) are
  logged at most once a second, without a traceback each.
- Plain HTTP on an address other than loopback is refused unless TLS is configured or
  `[server] allow_plain_http` says a TLS-terminating proxy fronts it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.config import ConfigError, ServerConfig

ACCEPT_LOGGERS = ("asyncio",)  # where the event loop reports accept() failures


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is too slow."""

    head_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._awaited_after: object = None  # the cycle before the head we wait for
        self._head_timer: asyncio.TimerHandle | None = None
        self._wait_for_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is not None and self.cycle is not self._awaited_after:
            self._head_timer.cancel()  # a whole head arrived: its request runs
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _wait_for_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._awaited_after = self.cycle
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.cycle is self._awaited_after and not self.transport.is_closing():
            self.transport.close()


def protocol_class(head_timeout: float) -> type[HeadTimeoutProtocol]:
    """The protocol with this head timeout (uvicorn builds one per connection)."""
    return type("ServedProtocol", (HeadTimeoutProtocol,), {"head_timeout": head_timeout})


def uvicorn_options(server: ServerConfig) -> dict[str, Any]:
    """What the daemon's uvicorn.Config gets beyond the app: protocol, limits, TLS."""
    options: dict[str, Any] = {
        "http": protocol_class(server.head_timeout_seconds),
        "limit_concurrency": server.max_connections,
        "timeout_keep_alive": server.keep_alive_seconds,
    }
    if server.tls_certfile:
        options.update(ssl_certfile=server.tls_certfile, ssl_keyfile=server.tls_keyfile or None)
    return options


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def check_exposure(server: ServerConfig) -> None:
    """Refuse plain HTTP beyond loopback unless TLS or `allow_plain_http` says why."""
    if is_loopback(server.host) or server.tls_certfile or server.allow_plain_http:
        return
    raise ConfigError(
        f"[server] host = {server.host!r} would serve plain HTTP beyond this machine: "
        "set [server] tls_certfile and tls_keyfile, or keep host on 127.0.0.1 behind a "
        "TLS-terminating reverse proxy (or set [server] allow_plain_http = true if one "
        "fronts this address) [server_plain_http_exposed]")


def raise_file_limit() -> int:
    """Raise this process's open-file limit to its hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


class OncePerInterval(logging.Filter):
    """Lets through at most one record per `interval` seconds, its traceback dropped and
    the count of what it held back named, so a storm is one line a second."""

    def __init__(self, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._last: float | None = None
        self._held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self._held += 1
            return False
        if self._held:
            record.msg = f"{record.getMessage()} ({self._held} more like it in the last second)"
            record.args = ()
        record.exc_info = None
        record.exc_text = None
        self._last, self._held = now, 0
        return True


def bound_accept_errors() -> None:
    """Install the once-a-second filter on the loggers of the accept loop (idempotent)."""
    for name in ACCEPT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OncePerInterval) for f in logger.filters):
            logger.addFilter(OncePerInterval())
