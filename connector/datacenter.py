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
from connector.base import Deployment, IssueRef, RunRecord, TestRunState, TestSpec
from connector.channel import Channel
from connector.errors import InvalidResponse, NotFound
from connector.jira_side import ZONE_TTL_SECONDS, JiraSide
from connector.markers import marker_labels, marker_property

TEST_TYPE_FIELD = "Test Type"
DEFINITION_FIELD = "Generic Test Definition"


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
        self._fields = {TEST_TYPE_FIELD: test_type_field, DEFINITION_FIELD: definition_field}
        self._fields_lock = threading.Lock()

    def _field_ids(self) -> tuple[str, str]:
        with self._fields_lock:
            if not all(self._fields.values()):
                answer = self.channel.send_json(
                    "GET", self._url("field"), operation="list fields", idempotent=True
                )
                found = readers.read_field_ids(answer, (TEST_TYPE_FIELD, DEFINITION_FIELD))
                missing = [name for name in self._fields if name not in found]
                if missing:
                    raise InvalidResponse(f"Jira has no Xray field named {', '.join(missing)}")
                self._fields.update(found)
            return self._fields[TEST_TYPE_FIELD], self._fields[DEFINITION_FIELD]

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
