"""Pure builders and the token bucket: JQL, markers, Xray JSON, ADF, fair reservations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector import Evidence, IssueDraft, RateLimit, RunRecord, RunStatus
from connector.errors import InvalidInput
from connector.markers import marker_labels, session_from_labels
from connector.payloads import (
    adf,
    evidence_name,
    issue_create_body,
    jql_changed,
    jql_marker,
    xray_import_body,
)
from connector.ratelimit import TokenBucket


def test_jql_changed_floors_to_the_minute_in_utc() -> None:
    """The changed-since JQL uses the UTC minute of `since` (JQL has minute precision)."""
    since = datetime(2026, 11, 20, 11, 4, 59, tzinfo=timezone(timedelta(hours=1)))
    assert 'updated >= "2026-11-20 10:04"' in jql_changed("QA", since)


def test_jql_quotes_values() -> None:
    """Project keys are quoted, so odd characters cannot change the query."""
    assert jql_changed('Q"A', datetime(2026, 1, 1, tzinfo=UTC)).startswith('project = "Q\\"A"')


def test_marker_jql_and_labels_round_trip() -> None:
    """The session label written on create is the one searched and read back."""
    labels = marker_labels("abc-123")
    assert jql_marker("abc-123") == 'labels = "xs-abc-123" ORDER BY key ASC'
    assert session_from_labels(["other", *labels]) == "abc-123"
    assert session_from_labels(["xray-sync"]) is None


@pytest.mark.parametrize("bad", ["", "UPPER", "a b", "x" * 101, "a/b", '"q"'])
def test_session_id_must_be_label_safe(bad: str) -> None:
    """Ids that cannot be a Jira label are refused, naming the rule."""
    with pytest.raises(InvalidInput, match="label_safe_session_id"):
        marker_labels(bad)


def test_xray_json_omits_what_is_unknown() -> None:
    """Empty comment, evidence, defects, environments and unknown times are left out."""
    body = xray_import_body(RunRecord("QA-2", "QA-1", "S", RunStatus.TODO), deployment="cloud")
    assert body == {"testExecutionKey": "QA-2", "info": {"summary": "S"},
                    "tests": [{"testKey": "QA-1", "status": "TODO"}]}


def test_xray_json_server_statuses() -> None:
    """Data Center gets Xray Server's PASS/FAIL words."""
    record = RunRecord("QA-2", "QA-1", "S", RunStatus.FAILED,
                       evidence=(Evidence("a.txt", "text/plain", b"hi"),))
    test = xray_import_body(record, deployment="datacenter")["tests"][0]
    assert test["status"] == "FAIL"
    assert test["evidence"] == [{"data": "aGk=", "filename": "a.8f434346.txt",
                                 "contentType": "text/plain"}]


def test_adf_keeps_lines_as_paragraphs() -> None:
    """Each line of a description becomes one ADF paragraph (blank lines stay empty)."""
    doc = adf("one\n\ntwo")
    assert [p["content"] for p in doc["content"]] == [
        [{"type": "text", "text": "one"}], [], [{"type": "text", "text": "two"}]]


def test_create_body_carries_property_marker() -> None:
    """A create body names the session in the `xray-sync` issue property."""
    body = issue_create_body(IssueDraft("s9", "QA", "defect", "Bug"), api_version="2")
    assert body["properties"] == [{"key": "xray-sync", "value": {"session": "s9",
                                                                   "role": "defect"}}]
    assert "description" not in body["fields"]


def test_bucket_gives_each_thread_its_own_slot() -> None:
    """Concurrent acquires reserve distinct, evenly spaced send times (no double spend)."""
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(round(seconds, 6))

    bucket = TokenBucket(RateLimit(requests=10, per_seconds=1.0, burst=2), lambda: 0.0, record)
    threads = [threading.Thread(target=bucket.acquire) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [round(k / 10, 6) for k in range(1, 39)]


def test_bucket_refuses_a_meaningless_limit() -> None:
    """A limit of zero requests is refused at construction."""
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(RateLimit(requests=0))


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("0001.png", b"hi", "0001.8f434346.png"),
    ("Checkout.xea", b"hi", "Checkout.8f434346.xea"),
    ("notes", b"hi", "notes.8f434346"),
    (".hidden", b"hi", ".hidden.8f434346"),
    ("0001.png", b"other", "0001.d9298a10.png"),
])
def test_an_evidence_name_carries_a_digest_of_its_content(
    name: str, data: bytes, expected: str
) -> None:
    """The attached name keeps the file's name and extension and adds 8 hex digits of its
    SHA-256, so two versions of one file never share a name."""
    assert evidence_name(Evidence(name, "application/octet-stream", data)) == expected
