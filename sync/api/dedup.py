"""Webhook deliveries already handled, keyed by `X-Atlassian-Webhook-Identifier`.

Jira keeps the identifier stable across its retries, so a retried delivery must
have no second effect. The store has no table for delivery ids, so this is a
bounded, thread-safe, in-process memory (an LRU with a time to live): it forgets
after `ttl_seconds` (Jira stops retrying long before) or when `capacity` is
reached, and a restarted daemon starts empty.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class SeenDeliveries:
    """Remember delivery identifiers; `claim(id)` is True exactly once per id."""

    def __init__(
        self,
        capacity: int = 100_000,
        ttl_seconds: float = 7 * 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._ttl = ttl_seconds
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, delivery_id: str) -> bool:
        """Record `delivery_id`; True if it was new (handle it), False for a replay.

        Atomic, so two concurrent deliveries of one id cannot both be handled.
        """
        with self._lock:
            self._expire()
            if delivery_id in self._seen:
                return False
            self._seen[delivery_id] = self._clock()
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True

    def forget(self, delivery_id: str) -> None:
        """Drop `delivery_id` (its handling failed, so Jira's retry must be handled)."""
        with self._lock:
            self._seen.pop(delivery_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def _expire(self) -> None:
        horizon = self._clock() - self._ttl
        while self._seen:
            oldest_id, at = next(iter(self._seen.items()))
            if at >= horizon:
                break
            del self._seen[oldest_id]
