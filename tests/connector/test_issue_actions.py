"""Transition, comment, ping and typed searches, Cloud and DC, against `responses`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import matchers

from connector.cloud import CloudBackend
from connector.datacenter import DataCenterBackend
from connector.errors import (
    AmbiguousWrite,
    AuthenticationFailed,
    InvalidInput,
    Rejected,
    Unavailable,
)
from tests.connector.conftest import JIRA, add_myself

V3 = f"{JIRA}/rest/api/3"
V2 = f"{JIRA}/rest/api/2"
TRANSITIONS = {"transitions": [
    {"id": "21", "name": "Start progress", "to": {"name": "In Progress"}},
    {"id": "41", "name": "Cancel", "to": {"name": "Cancelled"}},
]}


def _issue(status: str) -> dict[str, object]:
    return {"id": "1", "key": "QA-1", "fields": {
        "summary": "s", "status": {"name": status}, "updated": "2026-11-20T10:00:00.000+0000",
        "labels": [], "issuetype": {"name": "Test Execution"}}}


def _body(call: responses.Call) -> dict:  # type: ignore[type-arg]
    return json.loads(call.request.body or b"{}")


def test_transition_by_target_status_posts_its_id(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A name matching a transition's target status posts that transition's id."""
    mocked.get(f"{V3}/issue/QA-1/transitions", json=TRANSITIONS)
    mocked.post(f"{V3}/issue/QA-1/transitions", status=204,
                match=[matchers.json_params_matcher({"transition": {"id": "41"}})])
    cloud.transition_issue("QA-1", "cancelled")


def test_transition_by_its_own_name_posts_its_id(
    dc: DataCenterBackend, mocked: responses.RequestsMock
) -> None:
    """A name matching a transition's own name posts that transition (DC, v2)."""
    mocked.get(f"{V2}/issue/QA-1/transitions", json=TRANSITIONS)
    mocked.post(f"{V2}/issue/QA-1/transitions", status=204,
                match=[matchers.json_params_matcher({"transition": {"id": "21"}})])
    dc.transition_issue("QA-1", "Start progress")


