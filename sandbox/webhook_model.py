"""Webhook registrations and delivery records (kept in the sandbox state)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Registration:
    """One registered webhook."""

    id: int
    name: str
    url: str
    events: list[str]
    jql_filter: str = ""
    secret: str | None = None
    exclude_body: bool = False

    def as_json(self, base: str) -> dict[str, Any]:
        """As `GET /rest/webhooks/1.0/webhook` shows it (the secret never)."""
        return {"self": f"{base}/rest/webhooks/1.0/webhook/{self.id}", "name": self.name,
                "url": self.url, "events": self.events, "enabled": True,
                "filters": {"issue-related-events-section": self.jql_filter},
                "excludeBody": self.exclude_body}


@dataclass
class Delivery:
    """One delivery attempt's outcome, for tests and the control plane."""

    identifier: str
    url: str
    event: str
    status: int  # 0 when the receiver could not be reached
    retry: int = 0  # 0 for the first attempt, then X-Atlassian-Webhook-Retry
