"""Tiny `responses` callbacks playing Jira Cloud + Xray Cloud (and DC) for whole flows.

They answer every path the connector uses with a plausible body and record each
prepared request, so tests can count requests per operation and validate them."""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import re
from typing import Any

import requests
import responses

from tests.connector.conftest import JIRA, XRAY

Answer = tuple[int, dict[str, str], str]


def form_parts(request: requests.PreparedRequest) -> dict[str, Any]:
    """The JSON parts of a `multipart/form-data` request, by name."""
    raw = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    message = email.message_from_bytes(
        b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + raw,
        policy=email.policy.HTTP)
    return {str(part.get_param("name", header="content-disposition")):
            json.loads(part.get_content()) for part in message.iter_parts()}


class StubAtlassian:
    """Answers Jira (v2/v3), Xray Cloud and Xray Server requests; records them."""

    def __init__(self) -> None:
        self.requests: list[requests.PreparedRequest] = []
        self._ids = itertools.count(100)

    def install(self, mocked: responses.RequestsMock, *, cloud: bool) -> None:
        """Register catch-all callbacks for the deployment's hosts and methods."""
        hosts = [JIRA, XRAY] if cloud else [JIRA]
        for host in hosts:
            pattern = re.compile(re.escape(host) + r"/.*")
            methods = ("GET", "POST", "PUT") if host == JIRA else ("POST",)
            for method in methods:
                mocked.add_callback(method, pattern, callback=self)
        mocked.assert_all_requests_are_fired = False  # a flow need not use every method

    def __call__(self, request: requests.PreparedRequest) -> Answer:
        self.requests.append(request)
        path = (request.path_url or "").split("?")[0]
        raw = request.body
        content_type = request.headers.get("Content-Type") or ""
        body = json.loads(raw) if raw and "json" in content_type else None
        if path.endswith("/import/execution/multipart"):
            return self._new_execution(path, form_parts(request))
        return self._answer(request.method or "", path, body)

    def _issue(self, key: str = "QA-1", kind: str = "Test Execution") -> dict[str, Any]:
        return {"id": key.rsplit("-", 1)[-1], "key": key, "fields": {
            "summary": "s", "status": {"name": "To Do"}, "updated": "2026-11-20T10:00:00.000+0000",
            "labels": ["xray-sync", "xs-s1"], "issuetype": {"name": kind}}}

    def _new_execution(self, path: str, parts: dict[str, Any]) -> Answer:
        """A multipart import: a new execution (and a Test when `testInfo` names one)."""
        ok: dict[str, str] = {"Content-Type": "application/json"}
        execution = {"id": str(n := next(self._ids)), "key": f"QA-{n}"}
        if path.startswith("/api/"):
            return 200, ok, json.dumps(execution)
        test = parts["result"]["tests"][0]
        made = {"id": str(n := next(self._ids)), "key": f"QA-{n}"} if "testInfo" in test else {
            "id": "7", "key": test["testKey"]}
        return 200, ok, json.dumps({"testExecIssue": execution,
                                    "testIssues": {"success": [made]}})

    def _answer(self, method: str, path: str, body: Any) -> Answer:
        ok: dict[str, str] = {"Content-Type": "application/json"}
        if path.endswith("/authenticate"):
            return 200, ok, json.dumps("xray-token")
        if path.endswith("/graphql"):
            return 200, ok, json.dumps({"data": self._graphql(body["query"])})
        if "/import/execution" in path:
            key = body["testExecutionKey"]
            answer = {"id": "9", "key": key} if path.startswith("/api/") else {
                "testExecIssue": {"id": "9", "key": key}}
            return 200, ok, json.dumps(answer)
        if path.endswith("/issue/bulk"):
            made = [{"id": str(n), "key": f"QA-{n}"}
                    for n in itertools.islice(self._ids, len(body["issueUpdates"]))]
            return 201, ok, json.dumps({"issues": made, "errors": []})
        if path.endswith("/issue") and method == "POST":
            n = next(self._ids)
            return 201, ok, json.dumps({"id": str(n), "key": f"QA-{n}"})
        if path.endswith("/attachments"):
            return 200, ok, json.dumps([{"id": str(next(self._ids)), "filename": "f"}])
        if path.endswith("/remotelink"):
            return 201, ok, json.dumps({"id": 1, "self": "x"})
        if method == "PUT" or (method == "POST" and path.endswith("/transitions")):
            return 204, {}, ""
        if path.endswith("/transitions"):
            return 200, ok, json.dumps({"transitions": [
                {"id": "41", "name": "Cancel", "to": {"name": "Cancelled"}}]})
        if path.endswith("/comment"):
            return 201, ok, json.dumps({"id": str(next(self._ids)), "body": body["body"]})
        if "/search" in path:
            issues = [self._issue(), self._issue("QA-2", "Test")]
            return 200, ok, json.dumps({"issues": issues, "isLast": True,
                                        "startAt": 0, "maxResults": 100, "total": 2})
        if path.endswith("/field"):
            return 200, ok, json.dumps([
                {"id": "customfield_10202", "name": "Test Environments", "custom": True},
                {"id": "customfield_10200", "name": "Test Type", "custom": True},
                {"id": "customfield_10201", "name": "Generic Test Definition", "custom": True}])
        if path.endswith("/myself"):
            return 200, ok, json.dumps({"accountId": "5b10a2844c20165700ede21g",
                                        "timeZone": "Europe/Lisbon"})
        if "/raven/" in path:
            return 200, ok, json.dumps({"id": 5, "status": "PASS"})
        return 200, ok, json.dumps(self._issue(path.rsplit("/", 1)[-1]))

    def _graphql(self, query: str) -> dict[str, Any]:
        if "createTest(" in query:
            n = next(self._ids)
            return {"createTest": {"test": {"issueId": str(n), "jira": {"key": f"QA-{n}"}},
                                   "warnings": []}}
        if "updateUnstructuredTestDefinition" in query:
            return {"updateUnstructuredTestDefinition": {"issueId": "1"}}
        return {"getTestRun": {"id": "r", "status": {"name": "TODO"}, "comment": None,
                               "startedOn": None, "finishedOn": None, "defects": [],
                               "evidence": []}}
