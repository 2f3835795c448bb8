"""The batcher's outcomes per record, against scripted Xray answers: an error naming one
alias fails that record only, a lost answer fails its whole document, and what follows a
lost answer is not sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import graphql
import pytest

from connector.base import Evidence, RunRecord, RunStatus
from connector.cloud_runs import DateFieldIds, EditExecution, Outcome, RunBatcher
from connector.errors import AmbiguousWrite, ConnectorError, Rejected, Unavailable
from connector.run_updates import Import

FIELDS = [{"id": "summary", "name": "Summary"}, {"id": "customfield_3", "name": "Begin Date"},
          {"id": "customfield_4", "name": "End Date"}]


def dates(fields: list[dict[str, str]] = FIELDS) -> DateFieldIds:
    return DateFieldIds(lambda: fields)


def record(n: int, **changes: Any) -> RunRecord:
    made = RunRecord(execution_key=f"QA-{n}", test_key=f"QA-{n + 1000}", summary=f"S{n}",
                     status=RunStatus.PASSED, comment=f"notes {n}",
                     evidence=(Evidence(f"{n}.xea", "application/zip", b"z"),),
                     defects=("QA-9",), execution_id=str(10000 + n), test_id=str(20000 + n))
    return replace(made, **changes)


def shown(records: Sequence[RunRecord]) -> dict[str, Any]:
    """A getTestRuns answer showing each record's run, TODO with no comment or files."""
    return {"data": {"getTestRuns": {"total": len(records), "results": [{
        "id": f"run-{r.execution_id}", "status": {"name": "TODO"}, "comment": None,
        "startedOn": None, "finishedOn": None, "evidence": [],
        "test": {"issueId": r.test_id},
        "testExecution": {"issueId": r.execution_id, "testEnvironments": [],
                          "jira": {"summary": r.summary}}} for r in records]}}}


def root_fields(query: str) -> int:
    operation = graphql.get_operation_ast(graphql.parse(query))
    assert operation is not None
    return len(operation.selection_set.selections)


@dataclass
class ScriptedXray:
    """Answers the batcher's calls in turn: a JSON answer, or an error to raise."""

    answers: list[Any]
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def call(self, path: str, body: Any, *, operation: str, idempotent: bool,
             timeout: float | None = None) -> Any:
        self.bodies.append(body)
        answer = self.answers.pop(0)
        if isinstance(answer, ConnectorError):
            raise answer
        return answer


def sent_batch(records: Sequence[RunRecord], *answers: Any
               ) -> tuple[list[Outcome | BaseException], ScriptedXray]:
    xray = ScriptedXray([shown(records), *answers])
    return RunBatcher(xray, dates(), capacity=50, linger=0.0).send_batch(records), xray


def test_an_error_naming_one_alias_fails_that_record_only() -> None:
    """Record 1's status update is refused: record 1 gets Rejected with Xray's message,
    records 0 and 2 are done."""
    records = [record(n) for n in range(3)]
    refused = {"data": {}, "errors": [{"message": "no such status", "path": ["r1_status"]}]}
    outcomes, _ = sent_batch(records, refused)
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], Rejected)
    assert outcomes[1].jira_messages == ("no such status",)


def test_an_error_naming_no_alias_fails_the_whole_document() -> None:
    """A document refused as a whole (no path) fails every record in it."""
    records = [record(n) for n in range(3)]
    outcomes, _ = sent_batch(records, {"data": None, "errors": [{"message": "too big"}]})
    assert all(isinstance(o, Rejected) for o in outcomes)


