"""The enforced rate limit: a fixed window per client, and memory of the Retry-After given."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from sandbox.options import RateLimit
from sandbox.timefmt import iso_timestamp


@dataclass(frozen=True)
class Verdict:
    """What the limiter says about one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    retry_after: int  # whole seconds until the window resets (0 when allowed)

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The X-RateLimit-* headers (and Retry-After when refused)."""
        out = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", iso_timestamp(self.reset_at).encode()),
        ]
        if self.remaining < self.limit * 0.2:
            # Jira Cloud's hint that less than a fifth of the budget is left.
            out.append((b"x-ratelimit-nearlimit", b"true"))
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after).encode()))
        return out


class RateLimiter:
    """Counts requests per client in fixed windows that start with the client's first request."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float) -> Verdict:
        """Counts this request and says whether it may pass."""
        with self._lock:
            start, used = self._windows.get(client, (now, 0))
            if now >= start + self.limit.window_seconds:
                start, used = now, 0
            reset_at = start + self.limit.window_seconds
            if used >= self.limit.requests:
                wait = max(1, math.ceil(reset_at - now))
                return Verdict(False, self.limit.requests, 0, reset_at, wait)
            used += 1
            self._windows[client] = (start, used)
            return Verdict(True, self.limit.requests, self.limit.requests - used, reset_at, 0)


class RetryAfterMemory:
    """Remembers, per client, until when it was told to wait, to count early requests."""

    def __init__(self) -> None:
        self._not_before: dict[str, float] = {}
        self._lock = threading.Lock()

    def told_to_wait(self, client: str, until: float) -> None:
        """Records a Retry-After given to a client."""
        with self._lock:
            self._not_before[client] = max(until, self._not_before.get(client, 0.0))

    def is_early(self, client: str, now: float) -> bool:
        """Whether a request comes before the client's Retry-After ran out."""
        with self._lock:
            # A small tolerance: clocks of client and server tick apart by a few ms.
            return now + 0.005 < self._not_before.get(client, 0.0)
