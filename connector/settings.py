"""How to reach one Jira/Xray deployment: URLs, credentials, timeouts, limits, retries.

Secrets (`token`, `client_secret`) are kept out of `repr` so that logging a settings
object never shows them; the caller reads them from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connector.base import Deployment


@dataclass(frozen=True)
class RateLimit:
    """A client-side token bucket: `requests` per `per_seconds`, bursts up to `burst`."""

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


@dataclass(frozen=True)
class ConnectorSettings:
    """Everything `make_backend` needs to build one backend."""

    deployment: Deployment
    jira_url: str
    token: str = field(repr=False)
    email: str = ""
    xray_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    timeout: float = 30.0
    rate_limit: RateLimit = field(default_factory=RateLimit)
    retry: RetrySettings = field(default_factory=RetrySettings)
    console_url: str = ""
    # Seconds the service user's time zone (`myself`) is trusted before it is read again.
    time_zone_ttl: float = 60.0
    # Data Center: ids of Xray's custom fields; discovered by name when empty.
    test_type_field: str = ""
    definition_field: str = ""
