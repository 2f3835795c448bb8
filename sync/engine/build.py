"""Builds a ready engine from the config: the backend (`connector.make_backend`, its
budgets shared through the store on PostgreSQL), the context, the workflow; an earlier
release's watermark file in the home is moved into the store."""

from __future__ import annotations

from collections.abc import Callable

from connector import make_backend
from connector.base import Backend
from connector.budget import SharedLedger
from connector.settings import ConnectorSettings, RateLimit
from store.api import Store
from store.rate_budgets import SharedBudgets
from sync.config import Config
from sync.engine.context import EngineContext, worker_name
from sync.engine.plan import Policy
from sync.engine.purge import PurgePolicy
from sync.engine.runner import SyncEngine
from sync.engine.watermark import adopt_watermark_file
from sync.workflow import Workflow


class NotConfigured(Exception):
    """Jira is not configured enough to sync; `message` names the missing key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def connector_settings(config: Config) -> ConnectorSettings:
    """The connector's settings from `[jira]`, `[xray]`, `[sync]` and the secrets."""
    if not config.jira.url:
        raise NotConfigured("[jira] url is not set (XRAY_SYNC_JIRA_URL) [jira_url_required]")
    token = config.secrets.jira_token
    secret = config.secrets.xray_client_secret
    return ConnectorSettings(
        deployment=config.jira.deployment,
        jira_url=config.jira.url,
        token=token.get_secret_value() if token else "",
        email=config.jira.email,
        xray_url=config.xray_url,
        client_id=config.xray.client_id,
        client_secret=secret.get_secret_value() if secret else "",
        timeout=config.jira.timeout_seconds,
        import_timeout=config.xray.import_timeout_seconds,
        batch_size=batch_size(config), batch_linger=config.xray.batch_linger_seconds,
        xray_evidence_key=config.xray.server_evidence_key,
        rate_limit=RateLimit(config.sync.rate_limit_requests,
                             float(config.sync.rate_limit_window)),
        jira_rate_limit=jira_cap(config),
        console_url=config.public_url,
    )


def batch_size(config: Config) -> int:
    """Run updates per batch: `[xray] batch_size` on Cloud; 1 on Data Center, whose Xray
    has no budget of its own (its requests are Jira's) and no batch of run updates."""
    return config.xray.batch_size if config.jira.deployment == "cloud" else 1


def jira_cap(config: Config) -> RateLimit | None:
    """`[jira] rate_limit_requests` per `rate_limit_window` as a token bucket (bursts of a
    tenth of it), or None when it is 0: no cap, Jira's answers pace the sync."""
    if not config.jira.rate_limit_requests:
        return None
    return RateLimit(config.jira.rate_limit_requests, float(config.jira.rate_limit_window),
                     burst=max(1, config.jira.rate_limit_requests // 10))


def policy_of(config: Config) -> Policy:
    return Policy(conflict=config.sync.conflict_policy, on_status=dict(config.workflow.on_status),
                  on_delete=config.workflow.on_delete)


def shared_budgets(store: Store) -> SharedLedger | None:
    """The budgets every daemon on this store shares (PostgreSQL); None on SQLite, whose
    one process keeps its own."""
    if store.engine.dialect.name == "postgresql":
        return SharedBudgets(store.engine)
    return None


def build_engine(config: Config, store: Store, *, backend: Backend | None = None,
                 request_sync: Callable[[str], None] | None = None,
                 worker: str | None = None, pull_fresh_seconds: float = 0.0) -> SyncEngine:
    """The engine of `config` over `store`; `backend` replaces the configured one (tests).

    `pull_fresh_seconds`: a pull that any daemon of the store started this recently serves
    this engine's cycle too (the daemon: most of its interval; a one-off sync: 0)."""
    adopt_watermark_file(store.engine, config.home)
    if backend is None:
        backend = make_backend(connector_settings(config), shared=shared_budgets(store))
    ctx = EngineContext(
        engine=store.engine,
        backend=backend,
        blobs=store.blobs,
        policy=policy_of(config),
        console_url=config.public_url,
        lease_seconds=config.sync.claim_lease_seconds,
        lock_lease_seconds=store.settings.lock_lease_seconds,
        overlap_seconds=config.sync.overlap_seconds,
        concurrency=config.sync.concurrency,
        batch_size=batch_size(config),
        worker=worker or worker_name(),
        purge=PurgePolicy(config.sync.on_purge, config.sync.purge_transition),
        pull_fresh_seconds=pull_fresh_seconds,
    )
    # without a daemon (an in-process `xray-sync sync`) a `sync` action has no one to ask:
    # the cycle running it is the sync
    workflow = Workflow(store, config.workflow.service_user,
                        request_sync or (lambda session_id: None), ctx.clock)
    return SyncEngine(ctx, workflow)
