"""How to reach one Jira/Xray deployment: URLs, credentials, timeouts, limits, retries.

Secrets (`token`, `client_secret`) are kept out of `repr` so that logging a settings
object never shows them; the caller reads them from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from connector.base import Deployment
from connector.errors import InvalidInput

EvidenceKey = Literal["evidence", "evidences"]

# Xray Cloud's hosts (Xray's API docs, "Available endpoints by zone"): the global one
# serves every site; a site with data residency is faster at its region's.
XRAY_CLOUD_HOSTS = {
    "": "https://xray.cloud.getxray.app",
    "us": "https://us.xray.cloud.getxray.app",
    "eu": "https://eu.xray.cloud.getxray.app",
    "au": "https://au.xray.cloud.getxray.app",
}


def xray_cloud_url(region: str = "") -> str:
    """Xray Cloud's base URL: the global host, or a region's (`us`, `eu`, `au`)."""
    try:
        return XRAY_CLOUD_HOSTS[region.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(r for r in XRAY_CLOUD_HOSTS if r))
        raise InvalidInput(
            f"unknown Xray Cloud region {region!r}; use one of {known}, or none for the "
            "global host [xray_region_known]"
        ) from None


@dataclass(frozen=True)
class RateLimit:
    """`requests` per `per_seconds`: Xray Cloud's window (any `per_seconds` holds at most
    `requests`), or a token bucket for Jira with bursts up to `burst`."""

    requests: int = 300
    per_seconds: float = 300.0
    burst: int = 5

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self.requests / self.per_seconds


@dataclass(frozen=True)
class RetrySettings:
    """The one retry layer: attempts per call, backoff bounds, the longest Retry-After we wait."""

    enabled: bool = True
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0
    # Rate limits do not use up `attempts`: a call waits them out up to this long in all.
    max_rate_limit_wait: float = 1800.0
    # A 429 from Jira with neither Retry-After nor X-RateLimit-Reset pauses it this long.
    rate_limit_floor: float = 60.0


@dataclass(frozen=True)
class ConnectorSettings:
    """Everything `make_backend` needs to build one backend."""

    deployment: Deployment
    jira_url: str
    token: str = field(repr=False)
    email: str = ""
    xray_url: str = ""  # empty: Xray Cloud's host of `xray_region` (Cloud only)
    xray_region: str = ""  # "": the global host; "us", "eu" or "au": that region's
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    timeout: float = 30.0
    # Seconds an Xray import may take (it carries the evidence; 35-60 s are reported).
    import_timeout: float = 120.0
    # Xray Cloud's window per API key (Standard: 300 per 5 minutes; Enterprise: 1,000).
    rate_limit: RateLimit = field(default_factory=RateLimit)
    # Jira's own cap (a token bucket); None: none, Jira's answers pace us (the default).
    jira_rate_limit: RateLimit | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
    console_url: str = ""
    # Seconds the service user's time zone (`myself`) is trusted before it is read again.
    time_zone_ttl: float = 60.0
    # Xray Cloud: run updates pushed at once that share one read and a few GraphQL
    # documents (`connector.cloud_runs`); 1: each is an import of its own. `batch_linger`:
    # seconds a batch waits for one more update before it is sent (unless it is full;
    # 5 s at most from its first).
    batch_size: int = 1
    batch_linger: float = 0.25
    # Xray Server/DC: the key of a test's files in an import, `evidence` (Xray Server 4 and
    # later, and Cloud) or `evidences` (older Xray Server, whose docs show that key).
    xray_evidence_key: EvidenceKey = "evidence"
    # Data Center: ids of Xray's custom fields; discovered by name when empty.
    test_type_field: str = ""
    definition_field: str = ""
