"""Request budgets, one per service of a site, kept the way each service keeps its own.

    Budget                 a pause every request of the service waits for (Retry-After,
     |                     X-RateLimit-Reset, or a window-sized floor after a bare 429)
     +-- XrayWindow        Xray Cloud: at most N requests in any W seconds, per API key
     +-- JiraBudget        Jira: no cap unless configured; keeps within the bucket Data
                           Center announces (X-RateLimit-FillRate per Interval-Seconds)
                           and pauses when X-RateLimit-Remaining reaches 0

Several daemons on one store share one budget per service and key: `make_backend` is
handed a `SharedLedger` (the store implements it on PostgreSQL), and every send asks it
for a place in the windows, and every refusal pauses it, for the whole cluster. Without
one (SQLite, one process) the budget is this process's own.

Xray Cloud counts a window per API key (300 requests per 5 minutes on Standard, 1,000 on
Enterprise) and its 429s do not reliably carry Retry-After; Jira Cloud sends Retry-After
and X-RateLimit-* when it limits; Jira Data Center's limits are set by its admins, often
none. A refusal pauses the whole budget of that service, so the other threads stop
sending into a closed window instead of each earning its own 429. The clock, the sleep
and the jitter are injected so tests run on a fake clock.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from connector.ratelimit import Clock, Sleep, TokenBucket
from connector.retry import reset_seconds
from connector.settings import RateLimit

JITTER = 0.1  # a pause after a bare 429 is stretched by up to a tenth, so clients part
# A request sent as the window slides open may reach Xray a little later than it left,
# or a little earlier than Xray's own window opened: keep this much to spare.
WINDOW_MARGIN_SECONDS = 1.0

# (name, requests, span seconds): at most `requests` sends in any `span` seconds
SharedWindow = tuple[str, int, float]


class SharedLedger(Protocol):
    """A budget kept where every instance spending the same key sees it (the store's
    database): the sync hands one to `make_backend`; the connector never imports it."""

    def admit(self, key: str, windows: Sequence[SharedWindow]) -> float:
        """0 when a request on `key` may go now (then counted in every window), else the
        seconds until one may (the key's pause, or a window's next place)."""

    def pause(self, key: str, seconds: float) -> float:
        """Nobody sends on `key` for `seconds` from now (a longer pause stays); the
        seconds the pause has left."""


def window_span(limit: RateLimit) -> float:
    """The seconds a send counts in a window of `limit`, its margin included."""
    return limit.per_seconds + min(WINDOW_MARGIN_SECONDS, limit.per_seconds / 100)


class Budget:
    """The pause shared by every request of one service of one site."""

    def __init__(self, *, floor: float, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep, rng: Callable[[], float] | None = None,
                 waits: bool = True, shared: SharedLedger | None = None,
                 key: str = "") -> None:
        self.floor = floor
        # the cluster's budget of this service and key, when the instances share one
        self.shared = shared
        self.key = key
        # False for a caller that does not retry (a readiness check reports, it does not
        # wait): pauses are still taken, never waited for.
        self.waits = waits
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or (lambda: 0.5)
        self._not_before = float("-inf")
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Return when one more request may be sent."""
        self._wait_pause()
        if self.shared is not None:
            self._admit_shared()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate-limit headers (nothing to learn by default)."""

    def pause_until(self, instant: float) -> None:
        """Send nothing before `instant` (on this budget's clock)."""
        with self._lock:
            self._not_before = max(self._not_before, instant)

    def refused(self, retry_after: float | None, reset_after: float | None) -> float:
        """A 429 (or a 503 saying why): pause the budget as the server asked, else until
        X-RateLimit-Reset, else for the window-sized floor with jitter; the seconds to wait."""
        if retry_after is not None:
            wait = retry_after
        elif reset_after is not None:
            wait = reset_after
        else:
            wait = self.floor * (1.0 + JITTER * self._rng())
        now = self._clock()
        self.pause_until(now + wait)
        with self._lock:
            left = max(wait, self._not_before - now)
        if self.shared is not None:  # every instance on this key waits it out too
            left = max(left, self.shared.pause(self.key, wait))
        return left

    def shared_windows(self) -> list[SharedWindow]:
        """The windows the cluster counts this service's sends in (none by default)."""
        return []

    def _admit_shared(self) -> None:
        """Wait for the cluster's pause and a place in its windows (counted once found)."""
        assert self.shared is not None
        while True:
            wait = self.shared.admit(self.key, self.shared_windows())
            if wait <= 0 or not self.waits:
                return
            self._sleep(wait)
            self._wait_pause()

    def _wait_pause(self) -> None:
        while self.waits:
            with self._lock:
                wait = self._not_before - self._clock()
            if wait <= 0:
                return
            self._sleep(wait)


class SlidingWindow:
    """At most `requests` sends in any `per_seconds` (plus a margin): inside every fixed
    window a server may count in, whatever its start, and inside a bucket refilled by
    `requests` every `per_seconds`. Not locked: its owner holds the lock."""

    def __init__(self, limit: RateLimit) -> None:
        if limit.requests <= 0 or limit.per_seconds <= 0:
            raise ValueError("a window needs positive requests and per_seconds")
        self.limit = limit
        self._span = window_span(limit)
        self._sent: collections.deque[float] = collections.deque()

    def prefill(self, count: int, now: float) -> None:
        """Count `count` sends made before this window was known (the server's word)."""
        for _ in range(max(0, min(count, self.limit.requests))):
            self._sent.append(now)

    def take(self, now: float) -> float:
        """0 when a send at `now` fits (and is counted), else the seconds until one may."""
        while self._sent and self._sent[0] <= now - self._span:
            self._sent.popleft()
        if len(self._sent) < self.limit.requests:
            self._sent.append(now)
            return 0.0
        return self._sent[0] + self._span - now


class XrayWindow(Budget):
    """Xray Cloud's window per API key: at most `requests` sent in any `per_seconds`."""

    def __init__(self, limit: RateLimit, *, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep, rng: Callable[[], float] | None = None,
                 waits: bool = True, shared: SharedLedger | None = None,
                 key: str = "") -> None:
        self.window = SlidingWindow(limit)
        super().__init__(floor=limit.per_seconds, clock=clock, sleep=sleep, rng=rng,
                         waits=waits, shared=shared, key=key)
        self.limit = limit

    def shared_windows(self) -> list[SharedWindow]:
        return [("window", self.limit.requests, window_span(self.limit))]

    def acquire(self) -> None:
        """Wait for any pause, then for a place in the window (the cluster's, if shared)."""
        if self.shared is not None:
            self._wait_pause()
            self._admit_shared()
            return
        while True:
            self._wait_pause()
            with self._lock:
                now = self._clock()
                wait = self._not_before - now if self.waits else 0.0
                if wait <= 0:
                    wait = self.window.take(now)
                    if wait <= 0:
                        return
            self._sleep(wait)


class JiraBudget(Budget):
    """Jira: a cap only when configured, else none; the window Data Center announces once
    it does; waits for a reset when Jira says the budget is spent."""

    def __init__(self, cap: RateLimit | None, *, floor: float, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep, rng: Callable[[], float] | None = None,
                 waits: bool = True, shared: SharedLedger | None = None,
                 key: str = "") -> None:
        super().__init__(floor=floor, clock=clock, sleep=sleep, rng=rng, waits=waits,
                         shared=shared, key=key)
        self._bucket = TokenBucket(cap, clock, sleep) if cap is not None else None
        self._window: SlidingWindow | None = None
        self._announced: tuple[int, float, int] | None = None
        self.cap = cap

    def acquire(self) -> None:
        """Wait for any pause, for a token of the cap, and for a place in Data Center's
        announced window, as far as each exists (the cluster's, if shared)."""
        self._wait_pause()
        if self.shared is not None:
            self._admit_shared()
            return
        if self._bucket is not None:
            self._bucket.acquire()
        while True:
            self._wait_pause()
            with self._lock:
                wait = 0.0 if self._window is None else self._window.take(self._clock())
            if wait <= 0:
                return
            self._sleep(wait)

    def shared_windows(self) -> list[SharedWindow]:
        # a cap shared by the cluster is a window: at most the cap in any of its spans
        windows: list[SharedWindow] = []
        if self.cap is not None:
            windows.append(("cap", self.cap.requests, self.cap.per_seconds))
        if self._announced is not None:
            fill, interval, _ = self._announced
            windows.append(("announced", fill, interval))
        return windows

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt the window Data Center announces; pause until the reset when none is left."""
        announced = announced_bucket(headers)
        if announced is not None and announced != self._announced:
            fill, interval, _ = announced
            with self._lock:
                # Jira DC refills FillRate tokens every Interval-Seconds: no more than that
                # in any interval keeps inside it whatever its phase (its burst is unused).
                self._announced = announced
                self._window = SlidingWindow(RateLimit(fill, interval))
                self._window.prefill(fill - remaining_of(headers, fill), self._clock())
                self.floor = interval
        if headers.get("X-RateLimit-Remaining", "").strip() == "0":
            reset = reset_seconds(headers.get("X-RateLimit-Reset"), time.time())
            if reset is not None:
                self.pause_until(self._clock() + reset)
                if self.shared is not None:
                    self.shared.pause(self.key, reset)


def remaining_of(headers: Mapping[str, str], default: int) -> int:
    """X-RateLimit-Remaining as a number, `default` when absent or unreadable."""
    try:
        return int(headers["X-RateLimit-Remaining"])
    except (KeyError, ValueError):
        return default


def announced_bucket(headers: Mapping[str, str]) -> tuple[int, float, int] | None:
    """Data Center's token bucket: (FillRate, Interval-Seconds, Limit), when all are there."""
    try:
        fill = int(headers["X-RateLimit-FillRate"])
        interval = float(headers["X-RateLimit-Interval-Seconds"])
        limit = int(headers["X-RateLimit-Limit"])
    except (KeyError, ValueError):
        return None
    if fill <= 0 or interval <= 0 or limit <= 0:
        return None
    return fill, interval, limit
