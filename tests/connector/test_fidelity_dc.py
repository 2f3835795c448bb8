"""Fidelity on Data Center: every Jira request the DC connector sends is a method of a
resource in Atlassian's Jira Server 8.4.3 WADL, with only the query parameters it declares."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connector import DefectSpec, Evidence, RunStatus, SessionPush, SessionPusher
from connector import TestSpec as CharterSpec
from connector.datacenter import DataCenterBackend
from tests.connector.stub_servers import StubAtlassian
from tests.third_party import SPECS

NS = "{http://wadl.dev.java.net/2009/02}"
Method = tuple[re.Pattern[str], str, frozenset[str]]


def _walk(node: ET.Element, prefix: str, found: list[Method]) -> None:
    for resource in node.findall(f"{NS}resource"):
        path = f"{prefix}/{resource.get('path', '').strip('/')}".rstrip("/")
        params = {p.get("name", "") for p in resource.findall(f"{NS}param")
                  if p.get("style") == "query"}
        for method in resource.findall(f"{NS}method"):
            query = set(params)
            request = method.find(f"{NS}request")
            if request is not None:
                query |= {p.get("name", "") for p in request.findall(f"{NS}param")
                          if p.get("style") == "query"}
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            found.append((re.compile(f"^/rest{pattern}$"), method.get("name", ""),
                          frozenset(query)))
        _walk(resource, path, found)


@pytest.fixture(scope="module")
def wadl_methods() -> list[Method]:
    text = (SPECS / "jira/jira-server-8.4.3-rest-plugin.wadl").read_text()
    root = ET.fromstring(text)  # noqa: S314 - a trusted spec file from the repo
    found: list[Method] = []
    for resources in root.findall(f"{NS}resources"):
        _walk(resources, "", found)
    return [(p, m, q) for p, m, q in found]


@pytest.fixture
def sent(dc: DataCenterBackend, mocked: responses.RequestsMock) -> list[requests.PreparedRequest]:
    stub = StubAtlassian()
    stub.install(mocked, cloud=False)
    pusher = SessionPusher(dc)
    push = SessionPush(
        session_id="s1", project="QA", summary="S", status=RunStatus.PASSED,
        test=CharterSpec("s1", "QA", "C", "M"), new_defects=(DefectSpec("B"),),
        new_evidence=(Evidence("a.png", "image/png", b"x"),), console_url="http://c/s1")
    pushed = pusher.push(push)
    dc.update_test(pushed.test, summary="T", mission="M2")
    dc.search_changed("QA", datetime(2026, 11, 20, tzinfo=UTC))
    dc.list_linked("QA")
    dc.get_issue("QA-1")
    dc.attach_file("QA-1", "s.xea", "application/zip", lambda: io.BytesIO(b"z"))
    dc.search_changed("QA", datetime(2026, 11, 20, tzinfo=UTC), ("Test Execution",))
    dc.transition_issue("QA-1", "Cancelled")
    dc.add_comment("QA-1", "The session was deleted in xray-sync.")
    dc.ping(timeout=2.0)
    return [r for r in stub.requests if "/rest/api/2/" in (r.url or "")]


def test_dc_jira_requests_are_wadl_methods(
    sent: list[requests.PreparedRequest], wadl_methods: list[Method]
) -> None:
    """Each DC Jira request's path and method exist in the WADL, with declared queries."""
    assert len(sent) >= 12
    for request in sent:
        parts = urlsplit(request.url or "")
        query = set(parse_qs(parts.query))
        matches = [q for pattern, method, q in wadl_methods
                   if pattern.match(parts.path) and method == request.method]
        assert matches, f"{request.method} {parts.path} is not in the WADL"
        assert any(query <= q for q in matches), f"{parts.path}: {query} not declared"


def test_an_unknown_path_would_be_caught(wadl_methods: list[Method]) -> None:
    """The check is real: a path Jira Server does not have matches nothing."""
    assert not [m for m in wadl_methods if m[0].match("/rest/api/2/search/jql")]
