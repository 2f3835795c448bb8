"""Jira issue endpoints of the sandbox over real HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create


def test_create_returns_sequential_keys_and_numeric_ids(cloud: RunningSandbox,
                                                        http: requests.Session) -> None:
    """Creating two issues yields QA-1 and QA-2 with numeric string ids and self links."""
    first = create(http, cloud.url)
    second = create(http, cloud.url)
    assert (first["key"], second["key"]) == ("QA-1", "QA-2")
    assert first["id"].isdigit() and int(second["id"]) == int(first["id"]) + 1
    assert first["self"] == f"{cloud.url}/rest/api/2/issue/{first['id']}"


def test_get_issue_honours_fields(cloud: RunningSandbox, http: requests.Session) -> None:
    """GET issue with fields=summary returns only that field."""
    made = create(http, cloud.url, summary="Only me", labels=["x"])
    body = http.get(f"{cloud.url}/rest/api/3/issue/{made['key']}",
                    params={"fields": "summary"}).json()
    assert body["fields"] == {"summary": "Only me"}


def test_v3_description_is_adf_and_v2_is_text(cloud: RunningSandbox,
                                              http: requests.Session) -> None:
    """A description written as text on v2 reads back as ADF on v3 and text on v2."""
    made = create(http, cloud.url, description="line one")
    v3 = http.get(f"{cloud.url}/rest/api/3/issue/{made['key']}").json()["fields"]
    v2 = http.get(f"{cloud.url}/rest/api/2/issue/{made['key']}").json()["fields"]
    assert v3["description"]["type"] == "doc"
    assert v2["description"] == "line one"


def test_v3_create_refuses_plain_text_description(cloud: RunningSandbox,
                                                  http: requests.Session) -> None:
    """v3 refuses a string description with 400 and creates nothing."""
    answer = http.post(f"{cloud.url}/rest/api/3/issue", json={"fields": {
        "project": {"key": "QA"}, "issuetype": {"name": "Bug"}, "summary": "s",
        "description": "plain"}})
    assert answer.status_code == 400
    assert "description" in answer.json()["errors"]
    assert cloud.state.issues == {}


def test_unknown_issue_is_404_jira_shaped(cloud: RunningSandbox, http: requests.Session) -> None:
    """Reading an unknown key answers 404 with errorMessages."""
    answer = http.get(f"{cloud.url}/rest/api/2/issue/QA-999")
    assert answer.status_code == 404
    assert answer.json()["errorMessages"]


def test_missing_credentials_are_401(cloud: RunningSandbox) -> None:
    """A request without credentials answers 401 with a Jira-shaped body."""
    answer = requests.get(f"{cloud.url}/rest/api/3/myself", timeout=10)
    assert answer.status_code == 401
    assert answer.json()["errorMessages"]


def test_edit_labels_with_update_operations(cloud: RunningSandbox,
                                            http: requests.Session) -> None:
    """PUT with update add/remove changes labels and answers 204."""
    made = create(http, cloud.url, labels=["old"])
    answer = http.put(f"{cloud.url}/rest/api/2/issue/{made['key']}",
                      json={"update": {"labels": [{"add": "new"}, {"remove": "old"}]}})
    assert answer.status_code == 204
    assert cloud.state.issue(made["key"]).labels == ["new"]


def test_delete_issue_then_404(cloud: RunningSandbox, http: requests.Session) -> None:
    """DELETE answers 204 and the issue is gone."""
    made = create(http, cloud.url)
    assert http.delete(f"{cloud.url}/rest/api/2/issue/{made['key']}").status_code == 204
    assert http.get(f"{cloud.url}/rest/api/2/issue/{made['key']}").status_code == 404


def test_issue_property_round_trip(cloud: RunningSandbox, http: requests.Session) -> None:
    """PUT property answers 201 then 200, GET reads it, DELETE removes it."""
    made = create(http, cloud.url)
    url = f"{cloud.url}/rest/api/3/issue/{made['key']}/properties/xraySync"
    assert http.put(url, json={"session": "abc"}).status_code == 201
    assert http.put(url, json={"session": "def"}).status_code == 200
    assert http.get(url).json() == {"key": "xraySync", "value": {"session": "def"}}
    assert http.delete(url).status_code == 204
    assert http.get(url).status_code == 404


def test_concurrent_creates_get_distinct_keys(cloud: RunningSandbox) -> None:
    """Creates from 8 threads at once get 80 distinct, gapless keys."""
    def make_ten(_: int) -> list[str]:
        with requests.Session() as session:
            session.auth = ("sandbox@example.com", "sandbox-token")
            return [create(session, cloud.url)["key"] for _ in range(10)]

    with ThreadPoolExecutor(8) as pool:
        keys = [key for batch in pool.map(make_ten, range(8)) for key in batch]
    assert sorted(keys, key=lambda k: int(k.split("-")[1])) == [f"QA-{n}" for n in range(1, 81)]


def test_deleted_keys_are_never_reused(cloud: RunningSandbox, http: requests.Session) -> None:
    """After QA-2 is deleted, the next issue is QA-3, as in Jira."""
    create(http, cloud.url)
    second = create(http, cloud.url)
    http.delete(f"{cloud.url}/rest/api/3/issue/{second['key']}")
    assert create(http, cloud.url)["key"] == "QA-3"
