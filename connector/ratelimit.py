"""A thread-safe token bucket per backend, which also holds everyone back after a 429.

The clock and the sleep are injected so tests can run it on a fake clock.  A caller
reserves a token under the lock (the bucket may go negative) and sleeps outside it,
so waiting threads are served in order and never all at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from connector.settings import RateLimit

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """`acquire()` returns when one more request may be sent."""

    def __init__(
        self, limit: RateLimit, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        if limit.requests <= 0 or limit.per_seconds <= 0 or limit.burst <= 0:
            raise ValueError("a rate limit needs positive requests, per_seconds and burst")
        self._rate = limit.rate
        self._capacity = float(limit.burst)
        self._tokens = float(limit.burst)
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._not_before = float("-inf")
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait for a token and for any Retry-After the server asked for."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now
            self._tokens -= 1.0
            wait = max(-self._tokens / self._rate, self._not_before - now, 0.0)
        if wait > 0:
            self._sleep(wait)
            # A Retry-After announced while we slept moves our turn again.
            self._wait_not_before()

    def _wait_not_before(self) -> None:
        while True:
            with self._lock:
                wait = self._not_before - self._clock()
            if wait <= 0:
                return
            self._sleep(wait)

    def defer_until(self, instant: float) -> None:
        """Send nothing before `instant` (on this bucket's clock): the server's Retry-After."""
        with self._lock:
            self._not_before = max(self._not_before, instant)
