"""A thread-safe token bucket: Jira's cap when one is configured or announced
(`connector.budget.JiraBudget` holds the pauses).

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
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait for a token."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now
            self._tokens -= 1.0
            wait = max(-self._tokens / self._rate, 0.0)
        if wait > 0:
            self._sleep(wait)
