"""Attachments, comments, remote links, transitions, issue links, bulk create, DC Xray fields."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import create

XSRF = {"X-Atlassian-Token": "no-check"}


def test_attachment_metadata_content_and_delete(cloud: RunningSandbox,
                                                http: requests.Session) -> None:
    """An attachment is listed on the issue, its bytes download, and DELETE removes it."""
    key = create(http, cloud.url)["key"]
    made = http.post(f"{cloud.url}/rest/api/3/issue/{key}/attachments", headers=XSRF,
                     files={"file": ("notes.txt", b"hello", "text/plain")}).json()
    assert [(a["filename"], a["size"]) for a in made] == [("notes.txt", 5)]
    assert http.get(made[0]["content"]).content == b"hello"
    listed = http.get(f"{cloud.url}/rest/api/3/issue/{key}").json()["fields"]["attachment"]
    assert [a["id"] for a in listed] == [made[0]["id"]]
    assert http.delete(f"{cloud.url}/rest/api/3/attachment/{made[0]['id']}").status_code == 204
    assert http.get(f"{cloud.url}/rest/api/3/attachment/{made[0]['id']}").status_code == 404


def test_attachment_without_file_part_is_400(cloud: RunningSandbox,
                                             http: requests.Session) -> None:
    """A multipart body with no `file` part answers 400."""
    key = create(http, cloud.url)["key"]
    answer = http.post(f"{cloud.url}/rest/api/3/issue/{key}/attachments", headers=XSRF,
                       files={"other": ("x.txt", b"x")})
    assert answer.status_code == 400


def test_comments_list_in_order(cloud: RunningSandbox, http: requests.Session) -> None:
    """Comments added on v2 are listed in order with their text."""
    key = create(http, cloud.url)["key"]
    for text in ("first", "second"):
        assert http.post(f"{cloud.url}/rest/api/2/issue/{key}/comment",
                         json={"body": text}).status_code == 201
    listed = http.get(f"{cloud.url}/rest/api/2/issue/{key}/comment").json()
    assert [c["body"] for c in listed["comments"]] == ["first", "second"]
    assert listed["total"] == 2


def test_empty_comment_is_refused(cloud: RunningSandbox, http: requests.Session) -> None:
    """An empty v2 comment answers 400 and adds nothing."""
    key = create(http, cloud.url)["key"]
    assert http.post(f"{cloud.url}/rest/api/2/issue/{key}/comment",
                     json={"body": " "}).status_code == 400
    assert cloud.state.issue(key).comments == []


def test_remote_link_global_id_updates_in_place(cloud: RunningSandbox,
                                                http: requests.Session) -> None:
    """Posting the same globalId twice updates one link (201 then 200), found by globalId."""
    key = create(http, cloud.url)["key"]
    url = f"{cloud.url}/rest/api/3/issue/{key}/remotelink"
    body: dict[str, Any] = {"globalId": "xray-sync:s1", "relationship": "Exploratory session",
            "object": {"url": "http://c/s1", "title": "Old"}}
    first = http.post(url, json=body)
    body["object"]["title"] = "New"
    second = http.post(url, json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    found = http.get(url, params={"globalId": "xray-sync:s1"}).json()
    assert found["object"]["title"] == "New"
    assert len(http.get(url).json()) == 1


def test_remote_link_delete(cloud: RunningSandbox, http: requests.Session) -> None:
    """DELETE remotelink/{id} removes it; a second DELETE is 404."""
    key = create(http, cloud.url)["key"]
    url = f"{cloud.url}/rest/api/3/issue/{key}/remotelink"
    link = http.post(url, json={"object": {"url": "http://c", "title": "t"}}).json()
    assert http.delete(f"{url}/{link['id']}").status_code == 204
    assert http.delete(f"{url}/{link['id']}").status_code == 404


def test_workflow_reopen_and_cancel(cloud: RunningSandbox, http: requests.Session) -> None:
    """Done can only be reopened; Reopened can be cancelled; updated moves forward."""
    key = create(http, cloud.url)["key"]
    url = f"{cloud.url}/rest/api/3/issue/{key}/transitions"
    before = cloud.state.issue(key).updated
    assert http.post(url, json={"transition": {"id": "31"}}).status_code == 204
    assert [t["name"] for t in http.get(url).json()["transitions"]] == ["Reopened"]
    assert http.post(url, json={"transition": {"id": "41"}}).status_code == 400
    for transition in ("51", "41"):
        assert http.post(url, json={"transition": {"id": transition}}).status_code == 204
    issue = cloud.state.issue(key)
    assert issue.status == "Cancelled" and issue.updated >= before


def test_issue_link_shows_on_both_sides(cloud: RunningSandbox, http: requests.Session) -> None:
    """POST issueLink adds the link to both issues' issuelinks."""
    first, second = create(http, cloud.url)["key"], create(http, cloud.url, kind="Bug")["key"]
    assert http.post(f"{cloud.url}/rest/api/3/issueLink", json={
        "type": {"name": "Defect"}, "inwardIssue": {"key": first},
        "outwardIssue": {"key": second}}).status_code == 201
    links = {key: http.get(f"{cloud.url}/rest/api/3/issue/{key}").json()["fields"]["issuelinks"]
             for key in (first, second)}
    assert links[first][0]["outwardIssue"]["key"] == second
    assert links[second][0]["inwardIssue"]["key"] == first


def test_unknown_link_type_is_404(cloud: RunningSandbox, http: requests.Session) -> None:
    """An unknown issue link type answers 404."""
    first, second = create(http, cloud.url)["key"], create(http, cloud.url)["key"]
    answer = http.post(f"{cloud.url}/rest/api/3/issueLink", json={
        "type": {"name": "Nope"}, "inwardIssue": {"key": first}, "outwardIssue": {"key": second}})
    assert answer.status_code == 404


