"""Jira's reachability, as `/healthz` reports it: one cheap request, its answer cached.

`JiraProbe` is the `jira_ping` the daemon gives the HTTP API. It asks Jira who we are
(`Backend.ping`: `GET myself`, a short timeout, no retry, outside the rate bucket) at
most once per `ttl` seconds, however often `/healthz` is polled, so a load balancer's
checks cost Jira almost nothing and never wait behind a rate-limited push.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from connector.base import Backend
from connector.errors import ConnectorError

log = logging.getLogger("xray_sync.health")

PING_TIMEOUT_SECONDS = 3.0
PING_TTL_SECONDS = 30.0


class JiraProbe:
    """Callable: whether Jira answered the last ping (at most `ttl` seconds old)."""

    def __init__(self, backend: Backend, *, timeout: float = PING_TIMEOUT_SECONDS,
                 ttl: float = PING_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.backend = backend
        self.timeout = timeout
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()  # one ping at a time; the others take its answer
        self._checked_at: float | None = None
        self._ok = False

    def __call__(self) -> bool:
        with self._lock:
            now = self._clock()
            if self._checked_at is not None and now - self._checked_at < self.ttl:
                return self._ok
            self._ok = self._ping()
            self._checked_at = now
            return self._ok

    def _ping(self) -> bool:
        try:
            self.backend.ping(self.timeout)
        except ConnectorError as exc:  # the message carries no secret (connector.errors)
            log.warning("Jira does not answer: %s", exc)
            return False
        return True