def test_a_lost_answer_fails_its_document_and_stops_the_rest() -> None:
    """Eight records of four mutations make two documents: the first one's answer is lost
    (AmbiguousWrite for each record it held), the second is not sent (Unavailable for the
    records only it held)."""
    records = [record(n) for n in range(8)]
    lost = AmbiguousWrite("no answer", operation="update test runs")
    outcomes, xray = sent_batch(records, lost)
    assert len(xray.bodies) == 2  # the read and the first document only
    first = {int(a.split("_")[0][1:]) for a in xray.bodies[1]["variables"]}
    for index, outcome in enumerate(outcomes):
        expected = AmbiguousWrite if index in first else Unavailable
        assert isinstance(outcome, expected), (index, outcome)


def test_a_failed_read_fails_every_record() -> None:
    """When the read gets no answer, every record of the batch gets the error."""
    records = [record(n) for n in range(3)]
    xray = ScriptedXray([Unavailable("down")])
    outcomes = RunBatcher(xray, dates(), capacity=50, linger=0.0).send_batch(records)
    assert all(isinstance(o, Unavailable) for o in outcomes)


def test_a_small_batch_is_sent_as_imports_without_a_request() -> None:
    """Two records: an import each costs no more than a read and a document."""
    xray = ScriptedXray([])
    outcomes = RunBatcher(xray, dates(), capacity=50, linger=0.0).send_batch([record(1), record(2)])
    assert outcomes == [Import(record(1)), Import(record(2))]
    assert xray.bodies == []


def test_a_run_not_found_goes_to_the_import() -> None:
    """A record whose run the read does not show is handed back for an import; the others
    are updated in one document."""
    records = [record(n) for n in range(4)]
    xray = ScriptedXray([shown(records[1:]), {"data": {}}])
    outcomes = RunBatcher(xray, dates(), capacity=50, linger=0.0).send_batch(records)
    assert outcomes == [Import(records[0]), None, None, None]
    assert len(xray.bodies) == 2


@pytest.mark.parametrize("count, documents", [(6, 1), (7, 2), (25, 4)])
def test_documents_hold_at_most_25_mutations(count: int, documents: int) -> None:
    """Four mutations a record: 6 records fit one document, 7 need two, 25 need four."""
    records = [record(n) for n in range(count)]
    outcomes, xray = sent_batch(records, *[{"data": {}}] * documents)
    assert outcomes == [None] * count
    sent = xray.bodies[1:]
    assert len(sent) == documents
    assert all(root_fields(body["query"]) <= 25 for body in sent)


def test_the_read_asks_for_the_executions_date_fields() -> None:
    """The read names the Begin Date and End Date fields by the ids Jira listed."""
    records = [record(n) for n in range(3)]
    _, xray = sent_batch(records, {"data": {}})
    assert xray.bodies[0]["variables"]["fields"] == ["summary", "customfield_3",
                                                      "customfield_4"]


def test_the_date_fields_are_listed_once() -> None:
    """Two batches, one field list."""
    listed: list[int] = []

    def list_fields() -> list[dict[str, str]]:
        listed.append(1)
        return FIELDS

    ids = DateFieldIds(list_fields)
    assert ids.ids() == ids.ids() == ("customfield_3", "customfield_4")
    assert len(listed) == 1


def test_no_date_fields_by_these_names_is_none() -> None:
    """A Jira without Begin Date and End Date fields gives no ids (the plan then sends a
    record with times as an import)."""
    assert dates([{"id": "customfield_3", "name": "Begin Date"}]).ids() is None


def test_the_executions_fields_are_left_to_the_caller() -> None:
    """A record whose execution shows another summary: its run is updated in the document,
    and the caller is told to set the summary through Jira (or, refused, to import the
    record, which carries no file by then)."""
    records = [record(n) for n in range(3)]
    xray = ScriptedXray([shown([replace(records[0], summary="Old"), *records[1:]]),
                         {"data": {}}])
    outcomes = RunBatcher(xray, dates(), capacity=50, linger=0.0).send_batch(records)
    assert outcomes[0] == EditExecution({"summary": "S0"}, replace(records[0], evidence=()))
    assert outcomes[1:] == [None, None]
    assert "r0_status" in xray.bodies[1]["query"]
