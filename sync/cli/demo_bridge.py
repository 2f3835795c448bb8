"""The workflow bridge in the demo: the sandbox's webhooks are registered with the demo's
daemon, signed with a secret made for this demo, and Jira's Done and Reopened statuses
are mapped to archive and unarchive, so that moving a session's Test Execution to Done
in the sandbox archives the session within seconds (the hints say how to try it).

A config of the demo's own that maps statuses already is left as it is.
"""

from __future__ import annotations

import json
import secrets
import shlex

import httpx

from sync.config import Config

# what the demo maps when its config maps nothing (docs/design.md section 4's example)
DEMO_ON_STATUS = {"Done": "archive", "Reopened": "unarchive"}
SECRET_ENV = "XRAY_SYNC_WEBHOOKS_SECRET"  # noqa: S105 - the name of the variable, not a secret
DONE_TRANSITION = "31"  # the sandbox's transition to Done (GET .../transitions lists it)
_CLOUD_AUTH = ("sandbox@example.com", "sandbox-token")  # the sandbox's public defaults
_DC_HEADERS = {"Authorization": "Bearer sandbox-token"}


def bridge_env() -> dict[str, str]:
    """The webhook secret the daemon checks signatures with (new for every demo)."""
    return {SECRET_ENV: secrets.token_hex(16)}


def with_bridge(config: Config) -> Config:
    """`config` with the demo's status mapping, unless it maps statuses already."""
    if config.workflow.on_status:
        return config
    workflow = config.workflow.model_copy(update={"on_status": dict(DEMO_ON_STATUS)})
    return config.model_copy(update={"workflow": workflow})


def register_bridge(config: Config, sandbox_url: str, deployment: str) -> None:
    """Registers the daemon's `/hooks/jira` as a signed webhook of the sandbox."""
    secret = config.secrets.webhooks_secret
    assert secret is not None, "the demo sets its webhook secret"
    body = {"name": "xray-sync demo", "url": f"{config.public_url}/hooks/jira",
            "events": ["jira:issue_updated", "jira:issue_deleted"],
            "secret": secret.get_secret_value()}
    auth, headers = (_CLOUD_AUTH, {}) if deployment == "cloud" else (None, _DC_HEADERS)
    answer = httpx.post(f"{sandbox_url}/rest/webhooks/1.0/webhook", json=body, auth=auth,
                        headers=headers, timeout=10)
    answer.raise_for_status()


def bridge_hints(sandbox_url: str, deployment: str, session_id: str) -> list[str]:
    """Shell lines that move the session's Test Execution to Done in the sandbox."""
    api = "3" if deployment == "cloud" else "2"
    credentials = ("-u sandbox@example.com:sandbox-token" if deployment == "cloud"
                   else "-H 'Authorization: Bearer sandbox-token'")
    read_key = 'import json,sys; print(json.load(sys.stdin)["link"]["test_execution"])'
    transition = json.dumps({"transition": {"id": DONE_TRANSITION}})
    return [
        "# the workflow bridge: its Test Execution moved to Done in Jira archives the session",
        f"KEY=$(xray-sync sessions show {session_id} --json | python3 -c {shlex.quote(read_key)})",
        f"curl -sf {credentials} -H 'Content-Type: application/json' "
        f"-d {shlex.quote(transition)} {sandbox_url}/rest/api/{api}/issue/$KEY/transitions",
        f"sleep 3; xray-sync sessions show {session_id}   # locked by jira: archived",
    ]