def test_bulk_create_reports_failures_by_position(cloud: RunningSandbox,
                                                  http: requests.Session) -> None:
    """Bulk create makes the good issues and reports the bad one's position."""
    answer = http.post(f"{cloud.url}/rest/api/3/issue/bulk", json={"issueUpdates": [
        {"fields": {"project": {"key": "QA"}, "issuetype": {"name": "Bug"}, "summary": "ok"}},
        {"fields": {"project": {"key": "QA"}, "issuetype": {"name": "Bug"}}}]})
    body = answer.json()
    assert answer.status_code == 201
    assert [i["key"] for i in body["issues"]] == ["QA-1"]
    assert [e["failedElementNumber"] for e in body["errors"]] == [1]


def test_bulk_create_with_only_failures_is_400(cloud: RunningSandbox,
                                               http: requests.Session) -> None:
    """Bulk create where every item fails answers 400 and makes nothing."""
    answer = http.post(f"{cloud.url}/rest/api/3/issue/bulk", json={"issueUpdates": [
        {"fields": {"project": {"key": "XX"}, "issuetype": {"name": "Bug"}, "summary": "s"}}]})
    assert answer.status_code == 400
    assert cloud.state.issues == {}


def test_create_properties_are_readable(cloud: RunningSandbox, http: requests.Session) -> None:
    """Properties sent in the create body are readable as issue properties."""
    answer = http.post(f"{cloud.url}/rest/api/3/issue", json={
        "fields": {"project": {"key": "QA"}, "issuetype": {"name": "Bug"}, "summary": "s"},
        "properties": [{"key": "xray-sync", "value": {"session": "s1", "role": "defect"}}]})
    key = answer.json()["key"]
    value = http.get(f"{cloud.url}/rest/api/3/issue/{key}/properties/xray-sync").json()
    assert value == {"key": "xray-sync", "value": {"session": "s1", "role": "defect"}}


def test_label_with_space_is_refused(cloud: RunningSandbox, http: requests.Session) -> None:
    """A label with a space answers 400 naming labels, and nothing is created."""
    answer = http.post(f"{cloud.url}/rest/api/2/issue", json={"fields": {
        "project": {"key": "QA"}, "issuetype": {"name": "Bug"}, "summary": "s",
        "labels": ["two words"]}})
    assert answer.status_code == 400 and "labels" in answer.json()["errors"]
    assert cloud.state.issues == {}


def test_dc_generic_test_fields_round_trip(dc: RunningSandbox, dc_http: requests.Session) -> None:
    """A DC Test made with Test Type Generic and a definition reads both back; edits change it."""
    fields = {f["name"]: f["id"] for f in dc_http.get(f"{dc.url}/rest/api/2/field").json()}
    kind, definition = fields["Test Type"], fields["Generic Test Definition"]
    generic: dict[str, Any] = {kind: {"value": "Generic"}, definition: "Explore"}
    key = create(dc_http, dc.url, **generic)["key"]
    dc_http.put(f"{dc.url}/rest/api/2/issue/{key}", json={"fields": {definition: "Again"}})
    read = dc_http.get(f"{dc.url}/rest/api/2/issue/{key}",
                       params={"fields": f"{kind},{definition}"}).json()["fields"]
    assert (read[kind]["value"], read[definition]) == ("Generic", "Again")


def test_dc_test_type_must_be_a_known_option(dc: RunningSandbox,
                                             dc_http: requests.Session) -> None:
    """An unknown Test Type option answers 400."""
    answer = dc_http.post(f"{dc.url}/rest/api/2/issue", json={"fields": {
        "project": {"key": "QA"}, "issuetype": {"name": "Test"}, "summary": "s",
        "customfield_10200": {"value": "Exotic"}}})
    assert answer.status_code == 400


def test_remote_link_read_and_replaced_by_id(cloud: RunningSandbox,
                                             http: requests.Session) -> None:
    """GET remotelink/{id} reads one link and PUT replaces it (204)."""
    key = create(http, cloud.url)["key"]
    url = f"{cloud.url}/rest/api/3/issue/{key}/remotelink"
    link = http.post(url, json={"object": {"url": "http://c/1", "title": "Old"}}).json()
    assert http.put(f"{url}/{link['id']}", json={
        "object": {"url": "http://c/2", "title": "New"}}).status_code == 204
    assert http.get(f"{url}/{link['id']}").json()["object"] == {"url": "http://c/2",
                                                                "title": "New"}
    assert http.get(f"{url}/999999").status_code == 404


def test_changelog_records_edits_and_transitions(dc: RunningSandbox,
                                                 dc_http: requests.Session) -> None:
    """expand=changelog lists a rename and a transition, in order, without fieldId on DC."""
    key = create(dc_http, dc.url, summary="Before")["key"]
    dc_http.put(f"{dc.url}/rest/api/2/issue/{key}", json={"fields": {"summary": "After"}})
    dc_http.post(f"{dc.url}/rest/api/2/issue/{key}/transitions",
                 json={"transition": {"id": "21"}})
    histories = dc_http.get(f"{dc.url}/rest/api/2/issue/{key}",
                            params={"expand": "changelog"}).json()["changelog"]["histories"]
    assert [[(i["field"], i["fromString"], i["toString"]) for i in h["items"]]
            for h in histories] == [[("summary", "Before", "After")],
                                    [("status", "To Do", "In Progress")]]
    assert all("fieldId" not in i for h in histories for i in h["items"])
