"""The connector's one retry layer (tenacity), honouring Retry-After.

Retried: `RateLimited` (429, or a 503 that says it is a limit) after the pause its
service's budget takes (`connector.budget`: exactly Retry-After, else X-RateLimit-Reset,
else a window-sized floor with jitter), during which every other request of that
service waits too; and `Unavailable` with status 502/503/504 or no status (connection
failed before it was sent) after exponential backoff with jitter.  Rate limits do not
use up `attempts`: a call waits them out up to `max_rate_limit_wait` seconds in all, so
no call fails for a limit that a wait serves.  Never retried: `AmbiguousWrite` (a create
that may have been applied: the caller looks for the marker), and every other error.  A
Retry-After longer than `max_retry_after` is raised to the caller.  The `jira`
library's own retries are off (`max_retries=0`), see `connector.channel.jira_client`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

import tenacity

from connector.errors import RateLimited, Unavailable
from connector.ratelimit import Sleep
from connector.settings import RetrySettings

if TYPE_CHECKING:
    from connector.budget import Budget

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


def reset_seconds(value: str | None, now: float) -> float | None:
    """X-RateLimit-Reset as seconds from `now` (epoch): Jira Cloud's ISO 8601 timestamp
    (`2026-11-30T10:05Z`), or epoch seconds / a delay as other services send it."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    if number > 10**9:  # an epoch timestamp, not a delay
        return max(0.0, number - now)
    return max(0.0, number)


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


class _Budgeted:
    """Counts one call's failures and rate-limit waits (tenacity asks for the wait before
    asking whether to stop): `attempts` failures that are not rate limits stop it, and so
    do rate limits once waited for `max_rate_limit_wait` seconds in all."""

    def __init__(self, settings: RetrySettings, budget: Budget,
                 rng: Callable[[], float]) -> None:
        self.settings = settings
        self.budget = budget
        self.rng = rng
        self.failures = 0
        self.waited = 0.0

    def wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimited):
            # The budget holds back every request of this service, not just this one.
            seconds = self.budget.refused(exc.retry_after, exc.reset_after)
            self.waited += seconds
            return seconds
        self.failures += 1
        return backoff(self.failures, self.settings, self.rng)

    def stop(self, state: tenacity.RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimited):
            return self.waited > self.settings.max_rate_limit_wait
        return self.failures >= self.settings.attempts


class RetryLayer:
    """Runs one call, again while it fails retryably, waiting as the server asked."""

    def __init__(
        self,
        settings: RetrySettings,
        *,
        sleep: Sleep = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._rng = rng

    def call(self, send: Callable[[], T], budget: Budget) -> T:
        """`send()` once, and again on a retryable error; a rate limit pauses `budget`."""
        if not self.settings.enabled:
            return send()
        budgeted = _Budgeted(self.settings, budget, self._rng)
        retrying = tenacity.Retrying(
            stop=budgeted.stop,
            retry=tenacity.retry_if_exception(lambda e: is_retryable(e, self.settings)),
            wait=budgeted.wait,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(send)
