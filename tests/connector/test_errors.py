"""Each HTTP status and transport failure maps to one connector error, with Jira's words
and without any secret."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from connector import IssueDraft, RetrySettings, make_backend
from connector.cloud import CloudBackend
from connector.errors import (
    AmbiguousWrite,
    AuthenticationFailed,
    Conflict,
    ConnectorError,
    InvalidInput,
    InvalidResponse,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Rejected,
    Unavailable,
)
from tests.connector.conftest import JIRA, SECRETS, FakeClock, settings

ISSUE = f"{JIRA}/rest/api/3/issue/QA-1"
BODY = {"errorMessages": ["Issue does not exist"], "errors": {"summary": "too long"}}


@pytest.fixture
def no_retry(clock: FakeClock) -> CloudBackend:
    backend = make_backend(settings("cloud", retry=RetrySettings(enabled=False)),
                           clock=clock, sleep=clock.sleep)
    assert isinstance(backend, CloudBackend)
    return backend


@pytest.mark.parametrize(("status", "kind"), [
    (400, Rejected), (401, AuthenticationFailed), (403, AuthenticationFailed), (404, NotFound),
    (409, Conflict), (410, NotFound), (413, PayloadTooLarge), (422, Rejected),
    (429, RateLimited), (500, Unavailable), (502, Unavailable), (503, Unavailable),
    (504, Unavailable),
])
def test_status_maps_to_error(
    no_retry: CloudBackend, mocked: responses.RequestsMock, status: int,
    kind: type[ConnectorError]
) -> None:
    """A status on a read raises its error type, keeping status and Jira's messages."""
    mocked.get(ISSUE, status=status, json=BODY)
    with pytest.raises(kind) as caught:
        no_retry.get_issue("QA-1")
    assert caught.value.status == status
    assert "Issue does not exist" in str(caught.value)
    assert "summary: too long" in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_on_create_is_ambiguous(
    no_retry: CloudBackend, mocked: responses.RequestsMock, status: int
) -> None:
    """A 5xx answering a create is AmbiguousWrite: it may have been applied."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", status=status, json={})
    with pytest.raises(AmbiguousWrite) as caught:
        no_retry.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])
    assert caught.value.operation == "create issues"


def test_dropped_connection_on_create_is_ambiguous(
    no_retry: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A connection dropped after a create was sent is AmbiguousWrite."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk",
                body=requests.ConnectionError("Connection aborted: RemoteDisconnected"))
    with pytest.raises(AmbiguousWrite):
        no_retry.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])


def test_read_timeout_on_read_is_unavailable(
    no_retry: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A read that timed out is Unavailable (safe to repeat)."""
    mocked.get(ISSUE, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(Unavailable) as caught:
        no_retry.get_issue("QA-1")
    assert caught.value.status is None


def test_connection_refused_is_unavailable_even_for_create(no_retry: CloudBackend) -> None:
    """A create that could not connect at all is Unavailable, not ambiguous."""
    backend = make_backend(settings("cloud", jira_url="http://127.0.0.1:9",
                                    retry=RetrySettings(enabled=False)))
    with pytest.raises(Unavailable) as caught:
        backend.create_issues([IssueDraft("s1", "QA", "defect", "Bug")])
    assert not isinstance(caught.value, AmbiguousWrite)


def test_non_json_answer_is_invalid_response(
    no_retry: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A 200 that is not JSON is InvalidResponse."""
    mocked.get(ISSUE, body="<html>login</html>", content_type="text/html")
    with pytest.raises(InvalidResponse):
        no_retry.get_issue("QA-1")


def test_bulk_partial_failure_names_created_keys(
    no_retry: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A bulk create with element errors is Rejected and names what was created."""
    mocked.post(f"{JIRA}/rest/api/3/issue/bulk", status=201, json={
        "issues": [{"id": "1", "key": "QA-1"}],
        "errors": [{"status": 400, "failedElementNumber": 1,
                    "elementErrors": {"errorMessages": [], "errors": {"summary": "required"}}}]})
    with pytest.raises(Rejected) as caught:
        no_retry.create_issues([IssueDraft("s1", "QA", "defect", "A"),
                                IssueDraft("s1", "QA", "defect", "")])
    assert "QA-1" in str(caught.value)
    assert "summary: required" in str(caught.value)


def test_unsafe_session_id_is_refused_before_sending(no_retry: CloudBackend) -> None:
    """A session id that cannot be a label is refused, naming the rule, with nothing sent."""
    with pytest.raises(InvalidInput, match="label_safe_session_id"):
        no_retry.create_issues([IssueDraft("Has Space", "QA", "defect", "A")])


def test_secrets_never_in_errors_or_logs(
    no_retry: CloudBackend, mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the API token, the client secret nor the Xray token reach messages or logs."""
    caplog.set_level(logging.DEBUG)
    mocked.post("https://xray.test/api/v2/authenticate", json=SECRETS[2])
    mocked.post("https://xray.test/api/v2/graphql", status=500, json={"error": "boom"})
    mocked.get(ISSUE, status=401, json={"errorMessages": ["Unauthorized"]})
    errors: list[ConnectorError] = []
    for call in (lambda: no_retry.xray.graphql("query { x }", {}, operation="q", idempotent=True),
                 lambda: no_retry.get_issue("QA-1")):
        with pytest.raises(ConnectorError) as caught:
            call()
        errors.append(caught.value)
    text = " ".join(str(e) + repr(e.__dict__) for e in errors) + caplog.text
    text += repr(settings("cloud"))
    for secret in SECRETS:
        assert secret not in text
