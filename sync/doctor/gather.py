"""`run_doctor(config)`: reads the site through the connector (`connector.site`), the store
through `store.readiness` and our own `/healthz`, and hands each answer to its verdict.

Nothing here decides: the verdicts are `site_checks` and `local_checks`. Nothing is
written anywhere (the store's write probe is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import httpx

from connector.errors import ConnectorError
from connector.site import SYNC_PERMISSIONS, SiteReader, make_site_reader
from store.db import make_engine
from store.errors import StoreError
from store.readiness import SchemaState, check_writable, missing_sqlite_file, schema_state
from sync.config import Config
from sync.doctor import local_checks, site_checks
from sync.doctor.report import Check, Report, fail, skip
from sync.engine.build import NotConfigured, connector_settings
from sync.wiring import store_settings

T = TypeVar("T")
HEALTH_TIMEOUT = 5.0

Clock = Callable[[], datetime]


def _attempt(read: Callable[[], T]) -> T | ConnectorError:
    try:
        return read()
    except ConnectorError as exc:
        return exc


def run_doctor(config: Config, *, clock: Clock | None = None) -> Report:
    """Every check of `config`'s Jira, Xray, webhook address and store, in order."""
    now = clock or (lambda: datetime.now(UTC))
    site = {"deployment": config.jira.deployment, "jira": config.jira.url,
            "xray": config.xray_url, "project": config.jira.project}
    checks = [*_site_checks(config, now), *_local_checks(config)]
    return Report(site=site, checks=tuple(checks))


def _site_checks(config: Config, now: Clock) -> list[Check]:
    try:
        reader = make_site_reader(connector_settings(config))
    except (NotConfigured, ConnectorError) as exc:
        message = exc.message if isinstance(exc, NotConfigured) else str(exc)
        return [fail("credentials", message, "set the [jira] and [xray] keys named and their "
                     "secrets (config.example.toml lists them)"),
                *(skip(n, "Jira is not configured") for n in _SITE_NAMES[1:])]
    return _read_site(reader, config, now)


_SITE_NAMES = ("credentials", "deployment", "clock", "project", "issue_types", "permissions",
               "xray", "time_zone", "rate_limits")


def _read_site(reader: SiteReader, config: Config, now: Clock) -> list[Check]:
    deployment = config.jira.deployment
    before = now()
    server = _attempt(reader.server_info)
    after = now()
    anonymous = _attempt(reader.server_info_anonymous) if isinstance(server, ConnectorError) \
        else None
    myself = _attempt(reader.myself)
    trusted = not isinstance(myself, ConnectorError)
    key = config.jira.project
    project = _attempt(lambda: reader.project(key)) if trusted else None
    held = _attempt(lambda: reader.permissions(key, tuple(SYNC_PERMISSIONS))) if trusted \
        else None
    checks = [
        site_checks.credentials(deployment, myself),
        site_checks.deployment(deployment, server, anonymous),
        site_checks.clock(server, before, after, config.sync.overlap_seconds),
        site_checks.project(key, project),
        site_checks.issue_types(project),
    ]
    if deployment == "datacenter":
        fields = _attempt(reader.xray_fields) if trusted else None
        checks.append(site_checks.xray_fields(fields))
    checks.append(site_checks.permissions(key, held, _unused_permissions(config)))
    xray = _attempt(reader.check_xray) if trusted or deployment == "cloud" else None
    checks.append(site_checks.xray(deployment, config.xray_url, xray))
    checks.append(site_checks.time_zone(myself))
    checks.append(site_checks.rate_limits(reader.rate_headers, reader.rate_limited))
    return checks


def _unused_permissions(config: Config) -> tuple[str, ...]:
    """Permissions only a purge action uses, when the config does not use it."""
    unused = []
    if config.sync.on_purge != "transition":
        unused.append("TRANSITION_ISSUES")
    if config.sync.on_purge != "comment":
        unused.append("ADD_COMMENTS")
    return tuple(unused)


def _local_checks(config: Config) -> list[Check]:
    secrets = config.secrets
    checks = [
        local_checks.webhook_secret(secrets.webhooks_secret is not None,
                                    secrets.webhooks_automation_secret is not None,
                                    config.public_url),
        local_checks.public_url(config.public_url, config.jira.url, _health(config.public_url)),
    ]
    return checks + _store_checks(config)


def _health(url: str) -> int | str:
    try:
        return httpx.get(url.rstrip("/") + "/healthz", timeout=HEALTH_TIMEOUT).status_code
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _store_checks(config: Config) -> list[Check]:
    missing = missing_sqlite_file(config.store_url)
    if missing is not None:
        schema = local_checks.store_schema(None, str(missing))
        return [schema, local_checks.store_writable(None, schema)]
    engine = make_engine(config.store_url)
    try:
        state: SchemaState | StoreError
        try:
            state = schema_state(engine)
        except StoreError as exc:
            state = exc
        schema = local_checks.store_schema(state, None)
        try:
            check_writable(engine, store_settings(config).blob_root)
            problem = None
        except StoreError as exc:
            problem = exc
        return [schema, local_checks.store_writable(problem, schema)]
    finally:
        engine.dispose()
