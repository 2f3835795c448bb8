"""The connector's one retry layer (tenacity), honouring Retry-After.

Retried: `RateLimited` (429, or 503 with Retry-After) after exactly its Retry-After
(every other request of the backend waits too, through the bucket), and
`Unavailable` with status 502/503/504 or no status (connection failed before it was
sent) after exponential backoff with jitter.  Never retried: `AmbiguousWrite` (a
create that may have been applied: the caller looks for the marker), and every
other error.  A Retry-After longer than `max_retry_after` is raised to the caller.
The `jira` library's own retries are off (`max_retries=0`), see `connector.jira_http`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import tenacity

from connector.errors import RateLimited, Unavailable
from connector.ratelimit import Clock, Sleep, TokenBucket
from connector.settings import RetrySettings

T = TypeVar("T")
RETRYABLE_STATUSES = frozenset({502, 503, 504})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def is_retryable(exc: BaseException, settings: RetrySettings) -> bool:
    """Whether the layer may send the request again after `exc`."""
    if isinstance(exc, RateLimited):
        return exc.retry_after is None or exc.retry_after <= settings.max_retry_after
    if isinstance(exc, Unavailable):
        return exc.status is None or exc.status in RETRYABLE_STATUSES
    return False


def backoff(attempt: int, settings: RetrySettings, rng: Callable[[], float]) -> float:
    """Exponential backoff with jitter: between half and all of base * 2**(attempt-1)."""
    ceiling: float = min(settings.max_delay, settings.base_delay * 2.0 ** (attempt - 1))
    return ceiling * (0.5 + 0.5 * rng())


class RetryLayer:
    """Runs one call, again while it fails retryably, waiting as the server asked."""

    def __init__(
        self,
        settings: RetrySettings,
        bucket: TokenBucket,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._bucket = bucket
        self._clock = clock
        self._sleep = sleep
        self._rng = rng

    def call(self, send: Callable[[], T]) -> T:
        """`send()` once, and again on a retryable error, up to `settings.attempts` times."""
        if not self.settings.enabled:
            return send()
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.settings.attempts),
            retry=tenacity.retry_if_exception(lambda e: is_retryable(e, self.settings)),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(send)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            # The bucket holds back every request of this backend, not just this one.
            self._bucket.defer_until(self._clock() + exc.retry_after)
            return exc.retry_after
        return backoff(state.attempt_number, self.settings, self._rng)
