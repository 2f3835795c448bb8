"""The configuration: one TOML file, overridden key by key by the environment.

Precedence, lowest first: the defaults below, the TOML file, then environment
variables. The key ``key`` of table ``[section]`` is overridden by
``XRAY_SYNC_SECTION_KEY`` (``[jira] url`` by ``XRAY_SYNC_JIRA_URL``). Secrets are
never read from the file: they come only from the environment (see ``SECRETS``)
and are kept in ``Secrets``, whose ``repr`` hides them.

``XRAY_SYNC_HOME`` is the data folder (default ``~/.local/share/xray-sync``): the
SQLite store, the blob store and, when no file is named, ``config.toml``.
``XRAY_SYNC_CONFIG`` names a config file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from connector.errors import InvalidInput
from connector.settings import xray_cloud_url
from connector.statuses import parse_status_spec
from sync.bridge import DEFAULT_AUTOMATION_ACTIONS, BadAction, parse_action

DEFAULT_PORT = 8470


class ConfigError(Exception):
    """The configuration cannot be used; ``message`` names the key and the rule."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Section):
    url: str = ""  # empty: sqlite:///$XRAY_SYNC_HOME/xray-sync.db
    max_upload_mb: int = Field(default=1024, gt=0)
    version_retention: int | None = Field(default=None, gt=0)
    trash_retention_days: int = Field(default=30, ge=0)
    lock_lease_seconds: int | None = Field(default=None, gt=0)
    duplicate_xray_as: Literal["xray", "standalone"] = "xray"
    desktop_link_template: str = "xea://open?session={id}&workspace={workspace}"


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    public_url: str = ""  # empty: http://HOST:PORT; used in the remote links put on Jira issues
    # a client's time to send a request's head (on a new connection, between keep-alives)
    head_timeout_seconds: float = Field(default=10.0, gt=0)
    keep_alive_seconds: float = Field(default=5.0, gt=0)
    # open connections beyond this get 503 at once
    max_connections: int = Field(default=1000, gt=0)
    # TLS served by the daemon itself (else keep host on loopback behind a proxy)
    tls_certfile: str = ""
    tls_keyfile: str = ""
    # plain HTTP on a non-loopback host: only when a TLS-terminating proxy fronts it
    allow_plain_http: bool = False


class JiraConfig(_Section):
    deployment: Literal["cloud", "datacenter"] = "cloud"
    url: str = ""
    email: str = ""
    project: str = "QA"
    timeout_seconds: float = Field(default=30.0, gt=0)
    # A cap of Jira requests per window; 0: none, Jira's own answers pace the sync.
    rate_limit_requests: int = Field(default=0, ge=0)
    rate_limit_window: int = Field(default=60, gt=0)


class XrayConfig(_Section):
    url: str = ""  # empty: Xray Cloud's host of `region` on Cloud, the Jira URL on Data Center
    region: Literal["", "us", "eu", "au"] = ""  # Xray Cloud: "" the global host, else a region's
    client_id: str = ""
    # Xray Server/DC: the import's key for a test's files; older Xray Server: "evidences".
    server_evidence_key: Literal["evidence", "evidences"] = "evidence"
    # Seconds an import of a run (with its evidence) may take; other calls: [jira] timeout.
    import_timeout_seconds: float = Field(default=120.0, gt=0)
    # Xray Cloud: run updates pushed together in one read and a few GraphQL documents
    # (docs/connector.md, "Batched run updates"); 1: an import each. Data Center: unused.
    batch_size: int = Field(default=50, ge=1, le=100)
    # Seconds a batch waits for one more update before it is sent (unless it is full;
    # 5 s at most from its first).
    batch_linger_seconds: float = Field(default=0.25, ge=0, le=10)


class SyncConfig(_Section):
    interval: int = Field(default=300, gt=0)  # seconds between sync cycles
    reconcile_interval: int = Field(default=3600, gt=0)  # seconds between deletion listings
    concurrency: int = Field(default=4, gt=0, le=64)
    # Xray Cloud's window per API key: Standard 300 per 5 min, Enterprise 1,000.
    rate_limit_requests: int = Field(default=300, gt=0)
    rate_limit_window: int = Field(default=300, gt=0)
    conflict_policy: Literal["local", "remote"] = "local"
    on_purge: Literal["leave", "transition", "comment"] = "leave"
    purge_transition: str = "Cancelled"  # a status name, id:ID or category:KEY
    claim_lease_seconds: int = Field(default=120, gt=0)
    overlap_seconds: int = Field(default=120, ge=60)  # JQL has minute precision
    # on-demand syncs (POST /api/v1/sync) per user: this many at once, then one more every
    # request_interval_seconds (0: no limit); admins may force one past it
    request_burst: int = Field(default=3, gt=0)
    request_interval_seconds: float = Field(default=10, ge=0)

    @field_validator("purge_transition")
    @classmethod
    def _status_spec(cls, value: str) -> str:
        try:
            parse_status_spec(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value


class WorkflowConfig(_Section):
    on_status: dict[str, str] = Field(default_factory=dict)
    on_delete: str = "disconnect"  # empty: a deletion in Jira does nothing here
    service_user: str = ""
    # Automation's requests: who acts when the request names no Jira account known here,
    # and which actions they may ask for (docs/api.md, "Automation's trust model")
    automation_user: str = ""
    automation_actions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_AUTOMATION_ACTIONS))

    # checked where the config is read, so every surface (the daemon, the API, an
    # in-process `xray-sync sync`) refuses an action the bridge does not know
    @field_validator("on_status")
    @classmethod
    def _known_status_actions(cls, value: dict[str, str]) -> dict[str, str]:
        for status, action in value.items():
            try:
                parse_status_spec(status)
                parse_action(action)
            except (BadAction, InvalidInput) as exc:
                raise ValueError(f"{status!r}: {exc}") from None
        return value

    @field_validator("automation_actions")
    @classmethod
    def _known_automation_actions(cls, value: list[str]) -> list[str]:
        for action in value:
            parse_action(action)  # BadAction is a ValueError: pydantic names the key
        return value

    @field_validator("on_delete")
    @classmethod
    def _known_delete_action(cls, value: str) -> str:
        if value.strip():
            parse_action(value)  # BadAction is a ValueError: pydantic names the key
        return value


