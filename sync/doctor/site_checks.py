"""Pure verdicts on what the site answered: credentials, deployment, clock, project, issue
types, Xray's fields, permissions, Xray, time zone, rate limits.

Each function takes what a read returned (its value, or the connector error it raised,
or None when it was not read) and returns one `Check` with the fix for a failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.errors import AuthenticationFailed, ConnectorError, NotFound, RateLimited
from connector.site import SYNC_PERMISSIONS, Myself, ProjectInfo, ServerInfo
from sync.doctor.report import Check, fail, ok, skip, warn

NEEDED_TYPES = ("Test", "Test Execution", "Bug")
XRAY_FIELDS = ("Test Type", "Generic Test Definition")
DC_RUN_STATUSES = ("PASS", "FAIL", "TODO", "EXECUTING")  # what the connector imports
CLOCK_OK_SECONDS = 5.0
REACH = ("check [jira] url (XRAY_SYNC_JIRA_URL), the network, and any proxy "
         "(HTTPS_PROXY, REQUESTS_CA_BUNDLE)")


def _words(exc: ConnectorError) -> str:
    return str(exc)


def credentials(deployment: str, found: Myself | ConnectorError) -> Check:
    """Jira accepts the configured account (`GET myself`)."""
    name = "credentials"
    if isinstance(found, Myself):
        if not found.active:
            return fail(name, f"the account {found.account} is deactivated in Jira",
                        "reactivate the service user, or configure another one")
        return ok(name, f"Jira accepts {found.display_name or found.account} ({found.account})",
                  account=found.account)
    if isinstance(found, AuthenticationFailed):
        fix = ("set [jira] email (XRAY_SYNC_JIRA_EMAIL) to the service user's address and "
               "XRAY_SYNC_JIRA_TOKEN to an API token of that user "
               "(id.atlassian.com, Security, API tokens)") if deployment == "cloud" else (
               "set XRAY_SYNC_JIRA_TOKEN to a personal access token of the service user "
               "(Jira profile, Personal Access Tokens)")
        return fail(name, f"Jira refused the credentials: {_words(found)}", fix)
    if isinstance(found, NotFound):
        return fail(name, f"Jira has no REST API there: {_words(found)}",
                    f"{REACH}; and [jira] deployment (Data Center has no /rest/api/3)")
    return fail(name, f"Jira did not answer: {_words(found)}", REACH)


def deployment(configured: str, found: ServerInfo | ConnectorError,
               anonymous: ServerInfo | ConnectorError | None) -> Check:
    """The site is the deployment the config says (`serverInfo`'s `deploymentType`)."""
    name = "deployment"
    info = found if isinstance(found, ServerInfo) else anonymous
    if not isinstance(info, ServerInfo):
        return fail(name, f"Jira did not say what it is: {found}", REACH)
    shown = "Jira Cloud" if info.deployment == "cloud" else "Jira Data Center/Server"
    if info.deployment != configured:
        return fail(name, f"the site is {shown} (deploymentType {info.deployment_type}) but "
                    f"[jira] deployment is {configured}",
                    f'set [jira] deployment = "{info.deployment}" (XRAY_SYNC_JIRA_DEPLOYMENT)',
                    site=info.deployment)
    return ok(name, f"{shown} {info.version}".strip(), site=info.deployment,
              version=info.version)


def clock(found: ServerInfo | ConnectorError | None, before: datetime, after: datetime,
          overlap_seconds: int) -> Check:
    """Our clock agrees with Jira's: a pull falls back on times we recorded (the links'
    last sync) when its watermark is lost, and asks from them minus the overlap."""
    name = "clock"
    if not isinstance(found, ServerInfo) or found.server_time is None:
        return skip(name, "Jira did not tell its time")
    middle = before + (after - before) / 2
    skew = (middle - found.server_time).total_seconds()
    slack = (after - before).total_seconds() / 2  # the answer was made within the round trip
    off = max(0.0, abs(skew) - slack)
    limit = overlap_seconds / 2
    way = "ahead of" if skew > 0 else "behind"
    detail = f"this machine's clock is {abs(skew):.1f} s {way} Jira's"
    fix = ("synchronise this machine's clock (NTP: timedatectl set-ntp true), or raise "
           f"[sync] overlap_seconds above {2 * int(off) + 60}")
    if off > limit:
        return fail(name, f"{detail}, more than half the sync's overlap ({overlap_seconds} s)",
                    fix, skew_seconds=round(skew, 3))
    if off > CLOCK_OK_SECONDS:
        return warn(name, detail, fix, skew_seconds=round(skew, 3))
    return ok(name, detail, skew_seconds=round(skew, 3))


def project(key: str, found: ProjectInfo | ConnectorError | None) -> Check:
    """The configured project exists and the service user can browse it."""
    name = "project"
    if found is None:
        return skip(name, "Jira did not accept the credentials")
    if isinstance(found, ProjectInfo):
        return ok(name, f"{found.key} ({found.name})", id=found.id)
    if isinstance(found, NotFound | AuthenticationFailed):
        return fail(name, f"Jira shows the service user no project {key}: {_words(found)}",
                    "set [jira] project (XRAY_SYNC_JIRA_PROJECT) to the key of the project, "
                    "and give the service user Browse Projects in it")
    return fail(name, f"the project could not be read: {_words(found)}", REACH)


def issue_types(found: ProjectInfo | ConnectorError | None) -> Check:
    """The project has Xray's Test and Test Execution, and Bug."""
    name = "issue_types"
    if not isinstance(found, ProjectInfo):
        return skip(name, "the project was not read")
    have = {t.casefold() for t in found.issue_types}
    missing = [t for t in NEEDED_TYPES if t.casefold() not in have]
    if missing:
        return fail(name, f"the project {found.key} has no issue type {', '.join(missing)}",
                    f"add {', '.join(missing)} to the issue type scheme of {found.key} (Xray's "
                    "project settings offer to add its issue types)", missing=missing)
    return ok(name, ", ".join(NEEDED_TYPES) + " are in " + found.key)


def xray_fields(found: Mapping[str, str] | ConnectorError | None) -> Check:
    """Data Center: Xray's custom fields a Generic Test needs exist (`GET field`)."""
    name = "xray_fields"
    if found is None:
        return skip(name, "Jira did not accept the credentials")
    if isinstance(found, ConnectorError):
        return fail(name, f"the fields could not be listed: {_words(found)}", REACH)
    missing = [f for f in XRAY_FIELDS if f not in found]
    if missing:
        return fail(name, f"Jira has no custom field {', '.join(missing)}",
                    "install and enable Xray Server/DC; a Jira admin finds its fields under "
                    "Administration, Issues, Custom fields", missing=missing)
    return ok(name, ", ".join(f"{n} = {found[n]}" for n in XRAY_FIELDS), **dict(found))


def permissions(project_key: str, found: Mapping[str, bool] | ConnectorError | None,
                optional: Sequence[str]) -> Check:
    """The service user holds the project permissions the sync uses; those of `optional`
    (a purge action the config does not use) only warn."""
    name = "permissions"
    if found is None:
        return skip(name, "Jira did not accept the credentials")
    if isinstance(found, ConnectorError):
        return fail(name, f"the permissions could not be read: {_words(found)}", REACH)
    lacking = [k for k in SYNC_PERMISSIONS if not found.get(k, False)]
    needed = [k for k in lacking if k not in optional]
    listed = "; ".join(f"{k} ({SYNC_PERMISSIONS[k]})" for k in lacking)
    fix = (f"grant {', '.join(lacking)} to the service user (or a group or role it is in) "
           f"in the permission scheme of {project_key}")
    if needed:
        return fail(name, f"the service user lacks {listed} in {project_key}", fix,
                    lacking=lacking)
    if lacking:
        return warn(name, f"the service user lacks {listed}: not used by this config", fix,
                    lacking=lacking)
    return ok(name, f"all of {', '.join(SYNC_PERMISSIONS)} in {project_key}")


def xray(deployment: str, xray_url: str,
         found: tuple[str, ...] | ConnectorError | None) -> Check:
    """Cloud: Xray accepts the API key. Data Center: Xray's REST API (inside Jira, with
    Jira's credentials) answers."""
    name = "xray"
    if found is None:
        return skip(name, "Jira did not accept the credentials")
    if deployment == "cloud":
        if isinstance(found, AuthenticationFailed):
            return fail(name, f"Xray refused the API key: {_words(found)}",
                        "set [xray] client_id (XRAY_SYNC_XRAY_CLIENT_ID) and "
                        "XRAY_SYNC_XRAY_CLIENT_SECRET to an API key made in Xray's global "
                        "settings (API Keys)")
        if isinstance(found, ConnectorError):
            return fail(name, f"Xray did not answer at {xray_url}: {_words(found)}",
                        "set [xray] url (XRAY_SYNC_XRAY_URL) to Xray Cloud's host, "
                        "https://xray.cloud.getxray.app or a regional one")
        return ok(name, f"Xray Cloud at {xray_url} accepts the API key")
    if isinstance(found, ConnectorError):
        return fail(name, f"Xray's REST API does not answer: {_words(found)}",
                    "install and enable Xray Server/DC in this Jira, and give the service "
                    "user access to it")
    missing = [s for s in DC_RUN_STATUSES if s not in found]
    if missing:
        return warn(name, f"Xray has no test run status {', '.join(missing)}",
                    "a run in that status is refused by Xray's import: restore Xray's default "
                    "statuses (Xray settings, Test Statuses)", missing=missing)
    return ok(name, "Xray Server/DC answers; run statuses " + ", ".join(found))


def time_zone(found: Myself | ConnectorError) -> Check:
    """Jira reads absolute JQL dates in the service user's time zone (`myself.timeZone`);
    the connector writes them in that zone, and widens a search by 12 h when it cannot."""
    name = "time_zone"
    if not isinstance(found, Myself):
        return skip(name, "Jira did not accept the credentials")
    widened = "each pull asks Jira for 12 hours more than it needs"
    if found.time_zone is None:
        return warn(name, f"Jira did not say the service user's time zone: {widened}",
                    "set the service user's time zone in its Jira profile")
    try:
        zone = ZoneInfo(found.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return warn(name, f"the service user's time zone {found.time_zone!r} is unknown on "
                    f"this machine: {widened}",
                    "install the IANA time zone database (tzdata) here, or set a standard "
                    "zone in the service user's Jira profile", zone=found.time_zone)
    offset = zone.utcoffset(datetime.now(zone)) or timedelta(0)
    hours = offset.total_seconds() / 3600
    return ok(name, f"{found.time_zone} (UTC{hours:+g} now): JQL dates are written in it",
              zone=found.time_zone)


def rate_limits(headers: Mapping[str, Mapping[str, str]],
                limited: Sequence[RateLimited]) -> Check:
    """What budget the site announced in its rate-limit headers, and whether it is spent."""
    name = "rate_limits"
    seen = "; ".join(f"{service}: " + ", ".join(f"{k}={v}" for k, v in values.items())
                     for service, values in headers.items()) or "no rate-limit headers"
    data = {service: dict(values) for service, values in headers.items()}
    if limited:
        first = limited[0]
        wait = f"{first.retry_after:.0f} s" if first.retry_after is not None else "a while"
        return fail(name, f"answered 429 to {len(limited)} check(s) ({first.url}); {seen}",
                    f"wait {wait} and run doctor again; if it persists, another client "
                    "spends the same budget", **data)
    spent = [s for s, values in headers.items()
             if values.get("X-RateLimit-NearLimit", "").lower() == "true"
             or values.get("X-RateLimit-Remaining") == "0"]
    if spent:
        return warn(name, f"{', '.join(spent)} near the limit: {seen}",
                    "another client spends the same budget; the sync will pause and wait",
                    **data)
    return ok(name, seen, **data)
