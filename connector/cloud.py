"""Jira Cloud (REST v3, email + API token) with Xray Cloud (API v2: authenticate, GraphQL, import).

The Xray token comes from `POST /api/v2/authenticate` and is renewed once when Xray
answers 401.  A charter's Test is created through GraphQL (`createTest`, Generic type, the
mission as unstructured definition); a session's first push is one multipart import
(`/api/v2/import/execution/multipart`: the Test Execution's fields, its Test from
`testInfo`, the run); later runs through `/api/v2/import/execution`, or, when many updates
are pushed at once, through a `RunBatcher` (`connector.cloud_runs`): many sessions' run
updates in one read and a few GraphQL documents.
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
from connector.cloud_runs import EditExecution, RunBatcher
from connector.errors import AuthenticationFailed, Rejected
from connector.jira_side import ZONE_TTL_SECONDS, JiraSide
from connector.markers import check_session_id
from connector.run_updates import RECORD_EVIDENCE_BYTES, evidence_bytes, has_issue_ids


class XrayCloud:
    """Xray Cloud API v2 calls with a bearer token renewed on 401."""

    def __init__(self, channel: Channel, xray_url: str, client_id: str, client_secret: str) -> None:
        self.channel = channel
        self.base = xray_url.rstrip("/") + "/api/v2"
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: str | None = None
        self._lock = threading.Lock()

    def _authenticate(self, stale: str | None) -> str:
        with self._lock:
            if self._token is not None and self._token != stale:
                return self._token  # another thread renewed it meanwhile
            answer = self.channel.send_json(
                "POST", f"{self.base}/authenticate", operation="authenticate with Xray",
                idempotent=True,
                body={"client_id": self._client_id, "client_secret": self._client_secret},
            )
            self._token = readers.read_auth_token(answer)
            return self._token

    def authenticate(self) -> None:
        """Ask Xray for a new token: a check of the client id and secret (1 request)."""
        self._authenticate(self._token)

    def call(self, path: str, body: Any, *, operation: str, idempotent: bool,
             timeout: float | None = None) -> Any:
        """POST `body` to `path` with the token; on 401 renew it and send once more."""
        return self._with_token(
            lambda token: self._post(path, body, token, operation, idempotent, timeout))

    def call_form(self, path: str, parts: dict[str, Any], *, operation: str,
                  timeout: float | None = None) -> Any:
        """POST JSON `parts` as multipart to `path` with the token (renewed once on 401)."""
        return self._with_token(lambda token: self.channel.send_form(
            f"{self.base}/{path}", parts, operation=operation, timeout=timeout,
            headers={"Authorization": f"Bearer {token}"}))

    def _with_token(self, send: Callable[[str], Any]) -> Any:
        token = self._token or self._authenticate(None)
        try:
            return send(token)
        except AuthenticationFailed as exc:
            if exc.status != 401:
                raise
        return send(self._authenticate(token))

    def _post(self, path: str, body: Any, token: str, operation: str, idempotent: bool,
              timeout: float | None) -> Any:
        return self.channel.send_json(
            "POST", f"{self.base}/{path}", operation=operation, idempotent=idempotent,
            body=body, headers={"Authorization": f"Bearer {token}"}, timeout=timeout,
        )

    def graphql(
        self, document: str, variables: dict[str, Any], *, operation: str, idempotent: bool
    ) -> dict[str, Any]:
        """Run one GraphQL document; `errors` in the answer raise Rejected."""
        answer = self.call(
            "graphql", {"query": document, "variables": variables},
            operation=operation, idempotent=idempotent,
        )
        return readers.read_graphql(answer)


class CloudBackend(JiraSide):
    """`Backend` for Jira Cloud + Xray Cloud."""

    deployment: Deployment = "cloud"

    def __init__(
        self, jira: Channel, jira_url: str, xray: XrayCloud, *,
        zone_ttl: float = ZONE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic,
        import_timeout: float | None = None, batcher: RunBatcher | None = None,
    ) -> None:
        super().__init__(jira, jira_url, api_version="3", zone_ttl=zone_ttl, clock=clock)
        self.xray = xray
        self.import_timeout = import_timeout
        self.batcher = batcher  # None: every run update is an import of its own

    def create_test(self, spec: TestSpec) -> IssueRef:
        """GraphQL createTest: a Generic Test with the mission, labelled with our marker."""
        variables = payloads.create_test_variables(
            check_session_id(spec.session_id), spec.project, spec.summary, spec.mission
        )
        data = self.xray.graphql(
            payloads.CREATE_TEST, variables, operation="create test", idempotent=False
        )
        return readers.read_created_test(data)

    def update_test(
        self, test: IssueRef, *, summary: str | None = None, mission: str | None = None
    ) -> None:
        """Rename through Jira, replace the definition through GraphQL (1 request each)."""
        if summary is not None:
            self.update_summary(test.key, summary)
        if mission is not None:
            self.xray.graphql(
                payloads.UPDATE_TEST_DEFINITION,
                {"issueId": test.id, "unstructured": mission},
                operation="update test definition",
                idempotent=True,
            )

    def record_run(self, record: RunRecord) -> None:
        """Through the batcher when there is one and the record suits it (issue ids known,
        files within `RECORD_EVIDENCE_BYTES`), then the execution's fields through Jira when
        the batcher says so; else, or when the batcher or Jira leaves it to the import,
        one Xray JSON import into the existing Test Execution."""
        if (self.batcher is not None and has_issue_ids(record)
                and evidence_bytes(record) <= RECORD_EVIDENCE_BYTES):
            outcome = self.batcher.submit(record)
            if outcome is None:
                return
            if isinstance(outcome, EditExecution):
                try:
                    self.update_fields(record.execution_key, outcome.fields,
                                       "update test execution")
                    return
                except Rejected:  # a field Jira will not set here: the import sets it
                    pass
            record = outcome.record
        self._import(record)

    def _import(self, record: RunRecord) -> None:
        body = payloads.xray_import_body(record, deployment="cloud")
        answer = self.xray.call(
            "import/execution", body, operation="import test run", idempotent=False,
            timeout=self.import_timeout,
        )
        readers.read_import_result(answer)

    def import_new_execution(self, new: NewExecution) -> ImportedExecution:
        """One multipart import: parts `results` (Xray JSON) and `info` (the execution's
        fields, `xrayFields.environments`). Xray Cloud answers with the execution only."""
        # the Begin/End Date fields' ids, known once the batcher has listed Jira's fields
        # (one Jira request a process): set here, the first update need not edit them
        dates = self.batcher.dates.ids() if self.batcher is not None else None
        results, info = payloads.new_execution_parts(new, deployment="cloud",
                                                     environments_field=None,
                                                     date_fields=dates)
        answer = self.xray.call_form(
            "import/execution/multipart", {"results": results, "info": info},
            operation="import new test execution", timeout=self.import_timeout,
        )
        return readers.read_new_execution(answer)

    def get_test_run(self, execution: IssueRef, test: IssueRef) -> TestRunState | None:
        """GraphQL getTestRun by the issues' ids."""
        data = self.xray.graphql(
            payloads.GET_TEST_RUN,
            {"testExecIssueId": execution.id, "testIssueId": test.id},
            operation="read test run",
            idempotent=True,
        )
        return readers.read_cloud_test_run(data)
