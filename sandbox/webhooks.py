"""Jira webhooks: registrations, the payloads Jira sends, and their delivery.

Payloads follow the real captures in fixtures/webhooks: `timestamp`, `webhookEvent`,
`issue_event_type_name` (not on deletes), `user`, `issue` (v2 shapes, `self` under
/rest/api/2), and on updates a `changelog` whose items carry `fieldId` on Cloud only.
Each delivery has an `X-Atlassian-Webhook-Identifier` that stays the same across its retries
and, when the registration has a secret, `X-Hub-Signature: sha256=<HMAC-SHA256 of the body>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
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

EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
RETRIES = 3  # deliveries answered 5xx or unreachable are sent again, same identifier


@dataclass
class Webhooks:
    """The registrations of a sandbox and the thread that delivers their events."""

    state: SandboxState
    _queue: queue.Queue[tuple[Registration, bytes, str, str] | None] = field(
        default_factory=queue.Queue)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Listens to the state and starts the delivery thread."""
        self.state.listeners.append(self.announce)
        self._thread = threading.Thread(target=self._deliver_all, daemon=True,
                                        name="sandbox-webhooks")
        self._thread.start()

    def stop(self) -> None:
        """Stops the delivery thread once the queue is drained."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=10)

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
            self._queue.put((registration, payload, str(uuid.uuid4()), event))

    def _passes(self, registration: Registration, issue: Issue) -> bool:
        if not registration.jql_filter:
            return True
        return jql.parse(registration.jql_filter, self.state.now()).predicate(issue)

    def payload(self, event: str, reason: str, issue: Issue,
                before: Issue | None) -> dict[str, Any]:
        """The JSON Jira posts for this event."""
        view = View(self.state.base_url, 2, self.state.deployment,
                    self.state.options.credentials.email, self.state.options.project_key,
                    self.state.options.project_name)
        rendered = render_issue(issue, view, list(NAVIGABLE), lambda _: [])
        body: dict[str, Any] = {
            "timestamp": int(self.state.now() * 1000), "webhookEvent": event,
            "user": view.user(), "issue": {k: rendered[k] for k in ("id", "self", "key",
                                                                    "fields")}}
        if event != "jira:issue_deleted":
            body["issue_event_type_name"] = reason
        if before is not None:
            body["changelog"] = {"id": str(self.state.child_id()),
                                 "items": changelog(before, issue, view.deployment)}
        return body

    def _deliver_all(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._deliver(*job)

    def _deliver(self, registration: Registration, payload: bytes, identifier: str,
                 event: str) -> None:
        headers = {"Content-Type": "application/json",
                   "X-Atlassian-Webhook-Identifier": identifier}
        if registration.secret:
            digest = hmac.new(registration.secret.encode(), payload, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        for _ in range(1 + RETRIES):
            try:
                status = requests.post(registration.url, data=payload, headers=headers,
                                       timeout=5).status_code
            except requests.RequestException:
                status = 0
            with self.state.lock:
                self.state.deliveries.append(Delivery(identifier, registration.url, event, status))
            if 0 < status < 500:
                return
