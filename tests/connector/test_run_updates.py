"""Run updates as GraphQL: what a record becomes against the run Xray shows, how mutations
are cut into documents, and that every document is valid against Xray's SDL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import graphql
import pytest

from connector import run_updates
from connector.base import Evidence, RunRecord, RunStatus
from connector.payloads import evidence_name
from connector.run_updates import Import, Mutation, Planned, RunNow, pack, plan_update

SDL = Path(__file__).parents[1] / "data/third_party/specs/xray/xray-cloud-schema.graphql"
START = datetime(2026, 11, 20, 10, tzinfo=UTC)
OLD_FILE = Evidence("one.png", "image/png", b"PNG1")
NEW_FILE = Evidence("s.xea", "application/zip", b"zip")
RECORD = RunRecord(
    execution_key="QA-2", test_key="QA-1", summary="Checkout", status=RunStatus.FAILED,
    comment="new notes", started=START, environments=("Chrome",),
    evidence=(OLD_FILE, NEW_FILE), defects=("QA-3",), execution_id="10002", test_id="10001")
RUN = RunNow(id="run-1", status="FAILED", comment="new notes", started=START, finished=None,
             evidence=frozenset({evidence_name(OLD_FILE)}), summary="Checkout",
             environments=frozenset({"Chrome"}), begin=START)


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SDL.read_text(encoding="utf-8"))


DATES = ("customfield_3", "customfield_4")


def planned(index: int, run: RunNow | None, record: RunRecord = RECORD) -> Planned:
    found = plan_update(index, record, run, DATES)
    assert isinstance(found, Planned)
    return found


def names(found: Planned) -> list[str]:
    return [m.name for m in found.mutations]


def test_an_unchanged_run_gets_only_its_new_file_and_defects() -> None:
    """Same status, comment and times: only the file the run lacks and the defects are
    sent, and nothing of the execution."""
    found = planned(0, RUN)
    assert names(found) == ["addEvidenceToTestRun", "addDefectsToTestRun"]
    files = found.mutations[0].variables["r0_evidence"][1]
    assert [f["filename"] for f in files] == [evidence_name(NEW_FILE)]
    assert found.execution_fields == {}


def test_a_changed_status_comment_and_start_are_replaced() -> None:
    """Another status, comment and start on the run: all are sent, with the record's
    values."""
    found = planned(3, replace(RUN, status="PASSED", comment="old", started=None))
    assert names(found)[:2] == ["updateTestRunStatus", "updateTestRun"]
    status, run = found.mutations[:2]
    assert status.variables["r3_status"] == ("String!", "FAILED")
    assert run.variables["r3_comment"] == ("String", "new notes")
    assert run.variables["r3_startedOn"] == ("String", "2026-11-20T10:00:00Z")
    assert "finishedOn" not in run.arguments  # the record has none: the run's stays


def test_an_empty_comment_leaves_the_runs_as_the_import_does() -> None:
    """A record without comment sends none, whatever the run has."""
    found = planned(0, replace(RUN, comment="kept"), replace(RECORD, comment=""))
    assert "updateTestRun" not in names(found)


def test_a_new_name_is_set_on_the_execution() -> None:
    """The import's `info.summary` renames the execution: here Jira's edit does."""
    assert planned(0, replace(RUN, summary="Old name")).execution_fields == {
        "summary": "Checkout"}


def test_an_unset_begin_date_is_set_on_the_execution() -> None:
    """A first push leaves the execution's Begin Date unset; the first update sets it
    (by the field's id, in Jira's format)."""
    assert planned(0, replace(RUN, begin=None)).execution_fields == {
        "customfield_3": "2026-11-20T10:00:00.000+0000"}


@pytest.mark.parametrize("run, dates, why", [
    (None, DATES, "no run: the import adds the Test to the execution"),
    (replace(RUN, environments=frozenset({"Firefox"})), DATES,
     "the import replaces environments"),
    (replace(RUN, begin=None), None, "no Begin Date field in Jira: the import sets it"),
])
def test_what_graphql_and_jira_cannot_do_the_imports_way_goes_to_the_import(
    run: RunNow | None, dates: tuple[str, str] | None, why: str
) -> None:
    """The record is sent as an import, without the files the run already shows."""
    found = plan_update(0, RECORD, run, dates)
    assert isinstance(found, Import), why
    kept = (OLD_FILE, NEW_FILE) if run is None else (NEW_FILE,)
    assert found.record == replace(RECORD, evidence=kept)


@pytest.mark.parametrize("ids, linked, sent", [
    (("20003",), {"20003"}, False),
    (("20003",), set(), True),
    (("",), {"20003"}, True),
    ((), {"20003"}, True),
])
def test_defects_are_added_unless_the_run_lists_each_by_id(
    ids: tuple[str, ...], linked: set[str], sent: bool
) -> None:
    """A defect whose id the run lists is linked already; one the run lacks, or whose id
    the record does not know, is added (again, if need be, which changes nothing)."""
    found = planned(0, replace(RUN, defects=frozenset(linked)),
                    replace(RECORD, defect_ids=ids))
    assert ("addDefectsToTestRun" in names(found)) is sent


def test_times_equal_to_the_second_are_not_sent_again() -> None:
    """Xray's milliseconds do not count as another start time."""
    found = planned(0, replace(RUN, started=START + timedelta(milliseconds=400)))
    assert "updateTestRun" not in names(found)


