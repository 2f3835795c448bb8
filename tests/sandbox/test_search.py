"""Search: Cloud's search/jql (tokens, ids only, lag, 410 for the old API), DC's startAt search,
and the JQL subset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.errors import BadRequest
from sandbox.jql import parse
from sandbox.model import Issue
from sandbox.options import SandboxOptions
from sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.helpers import CLOUD_AUTH, FakeClock, create


def epoch(text: str) -> float:
    """`2026-11-20 10:05:30` (UTC) as epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()


def issue_at(updated: str, **extra: object) -> Issue:
    """An issue record updated at the given UTC time."""
    moment = epoch(updated)
    issue = Issue(id=10001, key="QA-1", type_name="Test", summary="Checkout", created=moment,
                  updated=moment)
    for name, value in extra.items():
        setattr(issue, name, value)
    return issue


@pytest.mark.parametrize(("jql", "updated", "expected"), [
    ('updated >= "2026-11-20 10:05"', "2026-11-20 10:05:30", True),
    ('updated >= "2026-11-20 10:05"', "2026-11-20 10:04:59", False),
    ('updated > "2026/11/20 10:05"', "2026-11-20 10:05:00", False),
    ('updated <= "2026-11-20"', "2026-11-19 23:59:59", True),
])
def test_dates_have_minute_precision(jql: str, updated: str, expected: bool) -> None:
    """A JQL date is a minute; the issue's own time is compared exactly against it."""
    assert parse(jql, 0).predicate(issue_at(updated)) is expected


@pytest.mark.parametrize(("jql", "expected"), [
    ('project = "QA" AND labels = "xray-sync"', True),
    ("labels in (a, xray-sync) AND issuetype = Test", True),
    ("labels = other OR key = QA-1", True),
    ('issuetype = "Test Execution"', False),
    ("key in (QA-2, QA-3)", False),
    ("project = QA AND NOT_A_FIELD = 1 OR labels = x", None),
])
def test_jql_subset(jql: str, expected: bool | None) -> None:
    """The subset's clauses match as Jira's do; unknown fields are refused."""
    issue = issue_at("2026-11-20 10:00:00", labels=["xray-sync"])
    if expected is None:
        with pytest.raises(BadRequest):
            parse(jql, 0)
    else:
        assert parse(jql, 0).predicate(issue) is expected


def test_order_by_updated_ascending() -> None:
    """ORDER BY updated ASC sorts oldest first."""
    old, new = issue_at("2026-11-20 10:00:00"), issue_at("2026-11-20 11:00:00")
    new.key, new.id = "QA-2", 10002
    assert parse("ORDER BY updated ASC", 0).run([new, old]) == [old, new]


def test_bad_jql_is_a_jira_400(cloud: RunningSandbox, http: requests.Session) -> None:
    """Unparseable JQL answers 400 with errorMessages."""
    answer = http.get(f"{cloud.url}/rest/api/3/search/jql", params={"jql": "summary === x"})
    assert answer.status_code == 400
    assert answer.json()["errorMessages"]


def test_search_jql_returns_only_ids_unless_fields_named(cloud: RunningSandbox,
                                                          http: requests.Session) -> None:
    """Without `fields`, each hit is just its id; with them, key and fields come too."""
    made = create(http, cloud.url)
    bare = http.get(f"{cloud.url}/rest/api/3/search/jql", params={"jql": "project = QA"}).json()
    rich = http.get(f"{cloud.url}/rest/api/3/search/jql",
                    params={"jql": "project = QA", "fields": "summary"}).json()
    assert bare == {"issues": [{"id": made["id"]}], "isLast": True}
    assert rich["issues"][0]["key"] == made["key"]
    assert rich["issues"][0]["fields"] == {"summary": "A test"}


def test_search_jql_pages_with_next_page_token(cloud: RunningSandbox,
                                               http: requests.Session) -> None:
    """Pages follow nextPageToken until isLast, with no total, covering every hit once."""
    made = {create(http, cloud.url)["id"] for _ in range(5)}
    seen: list[str] = []
    params: dict[str, str | int] = {"jql": "project = QA ORDER BY key ASC", "maxResults": 2}
    while True:
        page = http.get(f"{cloud.url}/rest/api/3/search/jql", params=params).json()
        assert "total" not in page
        seen += [hit["id"] for hit in page["issues"]]
        if page["isLast"]:
            assert "nextPageToken" not in page
            break
        params["nextPageToken"] = page["nextPageToken"]
    assert sorted(seen) == sorted(made) and len(seen) == 5


