"""Who may spin the sync, and what its status shows them (pure decisions).

`SyncBudget` is a token bucket per user: `[sync] request_burst` on-demand syncs at once,
then one more every `[sync] request_interval_seconds`; past it a request is refused
with the seconds to wait (429 with Retry-After). Admins may force a sync past it. The
daemon coalesces what it accepts: requests arriving while a cycle runs make one more
round, not one each.

`scoped_status` keeps, of a cycle's messages, those about sessions the caller may see:
the messages name session ids and quote Jira's errors, which are not for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_USERS = 10_000  # users remembered at once; past it the oldest are forgotten


@dataclass
class SyncBudget:
    """On-demand syncs per user: a bucket of `burst`, refilled one per `interval` seconds."""

    burst: int
    interval: float
    _buckets: dict[str, tuple[float, datetime]] = field(default_factory=dict)

    def take(self, user: str, now: datetime) -> float | None:
        """Spend one of `user`'s requests: None if allowed, else the seconds to wait."""
        if self.interval <= 0:
            return None
        tokens, since = self._buckets.get(user, (float(self.burst), now))
        elapsed = max(0.0, (now - since).total_seconds())
        tokens = min(float(self.burst), tokens + elapsed / self.interval)
        if tokens < 1.0:
            self._buckets[user] = (tokens, now)
            return (1.0 - tokens) * self.interval
        if len(self._buckets) >= MAX_USERS and user not in self._buckets:
            self._buckets.pop(next(iter(self._buckets)))
        self._buckets[user] = (tokens - 1.0, now)
        return None


def _session_of(message: str) -> str | None:
    head, sep, _ = message.partition(": ")
    return head if sep and " " not in head else None


def scoped_status(status: dict[str, Any], may_see: Callable[[str], bool]) -> dict[str, Any]:
    """The status with only the messages about sessions `may_see` allows (pure).

    A message is "SESSION_ID: text"; any other (a project's pull failing, a crashed cycle)
    is about more than one user's sessions and is left out, counted in `hidden_messages`.
    """
    scoped = dict(status)
    for key in ("last", "last_reconcile"):
        summary = status.get(key)
        if not isinstance(summary, dict):
            continue
        kept = dict(summary)
        hidden = 0
        for field_name in ("error_messages", "deferred_messages"):
            messages = summary.get(field_name) or []
            visible = [m for m in messages if (sid := _session_of(m)) is not None
                       and may_see(sid)]
            hidden += len(messages) - len(visible)
            kept[field_name] = visible
        kept["hidden_messages"] = hidden
        scoped[key] = kept
    return scoped
