"""Jira's limit on writes to one issue (when `issue_write_limit` is set): 429 per issue.

A Retry-After given for one issue binds only requests to that issue, so an early request is
one that writes to the same issue before its Retry-After has passed.
"""

from __future__ import annotations

from starlette.requests import Request

from sandbox.errors import TooManyRequests
from sandbox.gate import client_of
from sandbox.model import Issue
from sandbox.runtime import runtime_of


def check_issue_write(request: Request, issue: Issue) -> None:
    """Counts a write to `issue`; beyond the per-issue limit raises 429 with its headers."""
    state = runtime_of(request).state
    if state.issue_limiter is None:
        return
    client = f"{client_of(request.scope)}|issue:{issue.id}"
    now = state.now()
    with state.lock:
        if state.issue_retry_memory.is_early(client, now):
            state.log.early_requests += 1
        verdict = state.issue_limiter.check(f"issue:{issue.id}", now)
        if verdict.allowed:
            return
        state.issue_retry_memory.told_to_wait(client, now + verdict.retry_after)
    raise TooManyRequests(f"Too many changes to issue {issue.key}; retry later.",
                          verdict.headers(state.deployment))