def test_pack_keeps_documents_within_the_resolver_limit_in_order() -> None:
    """60 mutations make documents of 25, 25 and 10, in the order given."""
    mutations = [Mutation(f"m{i}", "updateTestRunStatus", "", "", {}, i) for i in range(60)]
    documents = pack(mutations)
    assert [len(d) for d in documents] == [25, 25, 10]
    assert [m for d in documents for m in d] == mutations


def test_pack_splits_documents_by_the_bytes_of_their_files() -> None:
    """Files of 10 MiB each: one per document (16 MiB at most a document)."""
    big = 10 * 1024 * 1024
    mutations = [Mutation(f"m{i}", "addEvidenceToTestRun", "", "", {}, i, big) for i in range(3)]
    assert [len(d) for d in pack(mutations)] == [1, 1, 1]


def test_a_full_document_is_valid_against_xrays_sdl(schema: graphql.GraphQLSchema) -> None:
    """Every kind of mutation, for several records, validates against the SDL and its
    variables coerce to the declared types."""
    mutations = [m for index in range(6) for m in planned(
        index, replace(RUN, status="TODO", comment="", started=None)).mutations]
    (mutations_of_one_document,) = pack(mutations)
    query, variables = run_updates.document(mutations_of_one_document)
    parsed = graphql.parse(query)
    assert graphql.validate(schema, parsed) == []
    operation = graphql.get_operation_ast(parsed)
    assert operation is not None
    coerced = graphql.execution.values.get_variable_values(
        schema, operation.variable_definitions or [], variables)
    assert not isinstance(coerced, list), coerced  # a list is the errors
    assert len(operation.selection_set.selections) == 24


def test_the_read_is_valid_against_xrays_sdl(schema: graphql.GraphQLSchema) -> None:
    """The read of a batch's runs validates, with its variables."""
    parsed = graphql.parse(run_updates.READ_RUNS)
    assert graphql.validate(schema, parsed) == []
    operation = graphql.get_operation_ast(parsed)
    assert operation is not None
    coerced = graphql.execution.values.get_variable_values(
        schema, operation.variable_definitions or [],
        run_updates.read_variables([RECORD], 0, ("customfield_3", "customfield_4")))
    assert not isinstance(coerced, list), coerced  # a list is the errors


def test_a_read_page_is_keyed_by_execution_and_test_ids() -> None:
    """A getTestRuns answer becomes runs by (execution id, test id), with the execution's
    summary, environments and Begin Date, and the run's defects by id."""
    data: dict[str, Any] = {"getTestRuns": {"total": 1, "results": [{
        "id": "run-1", "status": {"name": "PASSED"}, "comment": None,
        "startedOn": "2026-11-20T10:00:00.000Z", "finishedOn": None,
        "evidence": [{"filename": "a.png"}], "defects": ["20003"], "test": {"issueId": "10001"},
        "testExecution": {"issueId": "10002", "testEnvironments": ["Chrome"],
                          "jira": {"summary": "Checkout"}}}]}}
    data["getTestRuns"]["results"][0]["testExecution"]["jira"]["customfield_3"] = \
        "2026-11-20T10:00:00.000+0000"
    runs, size, total = run_updates.read_runs_page(data, ("customfield_3", "customfield_4"))
    assert (size, total) == (1, 1)
    assert runs[("10002", "10001")] == RunNow(
        "run-1", "PASSED", "", START, None, frozenset({"a.png"}), "Checkout",
        frozenset({"Chrome"}), frozenset({"20003"}), begin=START, end=None)
