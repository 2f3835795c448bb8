"""Jira webhooks: registrations, the payloads Jira sends, and their delivery.

Payloads follow the real captures in fixtures/webhooks: `timestamp`, `webhookEvent`,
`issue_event_type_name` (not on deletes), `user`, `issue` (v2 shapes, `self` under
/rest/api/2), and on updates a `changelog` whose items carry `fieldId` on Cloud only.
Each delivery has an `X-Atlassian-Webhook-Identifier` that stays the same across its retries
and, when the registration has a secret, `X-Hub-Signature: sha256=<HMAC-SHA256 of the body>`.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox import jql
from sandbox.changes import changelog
from sandbox.errors import BadRequest
from sandbox.jira_render import NAVIGABLE, View, render_issue
from sandbox.model import Issue
from sandbox.state import SandboxState
from sandbox.webhook_model import Delivery, Registration
from sandbox.webhook_retry import retry_wait, should_retry

EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")


@dataclass(order=True)
class Job:
    """One delivery attempt, due at a monotonic time (retries wait; others go at once)."""

    due: float
    sequence: int
    registration: Registration = field(compare=False)
    payload: bytes = field(compare=False)
    identifier: str = field(compare=False)
    event: str = field(compare=False)
    retry: int = field(compare=False, default=0)


@dataclass
class Webhooks:
    """The registrations of a sandbox and the thread that delivers their events."""

    state: SandboxState
    _jobs: list[Job] = field(default_factory=list)  # a heap by due time
    _wake: threading.Condition = field(default_factory=threading.Condition)
    _stopping: bool = False
    _sequence: int = 0
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Listens to the state and starts the delivery thread."""
        self.state.listeners.append(self.announce)
        self._thread = threading.Thread(target=self._deliver_all, daemon=True,
                                        name="sandbox-webhooks")
        self._thread.start()

    def stop(self) -> None:
        """Stops the delivery thread once what is due is sent; pending retries are dropped."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _schedule(self, job: Job) -> None:
        with self._wake:
            heapq.heappush(self._jobs, job)
            self._wake.notify_all()

    def _next_job(self) -> Job | None:
        """The next job once it is due; None when stopping and nothing more is due."""
        with self._wake:
            while True:
                now = time.monotonic()
                if self._jobs and self._jobs[0].due <= now:
                    return heapq.heappop(self._jobs)
                if self._stopping:
                    return None
                self._wake.wait(self._jobs[0].due - now if self._jobs else None)

    def register(self, body: Any) -> Registration:
        """A registration from the JSON of `POST /rest/webhooks/1.0/webhook`, checked."""
        if not isinstance(body, dict) or not isinstance(body.get("url"), str) \
                or not body["url"].startswith(("http://", "https://")):
            raise BadRequest(errors={"url": "A webhook needs an http(s) url."})
        events = body.get("events") or list(EVENTS)
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise BadRequest(errors={"events": f"Unsupported events: {', '.join(unknown)}"})
        filters = body.get("filters") or {}
        jql_filter = str(filters.get("issue-related-events-section") or "")
        jql.parse(jql_filter, self.state.now())
        with self.state.lock:
            made = Registration(self.state.child_id(), str(body.get("name") or "webhook"),
                                body["url"], list(events), jql_filter, body.get("secret"),
                                bool(body.get("excludeBody")))
            self.state.webhooks[made.id] = made
        return made

    def announce(self, event: str, reason: str, issue: Issue, before: Issue | None) -> None:
        """Queues the payload of an issue event for every registration that wants it."""
        for registration in list(self.state.webhooks.values()):
            if event not in registration.events or not self._passes(registration, issue):
                continue
            payload = b"" if registration.exclude_body else json.dumps(
                self.payload(event, reason, issue, before)).encode()
            self._sequence += 1
            self._schedule(Job(time.monotonic(), self._sequence, registration, payload,
                               str(uuid.uuid4()), event))

    def _passes(self, registration: Registration, issue: Issue) -> bool:
        if not registration.jql_filter:
            return True
        return jql.parse(registration.jql_filter, self.state.now()).predicate(issue)

    def payload(self, event: str, reason: str, issue: Issue,
                before: Issue | None) -> dict[str, Any]:
        """The JSON Jira posts for this event."""
        view = View(self.state.base_url, 2, self.state.deployment,
                    self.state.options.credentials.email, self.state.options.project_key,
                    self.state.options.project_name,
                    status_names=self.state.options.status_names)
        rendered = render_issue(issue, view, list(NAVIGABLE), lambda _: [])
        body: dict[str, Any] = {
            "timestamp": int(self.state.now() * 1000), "webhookEvent": event,
            "user": view.user(), "issue": {k: rendered[k] for k in ("id", "self", "key",
                                                                    "fields")}}
        if event != "jira:issue_deleted":
            body["issue_event_type_name"] = reason
        if before is not None:
            body["changelog"] = {"id": str(self.state.child_id()),
                                 "items": changelog(before, issue, view.deployment,
                                                    self.state.options.status_names)}
        return body

    def _deliver_all(self) -> None:
        draws = random.Random(self.state.options.seed)  # noqa: S311 - jitter, not security
        while (job := self._next_job()) is not None:
            status = self._send(job)
            if should_retry(status, job.retry):
                wait = retry_wait(job.retry + 1, draws.random(),
                                  self.state.options.webhook_time_scale)
                self._schedule(Job(time.monotonic() + wait, job.sequence, job.registration,
                                   job.payload, job.identifier, job.event, job.retry + 1))

    def _send(self, job: Job) -> int:
        """Posts one attempt and records it; the receiver's status, 0 if it did not answer."""
        headers = {"Content-Type": "application/json",
                   "X-Atlassian-Webhook-Identifier": job.identifier}
        if job.retry:
            headers["X-Atlassian-Webhook-Retry"] = str(job.retry)
        if job.registration.secret:
            digest = hmac.new(job.registration.secret.encode(), job.payload,
                              hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        try:
            status = requests.post(job.registration.url, data=job.payload, headers=headers,
                                   timeout=5).status_code
        except requests.RequestException:
            status = 0
        with self.state.lock:
            self.state.deliveries.append(Delivery(job.identifier, job.registration.url,
                                                  job.event, status, job.retry))
        return status
