"""When Jira Cloud sends a webhook again: its documented retry policy, as pure functions.

Atlassian's retry policy for Jira Cloud webhooks: a delivery is retried when the receiver
answers 408, 409, 425, 429 or 5xx, or the connection fails or times out; a retry carries
`X-Atlassian-Webhook-Retry` with the retry count and the same `X-Atlassian-Webhook-Identifier`;
a webhook may so arrive up to 30 minutes late. The sandbox retries five times, waiting 30 s,
1, 2, 4 and 8 minutes (each drawn between half and one and a half of that), about 15 minutes
in all; `webhook_time_scale` multiplies the waits so tests need not wait minutes.
"""

from __future__ import annotations

RETRYABLE = frozenset({408, 409, 425, 429})
MAX_RETRIES = 5
FIRST_WAIT_SECONDS = 30.0


def should_retry(status: int, retries_done: int) -> bool:
    """Whether a delivery answered `status` (0: no answer) is sent again."""
    failed = status == 0 or status in RETRYABLE or status >= 500
    return failed and retries_done < MAX_RETRIES


def retry_wait(retry: int, draw: float, time_scale: float) -> float:
    """Seconds to wait before retry number `retry` (1-based); `draw` is uniform in [0, 1)."""
    return FIRST_WAIT_SECONDS * 2.0 ** (retry - 1) * (0.5 + draw) * time_scale
