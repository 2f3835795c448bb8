"""Tiny `responses` callbacks playing Jira Cloud + Xray Cloud (and DC) for whole flows.

They answer every path the connector uses with a plausible body and record each
prepared request, so tests can count requests per operation and validate them."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import requests
import responses

from tests.connector.conftest import JIRA, XRAY

Answer = tuple[int, dict[str, str], str]


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
        is_json = "json" in (request.headers.get("Content-Type") or "")
        body = json.loads(raw) if raw and is_json else None
        return self._answer(request.method or "", path, body)

    def _issue(self, key: str = "QA-1") -> dict[str, Any]:
        return {"id": "1", "key": key, "fields": {
            "summary": "s", "status": {"name": "To Do"}, "updated": "2026-11-20T10:00:00.000+0000",
            "labels": ["xray-sync", "xs-s1"], "issuetype": {"name": "Test Execution"}}}

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
            return 200, ok, json.dumps({"issues": [self._issue()], "isLast": True,
                                        "startAt": 0, "maxResults": 100, "total": 1})
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
