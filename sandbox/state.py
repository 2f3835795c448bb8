"""The sandbox's state: issues, the lagging search index, Xray records, the request log.

One lock guards everything, because the server thread and the test thread both touch it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.changes import changelog
from sandbox.errors import NotFound
from sandbox.model import Issue, IssueLink
from sandbox.options import Deployment, SandboxOptions
from sandbox.ratelimit import RateLimiter, RetryAfterMemory
from sandbox.webhook_model import Delivery, Registration
from sandbox.xray_model import XrayRecords


@dataclass
class RequestLog:
    """What the sandbox was asked: requests per endpoint, early requests, statuses."""

    per_endpoint: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    early_requests: int = 0
    total: int = 0

    def as_json(self) -> dict[str, Any]:
        """The log as `GET /_sandbox/log` returns it."""
        return {
            "total": self.total, "early_requests": self.early_requests,
            "per_endpoint": dict(self.per_endpoint),
            "statuses": {str(k): v for k, v in self.statuses.items()},
        }


class SandboxState:
    """All the mutable state of one sandbox."""

    def __init__(self, deployment: Deployment, options: SandboxOptions) -> None:
        self.deployment = deployment
        self.options = options
        self.lock = threading.RLock()
        # Called as listener(webhookEvent, issue_event_type_name, issue now, issue before).
        self.listeners: list[Callable[[str, str, Issue, Issue | None], None]] = []
        self.base_url = ""  # set by the server once it listens
        self.files = Path(tempfile.mkdtemp(prefix="xray-sync-sandbox-"))
        self.reset()

    def close(self) -> None:
        """Removes the attachment files from disk."""
        shutil.rmtree(self.files, ignore_errors=True)

    def new_file(self) -> Path:
        """A fresh path under the sandbox's file store."""
        return self.files / f"{self.child_id()}.bin"

    def reset(self) -> None:
        """Back to the seeded, empty project: no issues, log, tokens or rate-limit memory."""
        with self.lock:
            for stored in self.files.glob("*.bin"):
                stored.unlink()
            self.issues: dict[int, Issue] = {}
            self.key_to_id: dict[str, int] = {}
            self.index: dict[int, list[tuple[float, Issue | None]]] = {}
            self.next_issue_id = 10001
            self.next_issue_number: Counter[str] = Counter()  # per project key
            self.next_child_id = 10001  # attachments, comments, links share one sequence
            self.links: dict[int, IssueLink] = {}
            self.xray = XrayRecords()
            self.webhooks: dict[int, Registration] = {}
            self.deliveries: list[Delivery] = []
            self.log = RequestLog()
            self.retry_memory = RetryAfterMemory()
            self.issue_retry_memory = RetryAfterMemory()
            limit = self.options.rate_limit
            self.limiter = RateLimiter(limit) if limit is not None else None
            xray = self.options.xray_rate_limit
            self.xray_limiter = RateLimiter(xray) if xray is not None else None
            per_issue = self.options.issue_write_limit
            self.issue_limiter = RateLimiter(per_issue) if per_issue is not None else None

    def limiter_of(self, client: str) -> RateLimiter | None:
        """The window a client's requests count in: Xray's own for Xray when it is set."""
        if client == "xray" and self.xray_limiter is not None:
            return self.xray_limiter
        return self.limiter

    def closed_windows(self) -> dict[str, dict[str, int]]:
        """Per limiter, the requests refused for a closed window."""
        found = {"jira": self.limiter, "xray": self.xray_limiter}
        return {name: limiter.closed_window() for name, limiter in found.items()
                if limiter is not None}

    def now(self) -> float:
        """The sandbox's clock."""
        return self.options.clock()

    def child_id(self) -> int:
        """A fresh numeric id for an attachment, comment, link or remote link."""
        with self.lock:
            value = self.next_child_id
            self.next_child_id += 1
            return value

    def add_issue(self, type_name: str, summary: str, project_key: str | None = None,
                  reporter: str = "sandbox") -> Issue:
        """A new issue KEY-n (QA by default) in status To Do; its first `touch` indexes it."""
        with self.lock:
            now = self.now()
            project = project_key or self.options.project_key
            self.next_issue_number[project] += 1
            issue = Issue(
                id=self.next_issue_id, key=f"{project}-{self.next_issue_number[project]}",
                type_name=type_name, summary=summary, created=now, updated=now,
                reporter=reporter, watchers=[reporter],  # Jira's autowatch: on by default
            )
            self.next_issue_id += 1
            self.issues[issue.id] = issue
            self.key_to_id[issue.key] = issue.id
            return issue

    def issue(self, id_or_key: str | int) -> Issue:
        """The issue with this id or key, else 404 as Jira words it."""
        with self.lock:
            text = str(id_or_key)
            issue_id = int(text) if text.isdigit() else self.key_to_id.get(text.upper())
            if issue_id is None or issue_id not in self.issues:
                raise NotFound("Issue does not exist or you do not have permission to see it.")
            return self.issues[issue_id]

    def touch(self, issue: Issue, reason: str = "issue_updated") -> None:
        """Marks an issue as updated now, re-indexes it and tells the listeners.

        The first touch of a new issue is its creation (`reason` is then `issue_created`);
        `reason` is Jira's issue_event_type_name (issue_updated, issue_generic, ...).
        """
        with self.lock:
            versions = self.index.get(issue.id)
            previous = versions[-1][1] if versions else None
            issue.updated = max(self.now(), issue.updated)
            self._index(issue)
            if previous is not None:
                items = changelog(previous, issue, self.deployment, self.options.status_names)
                if items:
                    issue.history.append((self.child_id(), self.now(), items))
            event = "jira:issue_updated" if versions else "jira:issue_created"
            if not versions:
                reason = "issue_created"
            for listener in self.listeners:
                listener(event, reason, issue.snapshot(), previous)

    def delete_issue(self, issue: Issue) -> None:
        """Removes an issue; search forgets it after the lag."""
        with self.lock:
            self.issues.pop(issue.id, None)
            self.key_to_id.pop(issue.key, None)
            self.index.setdefault(issue.id, []).append((self.now(), None))
            self.xray.forget_issue(issue.id)
            for listener in self.listeners:
                listener("jira:issue_deleted", "", issue.snapshot(), None)

    def searchable(self, lag_seconds: float) -> list[Issue]:
        """The issues as the search index saw them `lag_seconds` ago."""
        with self.lock:
            if lag_seconds <= 0:
                latest = (versions[-1][1] for versions in self.index.values())
                return [snapshot for snapshot in latest if snapshot is not None]
            horizon = self.now() - lag_seconds
            seen: list[Issue] = []
            for versions in self.index.values():
                visible = [snap for at, snap in versions if at <= horizon]
                if visible and visible[-1] is not None:
                    seen.append(visible[-1])
            return seen

    def _index(self, issue: Issue) -> None:
        versions = self.index.setdefault(issue.id, [])
        versions.append((self.now(), issue.snapshot()))
        self._prune(versions)

    def _prune(self, versions: list[tuple[float, Issue | None]]) -> None:
        # Keep the newest version older than the lag horizon and everything after it.
        horizon = self.now() - self.options.search_lag_seconds
        older = [i for i, (at, _) in enumerate(versions) if at <= horizon]
        if len(older) > 1:
            del versions[: older[-1]]