class WebhooksConfig(_Section):
    max_body_kb: int = Field(default=1024, gt=0)
    # a signed delivery whose payload timestamp is older than this is refused as a replay
    # (Jira stops retrying well within it)
    max_age_hours: float = Field(default=24, gt=0)


class CliConfig(_Section):
    user: str = ""  # the acting user when neither --as nor XRAY_SYNC_USER names one


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Secrets(BaseModel):
    """Secrets from the environment; ``SecretStr`` keeps them out of reprs and logs."""

    model_config = ConfigDict(frozen=True)

    jira_token: SecretStr | None = None
    xray_client_secret: SecretStr | None = None
    webhooks_secret: SecretStr | None = None
    webhooks_automation_secret: SecretStr | None = None


# (section, key) -> the attribute of Secrets; only the environment may set them.
SECRETS: dict[tuple[str, str], str] = {
    ("jira", "token"): "jira_token",
    ("xray", "client_secret"): "xray_client_secret",
    ("webhooks", "secret"): "webhooks_secret",
    ("webhooks", "automation_secret"): "webhooks_automation_secret",
}

ENV_PREFIX = "XRAY_SYNC_"


class Config(BaseModel):
    """The whole configuration, one attribute per TOML table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path
    source: Path | None = None  # the file it was read from, if any
    store: StoreConfig = StoreConfig()
    server: ServerConfig = ServerConfig()
    jira: JiraConfig = JiraConfig()
    xray: XrayConfig = XrayConfig()
    sync: SyncConfig = SyncConfig()
    workflow: WorkflowConfig = WorkflowConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    cli: CliConfig = CliConfig()
    logging: LoggingConfig = LoggingConfig()
    secrets: Secrets = Secrets()

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{self.home / 'xray-sync.db'}"

    @property
    def public_url(self) -> str:
        return self.server.public_url or f"http://{self.server.host}:{self.server.port}"

    @property
    def xray_url(self) -> str:
        if self.xray.url:
            return self.xray.url
        if self.jira.deployment == "cloud":
            return xray_cloud_url(self.xray.region)
        return self.jira.url


_SECTIONS = tuple(
    name for name in Config.model_fields if name not in ("home", "source", "secrets")
)


def default_home(env: Mapping[str, str]) -> Path:
    if env.get("XRAY_SYNC_HOME"):
        return Path(env["XRAY_SYNC_HOME"]).expanduser()
    return Path("~/.local/share/xray-sync").expanduser()


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if any), apply the environment, and validate the result."""
    env = os.environ if env is None else env
    home = default_home(env)
    if path is None and env.get("XRAY_SYNC_CONFIG"):
        path = Path(env["XRAY_SYNC_CONFIG"]).expanduser()
    if path is None and (home / "config.toml").is_file():
        path = home / "config.toml"
    raw = _read_toml(path) if path is not None else {}
    _refuse_secrets_in_file(raw, path)
    merged = _apply_environment(raw, env)
    secrets = {
        attr: env[_env_name(s, k)] for (s, k), attr in SECRETS.items() if env.get(_env_name(s, k))
    }
    try:
        return Config(home=home, source=path, secrets=Secrets(**secrets), **merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"config key {where}: {first['msg']}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _refuse_secrets_in_file(raw: Mapping[str, Any], path: Path | None) -> None:
    for section, key in SECRETS:
        if key in raw.get(section, {}):
            raise ConfigError(
                f"config key {section}.{key} in {path}: secrets come only from the environment "
                f"({_env_name(section, key)})"
            )


def _env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper()


def _apply_environment(raw: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    merged: dict[str, Any] = {section: dict(raw.get(section, {})) for section in _SECTIONS}
    unknown = set(raw) - set(_SECTIONS)
    if unknown:
        raise ConfigError(f"config table [{sorted(unknown)[0]}] is not a known section")
    for section in _SECTIONS:
        model = Config.model_fields[section].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for key, field in model.model_fields.items():
            value = env.get(_env_name(section, key))
            if value is None:
                continue
            if field.annotation is not None and "dict" in str(field.annotation):
                continue  # tables such as workflow.on_status are set in the file only
            optional = "None" in str(field.annotation)
            merged[section][key] = None if value == "" and optional else value
    return {section: values for section, values in merged.items() if values}
