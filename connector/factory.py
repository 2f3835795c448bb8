"""`make_backend`: settings in, a ready backend out: one retry layer, and one budget per
service (Jira's; on Cloud also Xray's window, per API key), kept in a `SharedLedger` when
several instances spend the same keys."""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable

import requests
import requests.utils

from connector.base import Backend
from connector.budget import JiraBudget, SharedLedger, XrayWindow
from connector.channel import Channel, jira_client
from connector.cloud import CloudBackend, XrayCloud
from connector.cloud_runs import DateFieldIds, RunBatcher
from connector.datacenter import DataCenterBackend
from connector.errors import InvalidInput
from connector.ratelimit import Clock, Sleep
from connector.retry import RetryLayer
from connector.settings import ConnectorSettings, xray_cloud_url


def make_backend(
    settings: ConnectorSettings,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    rng: Callable[[], float] = random.random,
    shared: SharedLedger | None = None,
) -> Backend:
    """The backend for `settings.deployment`; `clock`/`sleep`/`rng` are seams for tests;
    `shared` keeps the budgets where every instance on the same keys sees them."""
    retry = RetryLayer(settings.retry, sleep=sleep, rng=rng)
    waits = settings.retry.enabled  # a caller that does not retry reports, it does not wait
    jira_budget = JiraBudget(settings.jira_rate_limit, floor=settings.retry.rate_limit_floor,
                             clock=clock, sleep=sleep, rng=rng, waits=waits, shared=shared,
                             key=budget_key("jira", settings.jira_url, settings.email))
    if settings.deployment == "cloud":
        xray_budget = XrayWindow(settings.rate_limit, clock=clock, sleep=sleep, rng=rng,
                                 waits=waits, shared=shared,
                                 key=budget_key("xray", settings.xray_url or settings.jira_url,
                                                settings.client_id))
        return _cloud(settings, jira_budget, xray_budget, retry, clock)
    if settings.deployment == "datacenter":
        return _datacenter(settings, jira_budget, retry, clock)
    raise InvalidInput(f"unknown deployment {settings.deployment!r} [deployment_is_cloud_or_dc]")


def budget_key(service: str, url: str, account: str) -> str:
    """The name of one service's budget for one site and account (Xray: the API key's
    client id; Jira: the user): the same on every instance, no secret in it."""
    digest = hashlib.sha256(f"{url.rstrip('/')}\n{account}".encode()).hexdigest()[:24]
    return f"{service}:{digest}"


def pin_environment(http: requests.Session, url: str) -> requests.Session:
    """Read the proxy and CA-bundle environment once, for the one host `http` talks to.

    `requests` otherwise re-reads `os.environ` on every request (about 1 ms of CPU each,
    a tenth of a push's CPU at 4 threads under the GIL). The outcome is the same:
    HTTP(S)_PROXY / NO_PROXY and REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE still apply.
    """
    http.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and http.verify is True:
        http.verify = bundle
    http.trust_env = False
    return http


def _cloud(
    settings: ConnectorSettings, jira_budget: JiraBudget, xray_budget: XrayWindow,
    retry: RetryLayer, clock: Clock,
) -> CloudBackend:
    if not (settings.email and settings.token and settings.client_id and settings.client_secret):
        raise InvalidInput(
            "Cloud needs an email, an API token, an Xray client id and secret "
            "[cloud_credentials_required]"
        )
    jira = jira_client(
        settings.jira_url, api_version="3", timeout=settings.timeout,
        basic_auth=(settings.email, settings.token),
    )
    xray_url = settings.xray_url or xray_cloud_url(settings.xray_region)
    xray_http = pin_environment(requests.Session(), xray_url)
    xray = XrayCloud(
        Channel(xray_http, retry, xray_budget, timeout=settings.timeout),
        xray_url,
        settings.client_id,
        settings.client_secret,
    )
    pin_environment(jira._session, settings.jira_url)
    jira_channel = Channel(jira._session, retry, jira_budget, timeout=settings.timeout)
    fields_url = f"{settings.jira_url.rstrip('/')}/rest/api/3/field"
    dates = DateFieldIds(lambda: jira_channel.send_json(
        "GET", fields_url, operation="list fields", idempotent=True))
    batcher = RunBatcher(xray, dates, capacity=settings.batch_size,
                         linger=settings.batch_linger) if settings.batch_size > 1 else None
    return CloudBackend(jira_channel, settings.jira_url, xray,
                        zone_ttl=settings.time_zone_ttl, clock=clock,
                        import_timeout=settings.import_timeout, batcher=batcher)


def _datacenter(
    settings: ConnectorSettings, jira_budget: JiraBudget, retry: RetryLayer, clock: Clock
) -> DataCenterBackend:
    if not settings.token:
        raise InvalidInput("Data Center needs a personal access token [dc_token_required]")
    jira = jira_client(
        settings.jira_url, api_version="2", timeout=settings.timeout, token=settings.token
    )
    pin_environment(jira._session, settings.jira_url)
    return DataCenterBackend(
        Channel(jira._session, retry, jira_budget, timeout=settings.timeout),
        settings.jira_url,
        test_type_field=settings.test_type_field,
        definition_field=settings.definition_field,
        zone_ttl=settings.time_zone_ttl,
        clock=clock,
        import_timeout=settings.import_timeout,
        evidence_key=settings.xray_evidence_key,
    )
