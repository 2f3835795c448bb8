"""`SiteReader`: the read-only calls that describe a site, through the backend's channels.

Each call is one request and raises the connector's errors. Every answer's rate-limit
headers are remembered per service (`rate_headers`), and a 429 is remembered too
(`rate_limited`), so a report can say what budget the site announces.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import requests

from connector.cloud import CloudBackend
from connector.datacenter import DataCenterBackend
from connector.errors import InvalidInput, InvalidResponse, RateLimited
from connector.factory import make_backend
from connector.jira_side import JiraSide
from connector.settings import ConnectorSettings, RateLimit, RetrySettings
from connector.site import fields, myself, permissions, projects, server_info, xray
from connector.site.myself import Myself
from connector.site.projects import ProjectInfo
from connector.site.server_info import ServerInfo
from connector.translate import bare_url, error_for_exception, error_for_response

# Jira Cloud's, Jira Data Center's and Xray Cloud's rate-limit headers (Atlassian's
# "Rate limiting" pages), as a report shows them.
RATE_HEADERS = (
    "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
    "X-RateLimit-NearLimit", "RateLimit-Reason", "X-RateLimit-FillRate",
    "X-RateLimit-Interval-Seconds",
)
T = TypeVar("T")


def make_site_reader(settings: ConnectorSettings) -> SiteReader:
    """A reader for the site of `settings`: no retry (a check reports, it does not wait)
    and a bucket wide enough for the dozen reads of a check."""
    quick = replace(settings, retry=RetrySettings(enabled=False),
                    rate_limit=RateLimit(requests=60, per_seconds=60.0, burst=20))
    backend = make_backend(quick)
    if not isinstance(backend, JiraSide):  # pragma: no cover - make_backend builds these
        raise InvalidInput("a site reader needs an HTTP backend [http_backend_required]")
    return SiteReader(backend, timeout=settings.timeout)


class SiteReader:
    """One request per method; `rate_headers` and `rate_limited` collect what was seen."""

    def __init__(self, backend: JiraSide, *, timeout: float = 30.0) -> None:
        self.backend = backend
        self.timeout = timeout
        self.rate_headers: dict[str, dict[str, str]] = {}
        self.rate_limited: list[RateLimited] = []
        self._lock = threading.Lock()
        self._listen(backend.channel.http, "jira")
        if isinstance(backend, CloudBackend):
            self._listen(backend.xray.channel.http, "xray")

    @property
    def cloud(self) -> bool:
        return isinstance(self.backend, CloudBackend)

    def server_info(self) -> ServerInfo:
        """`GET serverInfo` with the credentials."""
        return server_info.read_server_info(self._jira(server_info.PATH, "read server info"))

    def server_info_anonymous(self) -> ServerInfo:
        """`GET serverInfo` without credentials (Jira serves it anonymously)."""
        url = self.backend._url(server_info.PATH)
        operation = "read server info anonymously"
        try:
            resp = requests.get(url, headers={"Accept": "application/json"}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise error_for_exception(exc, url=url, idempotent=True, operation=operation) from exc
        if not resp.ok:
            raise error_for_response(resp, idempotent=True, operation=operation)
        return server_info.read_server_info(_json(resp, operation))

    def myself(self) -> Myself:
        """`GET myself`: the service user and its time zone."""
        return myself.read_myself(self._jira(myself.PATH, "read the current user"))

    def project(self, key: str) -> ProjectInfo:
        """`GET project/{key}`: the project and its issue types."""
        return projects.read_project(self._jira(projects.path(key), "read the project"))

    def permissions(self, project: str, keys: tuple[str, ...]) -> dict[str, bool]:
        """`GET mypermissions` in `project`: which of `keys` (and others) the user holds."""
        query = permissions.params(project, keys, cloud=self.cloud)
        body = self._jira(permissions.PATH, "read my permissions", query)
        return permissions.read_permissions(body)

    def xray_fields(self) -> dict[str, str]:
        """`GET field` (Data Center): the ids of Xray's Test Type and definition fields."""
        return fields.read_xray_fields(self._jira(fields.PATH, "list fields"))

    def check_xray(self) -> tuple[str, ...]:
        """Cloud: a fresh Xray token for the client id and secret (nothing to return).
        Data Center: the run statuses Xray's REST API lists."""
        if isinstance(self.backend, CloudBackend):
            self._watch(self.backend.xray.authenticate)
            return ()
        assert isinstance(self.backend, DataCenterBackend)
        url = self.backend.jira_url + xray.DC_TEST_STATUSES
        channel = self.backend.channel
        resp = self._watch(lambda: channel.send(
            "GET", url, operation="read Xray's test statuses", idempotent=True))
        return xray.read_test_statuses(_json(resp, "read Xray's test statuses"))

    def _jira(self, path: str, operation: str, params: dict[str, str] | None = None) -> Any:
        channel = self.backend.channel
        resp = self._watch(lambda: channel.send(
            "GET", self.backend._url(path),
            operation=operation, idempotent=True, params=params))
        return _json(resp, operation)

    def _watch(self, call: Callable[[], T]) -> T:
        """Run `call`, remembering a 429 it met."""
        try:
            return call()
        except RateLimited as exc:
            with self._lock:
                self.rate_limited.append(exc)
            raise

    def _listen(self, http: requests.Session, service: str) -> None:
        """Every answer `http` receives (429s included) leaves its rate-limit headers."""

        def remember(resp: requests.Response, *_args: Any, **_kwargs: Any) -> None:
            seen = {name: resp.headers[name] for name in RATE_HEADERS if name in resp.headers}
            if seen:
                with self._lock:
                    self.rate_headers.setdefault(service, {}).update(seen)

        http.hooks["response"].append(remember)


def _json(resp: requests.Response, operation: str) -> Any:
    try:
        return resp.json()
    except ValueError as exc:
        raise InvalidResponse(f"{operation}: the answer is not JSON",
                              status=resp.status_code, url=bare_url(resp.url)) from exc