def test_foreign_page_token_is_refused(cloud: RunningSandbox, http: requests.Session) -> None:
    """A nextPageToken from another query answers 400."""
    for _ in range(3):
        create(http, cloud.url)
    first = http.get(f"{cloud.url}/rest/api/3/search/jql",
                     params={"jql": "project = QA", "maxResults": "1"}).json()
    answer = http.get(f"{cloud.url}/rest/api/3/search/jql", params={
        "jql": "labels = x", "nextPageToken": first["nextPageToken"]})
    assert answer.status_code == 400


@pytest.mark.parametrize("version", [2, 3])
def test_old_cloud_search_is_gone(cloud: RunningSandbox, http: requests.Session,
                                  version: int) -> None:
    """Cloud's old /search answers 410 Gone on v2 and v3."""
    answer = http.get(f"{cloud.url}/rest/api/{version}/search", params={"jql": "project = QA"})
    assert answer.status_code == 410
    assert "search/jql" in answer.json()["errorMessages"][0]


def test_dc_search_has_start_at_and_total(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """DC search pages with startAt/maxResults and reports the total."""
    keys = [create(dc_http, dc.url)["key"] for _ in range(3)]
    page = dc_http.get(f"{dc.url}/rest/api/2/search", params={
        "jql": "project = QA ORDER BY key ASC", "startAt": "1", "maxResults": "1"}).json()
    assert (page["startAt"], page["maxResults"], page["total"]) == (1, 1, 3)
    assert [hit["key"] for hit in page["issues"]] == [keys[1]]


@pytest.fixture
def lagging() -> Iterator[tuple[RunningSandbox, FakeClock]]:
    """A Cloud sandbox whose search index lags 5 seconds, on a hand-moved clock."""
    clock = FakeClock(epoch("2026-11-20 10:00:00"))
    running = start_sandbox("cloud", options=SandboxOptions(search_lag_seconds=5, clock=clock))
    yield running, clock
    running.stop()


def test_search_is_eventually_consistent(lagging: tuple[RunningSandbox, FakeClock]) -> None:
    """A new issue and a deletion show in search only once the lag has passed."""
    running, clock = lagging
    with requests.Session() as http:
        http.auth = CLOUD_AUTH
        url = f"{running.url}/rest/api/3/search/jql"
        made = create(http, running.url)
        assert http.get(url, params={"jql": "project = QA"}).json()["issues"] == []
        clock.now += 5
        assert http.get(url, params={"jql": "project = QA"}).json()["issues"] == [
            {"id": made["id"]}]
        http.delete(f"{running.url}/rest/api/3/issue/{made['key']}")
        assert len(http.get(url, params={"jql": "project = QA"}).json()["issues"]) == 1
        clock.now += 5
        assert http.get(url, params={"jql": "project = QA"}).json()["issues"] == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('abc QA=!<>~(),"\'-0123456789:/ANDORINOTBY')),
               max_size=40))
def test_any_jql_parses_or_is_a_400(text: str) -> None:
    """Whatever JQL arrives, the parser either accepts it or raises BadRequest (never a 500)."""
    try:
        query = parse(text, 0)
    except BadRequest:
        return
    query.run([issue_at("2026-11-20 10:00:00", labels=["a"])])


def test_the_connectors_jql_forms(cloud: RunningSandbox, http: requests.Session) -> None:
    """The exact JQL forms listed in docs/connector-endpoints.md find what they should."""
    labels = ["xray-sync", "xs-s1"]
    execution = create(http, cloud.url, kind="Test Execution", labels=labels)["key"]
    test = create(http, cloud.url, kind="Test", labels=labels)["key"]
    create(http, cloud.url, kind="Bug", labels=labels)
    create(http, cloud.url, kind="Test Execution")
    forms = {
        'project = "QA" AND labels = "xray-sync" AND issuetype in ("Test Execution", "Test") '
        'AND updated >= "2000-01-01 00:00" ORDER BY updated ASC': [execution, test],
        'project = "QA" AND labels = "xray-sync" AND issuetype in ("Test Execution") '
        "ORDER BY key ASC": [execution],
        'project = "QA" AND labels = "xray-sync" AND updated >= "2999-01-01 00:00" '
        "ORDER BY updated ASC": [],
        'labels = "xs-s1" ORDER BY key ASC': [execution, test, "QA-3"],
    }
    for jql, expected in forms.items():
        page = http.get(f"{cloud.url}/rest/api/3/search/jql", params={
            "jql": jql, "fields": "summary,status,updated,labels,issuetype",
            "maxResults": "100"}).json()
        assert [hit["key"] for hit in page["issues"]] == expected, jql
