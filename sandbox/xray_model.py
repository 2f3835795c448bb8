"""Xray's own records: test definitions, test executions' tests and environments, test runs."""

from __future__ import annotations

from dataclasses import dataclass, field

RUN_STATUSES = ("TODO", "EXECUTING", "PASSED", "FAILED", "ABORTED")
CLOUD_ID_BASE = 0x5ACC7AB0A3FE1B6F00000000  # Cloud run ids look like Xray's 24-hex-digit ids


@dataclass
class XrayTest:
    """Xray's side of a Test issue."""

    issue_id: int
    test_type: str = "Manual"  # Manual (steps), Generic (unstructured), Cucumber (gherkin)
    unstructured: str | None = None
    gherkin: str | None = None


@dataclass
class XrayExecution:
    """Xray's side of a Test Execution issue."""

    issue_id: int
    test_ids: list[int] = field(default_factory=list)
    environments: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    """A file attached to a test run."""

    id: int
    filename: str
    mime_type: str
    content: bytes
    created: float


@dataclass
class TestRun:
    """One run of a test inside a test execution."""

    __test__ = False  # not a pytest class

    number: int  # Data Center's numeric id
    test_id: int
    execution_id: int
    created: float
    updated: float
    status: str = "TODO"
    comment: str = ""
    started: float | None = None
    finished: float | None = None
    evidence: list[Evidence] = field(default_factory=list)
    defect_ids: list[int] = field(default_factory=list)

    @property
    def cloud_id(self) -> str:
        """Xray Cloud's id: a 24-digit hexadecimal string."""
        return f"{CLOUD_ID_BASE + self.number:024x}"


@dataclass
class XrayRecords:
    """All Xray records of one sandbox."""

    tests: dict[int, XrayTest] = field(default_factory=dict)
    executions: dict[int, XrayExecution] = field(default_factory=dict)
    runs: dict[int, TestRun] = field(default_factory=dict)
    run_numbers: dict[tuple[int, int], int] = field(default_factory=dict)  # (exec, test)
    next_run: int = 1
    tokens: dict[str, float] = field(default_factory=dict)  # Xray Cloud token -> expiry

    def run_by_id(self, run_id: str | int) -> TestRun | None:
        """The run with this numeric (DC) or hexadecimal (Cloud) id."""
        text = str(run_id)
        if text.isdigit() and int(text) in self.runs:
            return self.runs[int(text)]
        try:
            number = int(text, 16) - CLOUD_ID_BASE
        except ValueError:
            return None
        run = self.runs.get(number)
        return run if run is not None and run.cloud_id == text else None

    def run_of(self, execution_id: int, test_id: int) -> TestRun | None:
        """The run of a test in an execution."""
        number = self.run_numbers.get((execution_id, test_id))
        return None if number is None else self.runs.get(number)

    def add_tests(self, execution_id: int, test_ids: list[int], now: float) -> list[int]:
        """Adds tests to an execution, creating their runs; returns those newly added."""
        execution = self.executions.setdefault(execution_id, XrayExecution(execution_id))
        added = []
        for test_id in test_ids:
            if test_id in execution.test_ids:
                continue
            execution.test_ids.append(test_id)
            self.tests.setdefault(test_id, XrayTest(test_id))
            self.runs[self.next_run] = TestRun(self.next_run, test_id, execution_id, now, now)
            self.run_numbers[(execution_id, test_id)] = self.next_run
            self.next_run += 1
            added.append(test_id)
        return added

    def remove_run(self, execution_id: int, test_id: int) -> None:
        """Takes a test out of an execution, dropping its run."""
        execution = self.executions.get(execution_id)
        if execution is not None and test_id in execution.test_ids:
            execution.test_ids.remove(test_id)
        number = self.run_numbers.pop((execution_id, test_id), None)
        if number is not None:
            self.runs.pop(number, None)

    def forget_issue(self, issue_id: int) -> None:
        """Drops every Xray record of a deleted issue."""
        self.tests.pop(issue_id, None)
        self.executions.pop(issue_id, None)
        for pair in [p for p in self.run_numbers if issue_id in p]:
            self.remove_run(*pair)
        for execution in self.executions.values():
            if issue_id in execution.test_ids:
                execution.test_ids.remove(issue_id)
