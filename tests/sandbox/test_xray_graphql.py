"""The rest of the Xray Cloud GraphQL resolvers: listings, run edits, environments, deletes."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import RunningSandbox
from tests.sandbox.helpers import CREATE_TEST, gql, token


class Xray:
    """A GraphQL client for one sandbox."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.bearer = token(url)

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        body = gql(self.url, self.bearer, query, **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def test(self, summary: str = "T", labels: list[str] | None = None) -> str:
        """A Generic Test's issue id."""
        fields = {"project": {"key": "QA"}, "summary": summary, "labels": labels or []}
        made = self(CREATE_TEST, jira={"fields": fields}, unstructured="mission")
        issue_id: str = made["createTest"]["test"]["issueId"]
        return issue_id

    def execution(self, *tests: str) -> str:
        """A Test Execution holding these tests."""
        made = self('mutation($t: [String]) { createTestExecution(testIssueIds: $t, jira: '
                    '{fields: {summary: "E", project: {key: "QA"}}}) '
                    '{ testExecution { issueId } } }', t=list(tests))
        issue_id: str = made["createTestExecution"]["testExecution"]["issueId"]
        return issue_id

    def run_id(self, execution: str, test: str) -> str:
        """The run's id."""
        found = self("query($e: String, $t: String) { getTestRun(testExecIssueId: $e, "
                     "testIssueId: $t) { id } }", e=execution, t=test)
        run_id: str = found["getTestRun"]["id"]
        return run_id


@pytest.fixture
def xray(cloud: RunningSandbox) -> Xray:
    """A client of the module's (emptied) Cloud sandbox."""
    return Xray(cloud.url)


def test_get_tests_by_jql_and_ids(xray: Xray) -> None:
    """getTests filters by JQL and by issue ids, and pages with start/limit."""
    first, second = xray.test("A", ["mine"]), xray.test("B")
    by_jql = xray('{ getTests(jql: "labels = mine", limit: 10) { total results { issueId } } }')
    by_ids = xray("query($i: [String]) { getTests(issueIds: $i, limit: 1, start: 0) "
                  "{ total start limit results { issueId } } }", i=[first, second])
    assert by_jql["getTests"] == {"total": 1, "results": [{"issueId": first}]}
    assert by_ids["getTests"] == {"total": 2, "start": 0, "limit": 1,
                                  "results": [{"issueId": first}]}


def test_execution_lists_tests_and_runs(xray: Xray) -> None:
    """getTestExecution lists its tests and runs; getTestExecutions finds it."""
    test = xray.test()
    execution = xray.execution(test)
    data = xray("query($e: String) { getTestExecution(issueId: $e) { tests(limit: 5) "
                "{ results { issueId } } testRuns(limit: 5) { total results { status { name } }"
                " } } getTestExecutions(limit: 5) { total } }", e=execution)
    assert data["getTestExecution"]["tests"]["results"] == [{"issueId": test}]
    assert data["getTestExecution"]["testRuns"] == {"total": 1,
                                                    "results": [{"status": {"name": "TODO"}}]}
    assert data["getTestExecutions"]["total"] == 1


def test_add_tests_reports_unknown_ids(xray: Xray) -> None:
    """addTestsToTestExecution adds known tests and warns about unknown ones."""
    execution = xray.execution()
    test = xray.test()
    data = xray("mutation($e: String!, $t: [String]) { addTestsToTestExecution(issueId: $e, "
                "testIssueIds: $t) { addedTests warning } }", e=execution, t=[test, "99999"])
    assert data["addTestsToTestExecution"]["addedTests"] == [test]
    assert "99999" in data["addTestsToTestExecution"]["warning"]


def test_update_test_run_sets_times_and_comment(xray: Xray) -> None:
    """updateTestRun sets started/finished and the comment; getTestRunById reads them."""
    test = xray.test()
    run = xray.run_id(xray.execution(test), test)
    xray("mutation($id: String!) { updateTestRun(id: $id, comment: \"c\", startedOn: "
         "\"2026-11-20T10:00:00Z\", finishedOn: \"2026-11-20T10:55:00Z\") { warnings } }", id=run)
    read = xray("query($id: String) { getTestRunById(id: $id) { comment startedOn finishedOn "
                "test { issueId } } }", id=run)["getTestRunById"]
    assert read == {"comment": "c", "startedOn": "2026-11-20T10:00:00.000Z",
                    "finishedOn": "2026-11-20T10:55:00.000Z", "test": {"issueId": test}}


def test_bad_status_is_an_error_and_changes_nothing(cloud: RunningSandbox, xray: Xray) -> None:
    """updateTestRunStatus with an unknown status is an error; the run stays TODO."""
    test = xray.test()
    run = xray.run_id(xray.execution(test), test)
    body = gql(cloud.url, xray.bearer, f'mutation {{ updateTestRunStatus(id: "{run}", '
               f'status: "GREAT") }}')
    assert body["errors"]
    assert [r.status for r in cloud.state.xray.runs.values()] == ["TODO"]


def test_environments_add_and_remove(xray: Xray) -> None:
    """Environments can be added (reporting new ones) and removed."""
    execution = xray.execution()
    added = xray("mutation($e: String!) { addTestEnvironmentsToTestExecution(issueId: $e, "
                 "testEnvironments: [\"Chrome\", \"staging\"]) { associatedTestEnvironments "
                 "createdTestEnvironments } }", e=execution)
    xray("mutation($e: String!) { removeTestEnvironmentsFromTestExecution(issueId: $e, "
         "testEnvironments: [\"staging\"]) }", e=execution)
    read = xray("query($e: String) { getTestExecution(issueId: $e) { testEnvironments } }",
                e=execution)
    assert added["addTestEnvironmentsToTestExecution"] == {
        "associatedTestEnvironments": ["Chrome", "staging"],
        "createdTestEnvironments": ["Chrome", "staging"]}
    assert read["getTestExecution"]["testEnvironments"] == ["Chrome"]


def test_update_definition_and_type(xray: Xray) -> None:
    """updateUnstructuredTestDefinition changes a Generic test; updateTestType changes its type."""
    test = xray.test()
    xray("mutation($t: String!) { updateUnstructuredTestDefinition(issueId: $t, unstructured: "
         "\"new mission\") { issueId } }", t=test)
    changed = xray("mutation($t: String!) { updateTestType(issueId: $t, testType: {name: "
                   "\"Cucumber\"}) { unstructured testType { kind } } }", t=test)
    assert changed["updateTestType"] == {"unstructured": "new mission",
                                         "testType": {"kind": "Gherkin"}}


def test_remove_evidence_and_defects(cloud: RunningSandbox, xray: Xray) -> None:
    """Evidence and defects added to a run can be removed again."""
    test = xray.test()
    run = xray.run_id(xray.execution(test), test)
    xray("mutation($id: String!) { addEvidenceToTestRun(id: $id, evidence: [{filename: "
         "\"a.txt\", data: \"YQ==\"}]) { addedEvidence } }", id=run)
    xray(f'mutation($id: String!) {{ addDefectsToTestRun(id: $id, issues: ["{test}"]) '
         f'{{ addedDefects }} }}', id=run)
    removed = xray("mutation($id: String!) { removeEvidenceFromTestRun(id: $id, "
                   "evidenceFilenames: [\"a.txt\"]) { removedEvidence } }", id=run)
    xray(f'mutation($id: String!) {{ removeDefectsFromTestRun(id: $id, issues: ["{test}"]) }}',
         id=run)
    assert len(removed["removeEvidenceFromTestRun"]["removedEvidence"]) == 1
    stored = next(iter(cloud.state.xray.runs.values()))
    assert (stored.evidence, stored.defect_ids) == ([], [])


def test_delete_test_removes_issue_and_runs(cloud: RunningSandbox, xray: Xray) -> None:
    """deleteTest removes the Test issue and its runs."""
    test = xray.test()
    xray.execution(test)
    xray("mutation($t: String!) { deleteTest(issueId: $t) }", t=test)
    assert int(test) not in cloud.state.issues
    assert cloud.state.xray.runs == {}
