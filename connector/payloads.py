"""Pure builders of what the connector sends: JQL, issue bodies, Xray JSON, GraphQL.

The exact shapes are listed in `docs/connector-endpoints.md`, which the sandbox follows.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from connector.base import Evidence, IssueDraft, NewExecution, RunRecord, RunStatus, Transition
from connector.errors import InvalidInput
from connector.jql_time import jql_date
from connector.markers import (
    PRODUCT_LABEL,
    check_session_id,
    marker_labels,
    marker_property,
    session_label,
)
from connector.statuses import StatusRef, parse_status_spec

ISSUE_TYPES = {"test": "Test", "execution": "Test Execution", "defect": "Bug"}
SEARCH_FIELDS = "summary,status,updated,labels,issuetype"
LISTING_FIELDS = "updated,labels"
ISSUE_FIELDS = "summary,status,updated,labels,issuetype,description"
PAGE_SIZE = 100
BULK_LIMIT = 50
# Xray Server/DC names the run statuses differently from Cloud.
DC_STATUS = {RunStatus.PASSED: "PASS", RunStatus.FAILED: "FAIL",
             RunStatus.TODO: "TODO", RunStatus.EXECUTING: "EXECUTING"}


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _of_types(issue_types: Sequence[str]) -> str:
    """` AND issuetype in (...)` when only some issue types are wanted, else nothing."""
    if not issue_types:
        return ""
    return f" AND issuetype in ({', '.join(_quote(t) for t in issue_types)})"


def jql_changed(
    project: str, since: datetime, issue_types: Sequence[str] = (), zone: str = "UTC"
) -> str:
    """Our issues in `project` (of `issue_types`, when given) updated since `since`, written
    as a wall time of `zone` (the searching user's) no later than `since` (`jql_time`)."""
    stamp = jql_date(since, zone)
    return (
        f"project = {_quote(project)} AND labels = {_quote(PRODUCT_LABEL)}"
        f'{_of_types(issue_types)} AND updated >= "{stamp}" ORDER BY updated ASC'
    )


def jql_linked(project: str, issue_types: Sequence[str] = ()) -> str:
    """Every issue carrying our marker in `project` (of `issue_types`, when given)."""
    return (f"project = {_quote(project)} AND labels = {_quote(PRODUCT_LABEL)}"
            f"{_of_types(issue_types)} ORDER BY key ASC")


def jql_marker(session_id: str) -> str:
    """Every issue created for one session."""
    return f"labels = {_quote(session_label(session_id))} ORDER BY key ASC"


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document (REST v3), one paragraph a line."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} if line
        else {"type": "paragraph", "content": []}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def issue_create_body(draft: IssueDraft, *, api_version: str) -> dict[str, Any]:
    """One `IssueUpdateDetails` for a Test Execution or a Bug, with our marker."""
    fields: dict[str, Any] = {
        "project": {"key": draft.project},
        "issuetype": {"name": ISSUE_TYPES[draft.role]},
        "summary": draft.summary,
        "labels": marker_labels(draft.session_id),
    }
    if draft.description:
        fields["description"] = adf(draft.description) if api_version == "3" else draft.description
    return {"fields": fields, "properties": [marker_property(draft.session_id, draft.role)]}


def comment_body(text: str, *, api_version: str) -> dict[str, Any]:
    """A new comment: ADF on REST v3 (Cloud), a plain string on v2 (Data Center)."""
    if not text.strip():
        raise InvalidInput("a comment must not be empty [comment_not_empty]")
    return {"body": adf(text) if api_version == "3" else text}


def pick_transition(transitions: Sequence[Transition], name: str) -> Transition | None:
    """The transition named `name`, else the one leading to the status `name` (any case);
    `id:ID` and `category:KEY` name the target status only (`connector.statuses`)."""
    spec = parse_status_spec(name)
    named = [t for t in transitions
             if spec.kind == "name" and t.name.casefold() == spec.value.casefold()]
    leading = [t for t in transitions if spec.matches(StatusRef(t.to, t.to_id, t.to_category))]
    found = named or leading
    return found[0] if found else None


def remote_link_body(session_id: str, url: str, title: str) -> dict[str, Any]:
    """A remote link whose globalId makes a second POST update the first."""
    return {
        "globalId": f"xray-sync:{session_id}",
        "relationship": "Exploratory session",
        "object": {"url": url, "title": title},
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def evidence_name(evidence: Evidence) -> str:
    """The name a file is attached under: its own, with the first 8 hex digits of its
    SHA-256 before the extension (`0001.3f2a9c1b.png`), so that the name tells one content
    from another (the session file keeps its name from version to version) and a run
    read after a lost import shows which files it already has."""
    digest = hashlib.sha256(evidence.data).hexdigest()[:8]
    stem, dot, suffix = evidence.filename.rpartition(".")
    if not dot or not stem:
        return f"{evidence.filename}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def xray_import_body(
    record: RunRecord, *, deployment: str, evidence_key: str = "evidence"
) -> dict[str, Any]:
    """The Xray JSON for `/import/execution` into an existing Test Execution."""
    info: dict[str, Any] = {"summary": record.summary}
    test: dict[str, Any] = {
        "testKey": record.test_key,
        "status": record.status.value if deployment == "cloud" else DC_STATUS[record.status],
    }
    if record.started is not None:
        info["startDate"] = test["start"] = _iso(record.started)
    if record.finished is not None:
        info["finishDate"] = test["finish"] = _iso(record.finished)
    if record.environments:
        info["testEnvironments"] = list(record.environments)
    if record.comment:
        test["comment"] = record.comment
    if record.evidence:
        test[evidence_key] = [
            {"data": base64.b64encode(e.data).decode("ascii"), "filename": evidence_name(e),
             "contentType": e.content_type}
            for e in record.evidence
        ]
    if record.defects:
        test["defects"] = list(record.defects)
    return {"testExecutionKey": record.execution_key, "info": info, "tests": [test]}


TEST_ENVIRONMENTS_FIELD = "Test Environments"
JIRA_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"  # a Jira datetime field's value


def session_test_definition(session_id: str, mission: str) -> str:
    """The Generic definition of a Test made for one session by an import's `testInfo`: the
    mission, then a line naming the session.  Xray matches a `testInfo` without a key to
    an existing Generic Test of the project by its definition (docs: "Generic tests are
    matched using the generic definition field, within the same project"), so two sessions
    with the same mission, or none, would otherwise share one Test."""
    trailer = f"(xray-sync session {check_session_id(session_id)})"
    return f"{mission}\n\n{trailer}" if mission.strip() else trailer


def new_execution_parts(
    new: NewExecution, *, deployment: str, environments_field: str | None,
    evidence_key: str = "evidence", date_fields: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two JSON parts of a first push's multipart import: the Xray JSON results (one
    test, by key or by `testInfo`) and `info`, the Test Execution's Jira fields.

    Xray's multipart import takes the execution's fields from `info`, not from the results'
    `info` object, which is left out (with `testExecutionKey`). The test environments go in
    `info.xrayFields.environments` on Cloud (`environments_field` None) and in their custom
    field on Server/DC (Xray's sample `testexec_info.json`). `date_fields`, the ids of the
    execution's Begin Date and End Date fields when known, carry the run's start and finish
    (what a later import's `info.startDate`/`finishDate` set)."""
    draft = new.execution
    body = xray_import_body(new.run, deployment=deployment, evidence_key=evidence_key)
    test = body["tests"][0]
    if new.test is not None:
        del test["testKey"]
        test["testInfo"] = {
            "projectKey": new.test.project, "summary": new.test.summary, "type": "Generic",
            "definition": session_test_definition(new.test.session_id, new.test.mission),
            "labels": marker_labels(new.test.session_id),
        }
    fields: dict[str, Any] = {
        "project": {"key": draft.project},
        "issuetype": {"name": ISSUE_TYPES["execution"]},
        "summary": draft.summary,
        "labels": marker_labels(draft.session_id),
    }
    if draft.description:
        fields["description"] = draft.description
    for field_id, moment in zip(date_fields or (), (new.run.started, new.run.finished),
                                strict=False):
        if moment is not None:
            fields[field_id] = moment.astimezone(UTC).strftime(JIRA_TIME)
    info: dict[str, Any] = {"fields": fields}
    if new.run.environments and environments_field is None:
        info["xrayFields"] = {"environments": list(new.run.environments)}
    elif new.run.environments and environments_field is not None:
        fields[environments_field] = list(new.run.environments)
    return {"tests": [test]}, info


CREATE_TEST = """\
mutation CreateTest($jira: JSON!, $unstructured: String) {
  createTest(jira: $jira, testType: {name: "Generic"}, unstructured: $unstructured) {
    test { issueId jira(fields: ["key", "updated"]) }
    warnings
  }
}"""

UPDATE_TEST_DEFINITION = """\
mutation UpdateTestDefinition($issueId: String!, $unstructured: String!) {
  updateUnstructuredTestDefinition(issueId: $issueId, unstructured: $unstructured) { issueId }
}"""

GET_TEST_RUN = """\
query GetTestRun($testExecIssueId: String!, $testIssueId: String!) {
  getTestRun(testExecIssueId: $testExecIssueId, testIssueId: $testIssueId) {
    id status { name } comment startedOn finishedOn defects evidence { filename }
  }
}"""

GRAPHQL_DOCUMENTS = (CREATE_TEST, UPDATE_TEST_DEFINITION, GET_TEST_RUN)


def create_test_variables(
    session_id: str, project: str, summary: str, mission: str
) -> dict[str, Any]:
    """Variables of CREATE_TEST: the Jira fields with our labels, the mission."""
    fields = {"project": {"key": project}, "summary": summary, "labels": marker_labels(session_id)}
    return {"jira": {"fields": fields}, "unstructured": mission}
