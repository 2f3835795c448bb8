"""What a sandbox is told at start: deployment, credentials, limits, latency, search lag."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Deployment = Literal["cloud", "datacenter"]
DEPLOYMENTS: tuple[Deployment, ...] = ("cloud", "datacenter")


@dataclass(frozen=True)
class Credentials:
    """The one account the sandbox accepts (docs/design.md section 6 gives the defaults)."""

    email: str = "sandbox@example.com"
    api_token: str = "sandbox-token"  # noqa: S105 - the sandbox's documented default
    personal_access_token: str = "sandbox-token"  # noqa: S105 - documented default (DC)
    xray_client_id: str = "sandbox"
    xray_client_secret: str = "sandbox-secret"  # noqa: S105 - documented default (Xray)


@dataclass(frozen=True)
class RateLimit:
    """A fixed window per client: at most `requests` in each `window_seconds`.

    A refusal is a 429 with `Retry-After` when `retry_after`, and every answer carries the
    deployment's X-RateLimit-* headers when `headers`; Xray Cloud's worst documented
    behaviour is neither (its tracker asks for Retry-After: XRAYCLOUD-1399)."""

    requests: int = 300
    window_seconds: float = 300.0
    retry_after: bool = True
    headers: bool = True


@dataclass
class SandboxOptions:
    """Everything configurable about one sandbox."""

    credentials: Credentials = field(default_factory=Credentials)
    latency_ms: float = 0.0
    search_lag_seconds: float = 0.0
    rate_limit: RateLimit | None = None  # None: no limit (the default for tests)
    # Xray Cloud's own window (one per tenant); None: `rate_limit` counts Xray's requests too.
    xray_rate_limit: RateLimit | None = None
    issue_write_limit: RateLimit | None = None  # Jira's writes-per-issue limit; None: off
    max_payload_bytes: int = 10 * 1024 * 1024  # JSON and other bodies
    max_attachment_bytes: int = 1024 * 1024 * 1024  # multipart uploads to .../attachments
    # Tomcat's maxHttpHeaderSize (DC: request line + headers -> 400); Cloud: the URL -> 414.
    max_request_head_bytes: int = 8 * 1024
    xray_token_ttl_seconds: float = 24 * 3600.0
    webhook_time_scale: float = 1.0  # multiplies webhook retry waits (tests: e.g. 0.001)
    project_key: str = "QA"
    project_name: str = "Quality Assurance"
    second_project_key: str = "DEMO"  # a plain project: Bug and Task, no Xray types
    second_project_name: str = "Demonstration"
    tester: Credentials = field(default_factory=lambda: Credentials(
        email="tester@example.com", api_token="tester-token",  # noqa: S106 - documented default
        personal_access_token="tester-token"))  # noqa: S106 - documented default
    seed: int = 0  # seeds the random choices of fractional faults
    # The user's time zone (`myself` -> timeZone), in which JQL's absolute dates are read.
    time_zone: str = "UTC"
    # Xray imports read their body, take this long, then apply (even for a client that
    # gave up meanwhile): 35-60 s are reported for imports with evidence.
    import_delay_ms: float = 0.0
    # "legacy" plays an older Xray Server: its import reads a test's files from `evidences`
    # only (`evidence` is ignored), and a run's startedOn/finishedOn are display strings
    # ("Friday 10:13 AM") beside startedOnIso/finishedOnIso.
    xray_server_version: Literal["current", "legacy"] = "current"
    # A site set up badly, for `xray-sync doctor`: permission keys the user lacks, issue
    # types the project does not have, custom fields (by name) Jira does not list.
    withheld_permissions: frozenset[str] = frozenset()
    missing_issue_types: frozenset[str] = frozenset()
    missing_fields: frozenset[str] = frozenset()
    # Statuses as an admin renamed them or the user's language shows them: seeded name ->
    # shown name (ids and categories stay), e.g. {"Done": "Erledigt"}.
    status_names: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
