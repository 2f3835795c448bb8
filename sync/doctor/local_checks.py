"""Pure verdicts on this side: the webhook secret, the public URL Jira reaches us at, and
the store (schema migrated, database and blob folder writable)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from store.errors import StoreError
from store.readiness import SchemaState
from sync.doctor.report import Check, fail, ok, skip, warn

INIT = "run `xray-sync init` (it creates and migrates the store)"


def webhook_secret(secret_set: bool, automation_set: bool, public_url: str) -> Check:
    """Jira's webhooks are refused unless a secret checks their signature."""
    name = "webhook_secret"
    also = "" if automation_set else (
        "; Automation rules are refused too until XRAY_SYNC_WEBHOOKS_AUTOMATION_SECRET is set")
    if not secret_set:
        return fail(name, "XRAY_SYNC_WEBHOOKS_SECRET is not set: every Jira webhook is refused"
                    + also,
                    "register a Jira webhook to " + public_url.rstrip("/") + "/hooks/jira with "
                    "a secret (Jira settings, System, WebHooks) and set "
                    "XRAY_SYNC_WEBHOOKS_SECRET to it")
    if not automation_set:
        return warn(name, "the webhook secret is set" + also,
                    "set XRAY_SYNC_WEBHOOKS_AUTOMATION_SECRET if Automation rules post to "
                    "/hooks/automation")
    return ok(name, "the webhook secret and the Automation secret are set")


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_url(url: str, jira_url: str, answer: int | str) -> Check:
    """Jira (webhooks, the remote links' readers) reaches the daemon at `[server] public_url`;
    `answer` is the status `/healthz` answered there, or why nothing answered."""
    name = "public_url"
    fix = ("start the daemon (`xray-sync daemon`) and set [server] public_url "
           "(XRAY_SYNC_SERVER_PUBLIC_URL) to the address Jira and browsers reach it at")
    if _loopback(url) and not _loopback(jira_url):
        return fail(name, f"{url} is a loopback address: Jira at {jira_url} cannot reach it",
                    fix)
    if isinstance(answer, str):
        return fail(name, f"nothing answered at {url}/healthz: {answer}", fix)
    if answer not in (200, 503):
        return fail(name, f"{url}/healthz answered HTTP {answer}: not an xray-sync daemon", fix)
    return ok(name, f"{url} answers (/healthz HTTP {answer})")


def store_schema(found: SchemaState | StoreError | None, missing_file: str | None) -> Check:
    """The store's schema is the newest this version ships (`found` is None when the
    SQLite file `missing_file` does not exist, and was not created by looking)."""
    name = "store_schema"
    if found is None:
        return fail(name, f"there is no store database at {missing_file}", INIT)
    if isinstance(found, StoreError):
        return fail(name, found.message, "check [store] url (XRAY_SYNC_STORE_URL) and that the "
                    "database server runs")
    if not found.migrated:
        at = found.current or "no revision (never migrated)"
        return fail(name, f"the schema is at {at}, this version needs {found.head}", INIT,
                    current=found.current, head=found.head)
    return ok(name, f"migrated to {found.head}", head=found.head)


def store_writable(found: StoreError | None, schema: Check) -> Check:
    """The database takes a write and the blob folder a new file."""
    name = "store_writable"
    if schema.status == "fail" and "no store database" in schema.detail:
        return skip(name, "there is no store yet")
    if found is not None:
        return fail(name, found.message, "give the daemon's user write access to the database "
                    "(and, for PostgreSQL, UPDATE on its tables) and to the home folder")
    return ok(name, "the database and the blob folder take writes")
