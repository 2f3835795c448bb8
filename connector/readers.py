"""Readers: Jira and Xray response bodies -> the connector's dataclasses.

Pure functions over decoded JSON.  They accept the shapes recorded from real Jira
Cloud / Data Center and Xray (`tests/data/third_party/fixtures/rest/`) and raise
`InvalidResponse` naming what is missing, never KeyError/TypeError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connector.base import (
    ImportedExecution,
    IssueRef,
    IssueSummary,
    LinkedIssue,
    TestRunState,
    Transition,
)
from connector.errors import InvalidResponse, Rejected
from connector.markers import session_from_labels
from connector.translate import messages_from_body


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidResponse(f"expected a JSON object for {what}")
    return value


def _text(obj: dict[str, Any], name: str, what: str) -> str:
    value = obj.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"{what} has no '{name}'")
    return value


def parse_jira_time(value: Any) -> datetime:
    """A Jira/Xray timestamp (`2026-11-20T10:05:00.000+0000`, `...Z`, epoch ms) in UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"not a timestamp: {value!r}")
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # +0000 -> +00:00
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidResponse(f"not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _optional_time(value: Any) -> datetime | None:
    return None if value in (None, "") else parse_jira_time(value)


def read_issue_ref(body: Any) -> IssueRef:
    """`{"id", "key", ...}` as returned by create issue (201) and in search hits."""
    obj = _obj(body, "an issue")
    return IssueRef(id=_text(obj, "id", "issue"), key=_text(obj, "key", "issue"))


def read_bulk_created(body: Any, expected: int) -> tuple[IssueRef, ...]:
    """`POST .../issue/bulk` 201: the created issues in request order; errors -> Rejected."""
    obj = _obj(body, "a bulk create response")
    issues = obj.get("issues") or []
    refs = tuple(read_issue_ref(item) for item in issues)
    errors = obj.get("errors") or []
    if errors or len(refs) != expected:
        messages: list[str] = []
        for err in errors:
            messages.extend(messages_from_body(_obj(err, "a bulk error").get("elementErrors")))
        created = ", ".join(ref.key for ref in refs) or "none"
        raise Rejected(
            f"bulk create made {len(refs)} of {expected} issues (created: {created})",
            jira_messages=messages,
        )
    return refs


def read_issue(body: Any) -> IssueSummary:
    """One issue with the fields summary, status, updated, labels, issuetype."""
    obj = _obj(body, "an issue")
    fields = _obj(obj.get("fields"), f"the fields of {obj.get('key')}")
    labels = tuple(str(label) for label in fields.get("labels") or ())
    status = fields.get("status") or {}
    issue_type = fields.get("issuetype") or {}
    if "updated" not in fields:
        raise InvalidResponse(f"issue {obj.get('key')} has no 'updated' field")
    return IssueSummary(
        id=_text(obj, "id", "issue"),
        key=_text(obj, "key", "issue"),
        updated=parse_jira_time(fields["updated"]),
        summary=str(fields.get("summary") or ""),
        status=str(status.get("name", "")) if isinstance(status, dict) else "",
        issue_type=str(issue_type.get("name", "")) if isinstance(issue_type, dict) else "",
        session_id=session_from_labels(labels),
        labels=labels,
        status_id=_status_id(status),
        status_category=_status_category(status),
    )


def _status_id(status: Any) -> str:
    value = status.get("id") if isinstance(status, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _status_category(status: Any) -> str:
    category = status.get("statusCategory") if isinstance(status, dict) else None
    key = category.get("key") if isinstance(category, dict) else None
    return key if isinstance(key, str) else ""


def read_linked(body: Any) -> LinkedIssue:
    """A hit of the cheap listing (fields `updated,labels`)."""
    issue = read_issue(body)
    return LinkedIssue(key=issue.key, updated=issue.updated, session_id=issue.session_id)


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: its raw hits and where the next page starts (None: last)."""

    issues: tuple[dict[str, Any], ...]
    next_token: str | None = None
    next_start: int | None = None


def _hits(obj: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    issues = obj.get("issues")
    if not isinstance(issues, list):
        raise InvalidResponse("a search response has no 'issues' list")
    return tuple(_obj(item, "a search hit") for item in issues)


def read_cloud_search_page(body: Any) -> SearchPage:
    """`GET /rest/api/3/search/jql`: `nextPageToken` until the last page (`isLast`)."""
    obj = _obj(body, "a search response")
    token = obj.get("nextPageToken")
    if obj.get("isLast") is True or not isinstance(token, str) or not token:
        token = None
    return SearchPage(issues=_hits(obj), next_token=token)


def read_dc_search_page(body: Any) -> SearchPage:
    """`GET /rest/api/2/search`: `startAt`, `maxResults`, `total`."""
    obj = _obj(body, "a search response")
    hits = _hits(obj)
    try:
        start, total = int(obj["startAt"]), int(obj["total"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidResponse("a search response has no startAt/total") from exc
    following = start + len(hits)
    return SearchPage(issues=hits, next_start=following if hits and following < total else None)


def read_graphql(body: Any) -> dict[str, Any]:
    """The `data` of a GraphQL answer; `errors` -> Rejected with their messages."""
    obj = _obj(body, "a GraphQL response")
    if obj.get("errors"):
        raise Rejected("Xray GraphQL refused the request", jira_messages=messages_from_body(obj))
    return _obj(obj.get("data"), "GraphQL data")


def read_created_test(data: dict[str, Any]) -> IssueRef:
    """`data.createTest.test` -> the Test's issue id and key."""
    result = _obj(data.get("createTest"), "createTest")
    test = _obj(result.get("test"), "createTest.test")
    jira = _obj(test.get("jira"), "createTest.test.jira")
    return IssueRef(id=_text(test, "issueId", "createTest.test"), key=_text(jira, "key", "test"))


def read_cloud_test_run(data: dict[str, Any]) -> TestRunState | None:
    """`data.getTestRun` (Xray Cloud GraphQL), None when the run does not exist."""
    run = data.get("getTestRun")
    if run is None:
        return None
    run = _obj(run, "getTestRun")
    status = run.get("status") or {}
    return TestRunState(
        id=_text(run, "id", "test run"),
        status=str(status.get("name", "")) if isinstance(status, dict) else "",
        comment=str(run.get("comment") or ""),
        started=_optional_time(run.get("startedOn")),
        finished=_optional_time(run.get("finishedOn")),
        defects=tuple(str(d) for d in run.get("defects") or ()),
        evidence=tuple(
            str(_obj(e, "evidence").get("filename", "")) for e in run.get("evidence") or ()
        ),
    )


# Xray Server's default statuses, in the Cloud (and bundle) words; custom ones pass as they are.
_SERVER_STATUS = {"PASS": "PASSED", "FAIL": "FAILED", "TODO": "TODO", "EXECUTING": "EXECUTING"}


def server_time(run: dict[str, Any], name: str) -> datetime | None:
    """`startedOn`/`finishedOn` of an Xray Server run: `<name>Iso` when present (some
    versions make `<name>` a display string such as "Friday 10:13 AM"), else `<name>`
    when it reads as a timestamp, else unknown (None) rather than a guess."""
    iso = run.get(f"{name}Iso")
    if iso not in (None, ""):
        return parse_jira_time(iso)
    try:
        return _optional_time(run.get(name))
    except InvalidResponse:
        return None


def read_dc_test_run(body: Any) -> TestRunState:
    """`GET /rest/raven/2.0/api/testrun?...` (Xray Server/DC test run JSON)."""
    run = _obj(body, "a test run")
    defects = tuple(
        str(d.get("key")) if isinstance(d, dict) else str(d) for d in run.get("defects") or ()
    )
    evidence = tuple(
        str(_obj(e, "evidence").get("fileName", ""))
        for e in run.get("evidences") or run.get("evidence") or ()
    )
    status = str(run.get("status") or "")
    return TestRunState(
        id=_text(run, "id", "test run"),
        status=_SERVER_STATUS.get(status, status),
        comment=str(run.get("comment") or ""),
        started=server_time(run, "startedOn"),
        finished=server_time(run, "finishedOn"),
        defects=defects,
        evidence=evidence,
    )


def read_import_result(body: Any) -> IssueRef:
    """Xray's import answer: Cloud `{"id","key"}`, Server `{"testExecIssue": {...}}`."""
    obj = _obj(body, "an import response")
    if "testExecIssue" in obj:
        obj = _obj(obj["testExecIssue"], "testExecIssue")
    return read_issue_ref(obj)


def read_new_execution(body: Any) -> ImportedExecution:
    """A multipart import's answer: Cloud `{"id","key"}` (the execution only); Server/DC
    `{"testExecIssue": {...}, "testIssues": {"success": [{...}]}}`, naming the Test made."""
    obj = _obj(body, "an import response")
    execution = read_import_result(obj)
    tests = obj.get("testIssues")
    made = tests.get("success") if isinstance(tests, dict) else None
    if isinstance(made, list) and made:
        return ImportedExecution(execution, read_issue_ref(_obj(made[0], "a test issue")))
    return ImportedExecution(execution)


def read_attachment_id(body: Any) -> str:
    """`POST .../attachments` answers a list of attachments; the id of the first."""
    if not isinstance(body, list) or not body:
        raise InvalidResponse("the attachments answer is not a non-empty list")
    return _text(_obj(body[0], "an attachment"), "id", "attachment")


def read_auth_token(body: Any) -> str:
    """`POST /api/v2/authenticate` answers the token as a JSON string."""
    if not isinstance(body, str) or not body:
        raise InvalidResponse("Xray authenticate did not answer a token string")
    return body


def read_time_zone(body: Any) -> str:
    """`GET myself`: the user's `timeZone` (an IANA name), "" when Jira gives none."""
    zone = _obj(body, "a myself answer").get("timeZone")
    return zone if isinstance(zone, str) else ""


def read_field_ids(body: Any, names: tuple[str, ...]) -> dict[str, str]:
    """`GET /rest/api/2/field`: the ids of the named (custom) fields that exist."""
    if not isinstance(body, list):
        raise InvalidResponse("the field list is not a JSON array")
    found: dict[str, str] = {}
    for item in body:
        field = _obj(item, "a field")
        if field.get("name") in names and isinstance(field.get("id"), str):
            found.setdefault(str(field["name"]), field["id"])
    return found


def read_transitions(body: Any) -> tuple[Transition, ...]:
    """`GET .../issue/{key}/transitions`: each transition's id, name and target status."""
    obj = _obj(body, "a transitions answer")
    items = obj.get("transitions")
    if not isinstance(items, list):
        raise InvalidResponse("a transitions answer has no 'transitions' list")
    found = []
    for item in items:
        transition = _obj(item, "a transition")
        target = transition.get("to") or {}
        found.append(Transition(
            id=_text(transition, "id", "transition"),
            name=str(transition.get("name") or ""),
            to=str(target.get("name", "")) if isinstance(target, dict) else "",
            to_id=_status_id(target),
            to_category=_status_category(target),
        ))
    return tuple(found)