def test_transition_to_the_current_status_sends_nothing_more(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """An issue already in the wanted status (an earlier lost answer) is left as it is."""
    mocked.get(f"{V3}/issue/QA-1/transitions", json={"transitions": []})
    mocked.get(f"{V3}/issue/QA-1", json=_issue("Cancelled"))
    cloud.transition_issue("QA-1", "Cancelled")
    assert [c.request.method for c in mocked.calls] == ["GET", "GET"]


def test_a_transition_not_offered_is_rejected_naming_the_rule(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """No transition to the wanted status from here: Rejected, naming what is offered."""
    mocked.get(f"{V3}/issue/QA-1/transitions", json=TRANSITIONS)
    mocked.get(f"{V3}/issue/QA-1", json=_issue("To Do"))
    with pytest.raises(Rejected, match=r"\[transition_available\]") as caught:
        cloud.transition_issue("QA-1", "Archived")
    assert "Cancel -> Cancelled" in str(caught.value)


def test_a_lost_transition_answer_is_ambiguous_and_not_resent(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A 502 after the transition was sent raises AmbiguousWrite; it is sent only once."""
    mocked.get(f"{V3}/issue/QA-1/transitions", json=TRANSITIONS)
    mocked.post(f"{V3}/issue/QA-1/transitions", status=502)
    with pytest.raises(AmbiguousWrite):
        cloud.transition_issue("QA-1", "Cancelled")
    assert len(mocked.calls) == 2


def test_cloud_comment_body_is_adf(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """On Cloud (v3) the comment travels as an Atlassian Document, one paragraph a line."""
    mocked.post(f"{V3}/issue/QA-1/comment", status=201, json={"id": "10"})
    cloud.add_comment("QA-1", "gone\nfor good")
    body = _body(mocked.calls[0])["body"]
    assert body["type"] == "doc"
    assert [p["content"][0]["text"] for p in body["content"]] == ["gone", "for good"]


def test_dc_comment_body_is_plain_text(dc: DataCenterBackend, mocked: responses.RequestsMock
                                       ) -> None:
    """On Data Center (v2) the comment is a plain string."""
    mocked.post(f"{V2}/issue/QA-1/comment", status=201, json={"id": "10"},
                match=[matchers.json_params_matcher({"body": "gone"})])
    dc.add_comment("QA-1", "gone")


def test_a_comment_is_never_resent_after_a_server_error(
    dc: DataCenterBackend, mocked: responses.RequestsMock
) -> None:
    """A 503 without Retry-After on a comment is ambiguous: one send, AmbiguousWrite."""
    mocked.post(f"{V2}/issue/QA-1/comment", status=503)
    with pytest.raises(AmbiguousWrite):
        dc.add_comment("QA-1", "gone")
    assert len(mocked.calls) == 1


def test_an_empty_comment_is_refused_before_sending(dc: DataCenterBackend) -> None:
    """An empty comment breaks a rule; nothing is sent."""
    with pytest.raises(InvalidInput, match="comment_not_empty"):
        dc.add_comment("QA-1", "  ")


def test_ping_asks_myself_once(cloud: CloudBackend, mocked: responses.RequestsMock) -> None:
    """ping is one GET myself."""
    mocked.get(f"{V3}/myself", json={"accountId": "a1"})
    cloud.ping(timeout=2.0)
    assert len(mocked.calls) == 1


def test_ping_is_never_retried(dc: DataCenterBackend, mocked: responses.RequestsMock) -> None:
    """A 503 to the ping is Unavailable at once: a health check does not retry."""
    mocked.get(f"{V2}/myself", status=503)
    with pytest.raises(Unavailable):
        dc.ping(timeout=2.0)
    assert len(mocked.calls) == 1


def test_ping_reports_refused_credentials(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """A 401 to the ping is AuthenticationFailed."""
    mocked.get(f"{V3}/myself", status=401)
    with pytest.raises(AuthenticationFailed):
        cloud.ping(timeout=2.0)


def test_ping_uses_its_own_timeout(cloud: CloudBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ping's request carries the short timeout it was given, not the connector's."""
    seen: list[object] = []

    def fake_request(_self: object, method: str, url: str, **kwargs: object) -> object:
        seen.append(kwargs.get("timeout"))
        raise requests.ConnectTimeout("no answer")

    monkeypatch.setattr(requests.Session, "request", fake_request)
    with pytest.raises(Unavailable):
        cloud.ping(timeout=1.5)
    assert seen == [1.5]


def test_search_changed_restricted_to_issue_types(
    cloud: CloudBackend, mocked: responses.RequestsMock
) -> None:
    """Issue types given to search_changed become `issuetype in (...)` in the JQL."""
    add_myself(mocked)
    mocked.get(f"{V3}/search/jql", json={"issues": [], "isLast": True},
               match=[matchers.query_param_matcher({
                   "jql": 'project = "QA" AND labels = "xray-sync" AND issuetype in '
                          '("Test Execution", "Test") AND updated >= "2026-11-20 10:04" '
                          "ORDER BY updated ASC"}, strict_match=False)])
    assert cloud.search_changed("QA", datetime(2026, 11, 20, 10, 4, tzinfo=UTC),
                                ("Test Execution", "Test")) == ()


def test_list_linked_restricted_to_issue_types(
    dc: DataCenterBackend, mocked: responses.RequestsMock
) -> None:
    """Issue types given to list_linked become `issuetype in (...)` in the JQL."""
    mocked.get(f"{V2}/search", json={"issues": [], "startAt": 0, "total": 0},
               match=[matchers.query_param_matcher({
                   "jql": 'project = "QA" AND labels = "xray-sync" AND issuetype in '
                          '("Test Execution") ORDER BY key ASC'}, strict_match=False)])
    assert dc.list_linked("QA", ("Test Execution",)) == ()
