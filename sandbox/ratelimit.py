"""The enforced rate limits: a fixed window per client (Jira's, and Xray Cloud's own when it
is set), the refusals counted per window, and memory of the Retry-After given."""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass

from sandbox.options import RateLimit
from sandbox.timefmt import iso_timestamp


@dataclass(frozen=True)
class Verdict:
    """What the limiter says about one request."""

    allowed: bool
    limit: RateLimit
    remaining: int
    reset_at: float
    retry_after: int  # whole seconds until the window resets (0 when allowed)

    def headers(self, deployment: str) -> list[tuple[bytes, bytes]]:
        """The deployment's X-RateLimit-* headers and, when refused, Retry-After; each only
        when the limit sends it."""
        out: list[tuple[bytes, bytes]] = []
        if self.limit.headers:
            out += [(b"x-ratelimit-limit", str(self.limit.requests).encode()),
                    (b"x-ratelimit-remaining", str(self.remaining).encode())]
            if deployment == "datacenter":
                # Jira Data Center's token bucket: FillRate tokens every Interval-Seconds.
                out += [(b"x-ratelimit-interval-seconds",
                         str(int(self.limit.window_seconds)).encode()),
                        (b"x-ratelimit-fillrate", str(self.limit.requests).encode())]
            else:
                out.append((b"x-ratelimit-reset", iso_timestamp(self.reset_at).encode()))
                if self.remaining < self.limit.requests * 0.2:
                    # Jira Cloud's hint that less than a fifth of the budget is left.
                    out.append((b"x-ratelimit-nearlimit", b"true"))
        if not self.allowed and self.limit.retry_after:
            out.append((b"retry-after", str(self.retry_after).encode()))
        return out


class RateLimiter:
    """Counts requests per client in fixed windows that start with the client's first request,
    and the refusals in each window (requests sent into a closed window)."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[float, int]] = {}
        self.refusals: Counter[tuple[str, float]] = Counter()
        self._lock = threading.Lock()

    def check(self, client: str, now: float) -> Verdict:
        """Counts this request and says whether it may pass."""
        with self._lock:
            start, used = self._windows.get(client, (now, 0))
            if now >= start + self.limit.window_seconds:
                start, used = now, 0
            reset_at = start + self.limit.window_seconds
            if used >= self.limit.requests:
                self.refusals[(client, start)] += 1
                wait = max(1, math.ceil(reset_at - now))
                return Verdict(False, self.limit, 0, reset_at, wait)
            used += 1
            self._windows[client] = (start, used)
            return Verdict(True, self.limit, self.limit.requests - used, reset_at, 0)

    def closed_window(self) -> dict[str, int]:
        """Requests refused for a closed window: in all, and the most in any one window."""
        with self._lock:
            return {"total": sum(self.refusals.values()),
                    "most_in_one_window": max(self.refusals.values(), default=0)}


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
