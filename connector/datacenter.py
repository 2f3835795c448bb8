"""Jira Data Center (REST v2, personal access token) with Xray Server/DC (`/rest/raven/2.0`).

A Test is a Jira issue whose Xray custom fields `Test Type` (= Generic) and `Generic
Test Definition` (= the mission) are set in the create body; their ids come from
the settings or, once per backend, from `GET /rest/api/2/field`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from connector import payloads, readers
from connector.base import (
    Deployment,
    ImportedExecution,
    IssueRef,
    NewExecution,
    RunRecord,
    TestRunState,
    TestSpec,
)
from connector.channel import Channel
from connector.errors import InvalidResponse, NotFound
from connector.jira_side import ZONE_TTL_SECONDS, JiraSide
from connector.markers import marker_labels, marker_property

TEST_TYPE_FIELD = "Test Type"
DEFINITION_FIELD = "Generic Test Definition"
ENVIRONMENTS_FIELD = payloads.TEST_ENVIRONMENTS_FIELD


class DataCenterBackend(JiraSide):
    """`Backend` for Jira Data Center + Xray Server/DC."""

    deployment: Deployment = "datacenter"

    def __init__(
        self, jira: Channel, jira_url: str, *, test_type_field: str = "",
        definition_field: str = "", zone_ttl: float = ZONE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic, import_timeout: float | None = None,
        evidence_key: str = "evidence",
    ) -> None:
        super().__init__(jira, jira_url, api_version="2", zone_ttl=zone_ttl, clock=clock)
        self.import_timeout = import_timeout
        self.evidence_key = evidence_key
        self._fields = {TEST_TYPE_FIELD: test_type_field, DEFINITION_FIELD: definition_field,
                        ENVIRONMENTS_FIELD: ""}
        self._fields_lock = threading.Lock()

    def _field_ids(self) -> tuple[str, str]:
        fields = self._xray_fields(TEST_TYPE_FIELD, DEFINITION_FIELD)
        return fields[TEST_TYPE_FIELD], fields[DEFINITION_FIELD]

    def _xray_fields(self, *names: str) -> dict[str, str]:
        """The ids of the named Xray custom fields: from the settings, else listed once
        (`GET field`) when one of them is not known yet."""
        with self._fields_lock:
            if not all(self._fields[name] for name in names):
                answer = self.channel.send_json(
                    "GET", self._url("field"), operation="list fields", idempotent=True
                )
                found = readers.read_field_ids(answer, tuple(self._fields))
                self._fields.update({k: v for k, v in found.items() if not self._fields[k]})
            missing = [name for name in names if not self._fields[name]]
            if missing:
                raise InvalidResponse(f"Jira has no Xray field named {', '.join(missing)}")
            return {name: self._fields[name] for name in names}

    def create_test(self, spec: TestSpec) -> IssueRef:
        """POST /rest/api/2/issue: a Generic Test with the mission, marked."""
        test_type, definition = self._field_ids()
        fields: dict[str, Any] = {
            "project": {"key": spec.project},
            "issuetype": {"name": payloads.ISSUE_TYPES["test"]},
            "summary": spec.summary,
            "labels": marker_labels(spec.session_id),
            test_type: {"value": "Generic"},
            definition: spec.mission,
        }
        body = {"fields": fields, "properties": [marker_property(spec.session_id, "test")]}
        answer = self.channel.send_json(
            "POST", self._url("issue"), operation="create test", idempotent=False, body=body
        )
        return readers.read_issue_ref(answer)

    def update_test(
        self, test: IssueRef, *, summary: str | None = None, mission: str | None = None
    ) -> None:
        """One PUT with the new summary and/or definition."""
        fields: dict[str, Any] = {}
        if summary is not None:
            fields["summary"] = summary
        if mission is not None:
            fields[self._field_ids()[1]] = mission
        if fields:
            self.update_fields(test.key, fields, "update test")

    def _raven(self, path: str) -> str:
        return f"{self.jira_url}/rest/raven/2.0/{path}"

    def record_run(self, record: RunRecord) -> None:
        """One Xray JSON import into the existing Test Execution."""
        body = payloads.xray_import_body(record, deployment="datacenter",
                                         evidence_key=self.evidence_key)
        answer = self.channel.send_json(
            "POST", self._raven("import/execution"), operation="import test run",
            idempotent=False, body=body, timeout=self.import_timeout,
        )
        readers.read_import_result(answer)

    def import_new_execution(self, new: NewExecution) -> ImportedExecution:
        """One multipart import (`import/execution/multipart`): parts `result` (Xray JSON)
        and `info` (the execution's fields, the environments in their custom field); the
        answer names the execution and the Test it made."""
        results, info = payloads.new_execution_parts(
            new, deployment="datacenter", evidence_key=self.evidence_key,
            environments_field=(self._xray_fields(ENVIRONMENTS_FIELD)[ENVIRONMENTS_FIELD]
                                if new.run.environments else None),
        )
        answer = self.channel.send_form(
            self._raven("import/execution/multipart"), {"result": results, "info": info},
            operation="import new test execution", timeout=self.import_timeout,
        )
        return readers.read_new_execution(answer)

    def get_test_run(self, execution: IssueRef, test: IssueRef) -> TestRunState | None:
        """GET /rest/raven/2.0/api/testrun by the issues' keys; None on 404."""
        try:
            answer = self.channel.send_json(
                "GET", self._raven("api/testrun"), operation="read test run", idempotent=True,
                params={"testExecIssueKey": execution.key, "testIssueKey": test.key},
            )
        except NotFound:
            return None
        return readers.read_dc_test_run(answer)
