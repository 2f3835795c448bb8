"""Fidelity to the published specs: every request the Cloud connector sends on a Jira
path validates against Atlassian's OpenAPI, every GraphQL document against Xray's SDL."""

from __future__ import annotations

import email
import email.policy
import io
import json
from datetime import UTC, datetime
from typing import Any

import graphql
import pytest
import requests
import responses
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

from connector import DefectSpec, Evidence, RunStatus, SessionPush, SessionPusher
from connector import TestSpec as CharterSpec
from connector.cloud import CloudBackend
from connector.payloads import GRAPHQL_DOCUMENTS
from tests.connector.conftest import JIRA
from tests.connector.stub_servers import StubAtlassian
from tests.third_party import SPECS


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    spec = json.loads((SPECS / "jira/jira-cloud-platform-openapi-v3.json").read_text())
    spec["servers"] = [{"url": JIRA}]
    # The published document itself breaks a few of its own enums; we validate requests only.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@pytest.fixture(scope="module")
def xray_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema((SPECS / "xray/xray-cloud-schema.graphql").read_text())


def _every_cloud_operation(cloud: CloudBackend) -> None:
    pusher = SessionPusher(cloud)
    push = SessionPush(
        session_id="s1", project="QA", summary="Checkout", status=RunStatus.FAILED,
        test=CharterSpec("s1", "QA", "Charter", "Explore"), description="about",
        comment="notes", started=datetime(2026, 11, 20, 10, tzinfo=UTC),
        finished=datetime(2026, 11, 20, 11, tzinfo=UTC), environments=("Chrome",),
        new_evidence=(Evidence("s.xea", "application/zip", b"zip"),),
        new_defects=(DefectSpec("Bug one", "steps"),), console_url="http://console/s/s1")
    pushed = pusher.push(push)
    pusher.push(push, pushed)
    cloud.create_test(CharterSpec("c1", "QA", "A charter", "Its mission"))
    cloud.update_test(pushed.test, summary="Renamed", mission="New mission")
    cloud.get_test_run(pushed.execution, pushed.test)
    cloud.search_changed("QA", datetime(2026, 11, 20, 10, tzinfo=UTC))
    cloud.list_linked("QA")
    cloud.find_by_marker("s1")
    cloud.get_issue("QA-1")
    cloud.update_summary("QA-1", "New name")
    cloud.attach_file("QA-1", "s.xea", "application/zip", lambda: io.BytesIO(b"PK-zip"))
    cloud.search_changed("QA", datetime(2026, 11, 20, 10, tzinfo=UTC), ("Test Execution",))
    cloud.list_linked("QA", ("Test Execution", "Test"))
    cloud.transition_issue("QA-1", "Cancelled")
    cloud.add_comment("QA-1", "The session was deleted in xray-sync.\nSecond line")
    cloud.ping(timeout=2.0)


@pytest.fixture
def sent(cloud: CloudBackend, mocked: responses.RequestsMock) -> list[requests.PreparedRequest]:
    stub = StubAtlassian()
    stub.install(mocked, cloud=True)
    _every_cloud_operation(cloud)
    return stub.requests


def test_jira_requests_match_the_openapi_document(
    sent: list[requests.PreparedRequest], openapi: OpenAPI
) -> None:
    """Each Jira request (path, method, query, body) is valid for Atlassian's OpenAPI."""
    jira = [r for r in sent if (r.url or "").startswith(JIRA)]
    assert {r.path_url.split("?")[0].rsplit("/", 1)[-1] for r in jira} >= {
        "bulk", "remotelink", "jql", "QA-1", "attachments", "transitions", "comment", "myself"}
    for request in jira:
        if request.path_url.endswith("/attachments"):
            continue  # its multipart schema is a bare array: checked in the test below
        openapi.validate_request(RequestsOpenAPIRequest(request))


def test_attachment_request_follows_the_operation_text(
    sent: list[requests.PreparedRequest],
) -> None:
    """The attach request is the spec's operation, with its `X-Atlassian-Token: no-check`
    header and one multipart part named `file` (what the operation's text requires; its
    schema, a top-level array for a form, cannot be checked by a validator)."""
    spec = json.loads((SPECS / "jira/jira-cloud-platform-openapi-v3.json").read_text())
    assert "post" in spec["paths"]["/rest/api/3/issue/{issueIdOrKey}/attachments"]
    (request,) = [r for r in sent if r.path_url.endswith("/attachments")]
    assert request.headers["X-Atlassian-Token"] == "no-check"
    body = request.body if isinstance(request.body, bytes) else request.body.read()  # type: ignore[union-attr]
    message = email.message_from_bytes(
        b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + body,
        policy=email.policy.HTTP)
    parts = list(message.iter_parts())
    assert [p.get_param("name", header="content-disposition") for p in parts] == ["file"]
    assert parts[0].get_content() == b"PK-zip"


def test_a_bad_body_would_be_caught(openapi: OpenAPI) -> None:
    """The validation is real: a malformed bulk body is refused."""
    bad = requests.Request("POST", f"{JIRA}/rest/api/3/issue/bulk", json={"issueUpdates": 1},
                           auth=("a", "b")).prepare()
    with pytest.raises(Exception, match="body"):
        openapi.validate_request(RequestsOpenAPIRequest(bad))


def test_cloud_never_calls_removed_or_v2_endpoints(sent: list[requests.PreparedRequest]) -> None:
    """Cloud uses /search/jql only (never the removed /rest/api/3/search) and no v2 path."""
    paths = [r.path_url.split("?")[0] for r in sent]
    assert "/rest/api/3/search" not in paths
    assert not [p for p in paths if p.startswith("/rest/api/2/")]


def _graphql_bodies(sent: list[requests.PreparedRequest]) -> list[dict[str, Any]]:
    return [json.loads(r.body or b"") for r in sent if (r.path_url or "").endswith("/graphql")]


def test_sent_graphql_validates_against_the_sdl(
    sent: list[requests.PreparedRequest], xray_schema: graphql.GraphQLSchema
) -> None:
    """Each GraphQL document sent is valid, and so are its variables."""
    bodies = _graphql_bodies(sent)
    assert len(bodies) >= 3
    for body in bodies:
        document = graphql.parse(body["query"])
        assert graphql.validate(xray_schema, document) == []
        operation = graphql.get_operation_ast(document)
        assert operation is not None
        coerced = graphql.execution.values.get_variable_values(
            xray_schema, operation.variable_definitions or [], body["variables"])
        assert not isinstance(coerced, list), coerced  # a list is the errors


@pytest.mark.parametrize("document", GRAPHQL_DOCUMENTS)
def test_every_graphql_document_is_valid(
    document: str, xray_schema: graphql.GraphQLSchema
) -> None:
    """Every document the connector can send validates against Xray Cloud's schema."""
    assert graphql.validate(xray_schema, graphql.parse(document)) == []


def test_an_invalid_document_would_be_caught(xray_schema: graphql.GraphQLSchema) -> None:
    """The SDL check is real: an unknown field is reported."""
    errors = graphql.validate(xray_schema, graphql.parse("{ getTestRun { nosuchfield } }"))
    assert errors


def test_ref_is_reused(sent: list[requests.PreparedRequest]) -> None:
    """The update push reused the Test and Execution: the first push's one multipart
    import made them, the update imported into the execution by its key."""
    paths = [(r.path_url or "").split("?")[0] for r in sent]
    assert paths.count("/api/v2/import/execution/multipart") == 1
    assert paths.count("/api/v2/import/execution") == 1
