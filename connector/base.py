"""The one interface the sync engine uses to reach Jira/Xray, and what it exchanges.

Every backend (Cloud, Data Center, the in-memory fake) implements `Backend`.  The
values are small frozen dataclasses; times are timezone-aware `datetime`s in UTC.
Request costs (docs/design.md section 7) are written on each method: a first push of a
session is one Xray request (the import that makes its Test Execution, its Test and its
run), an update one Xray request; Jira's requests come on top (see `connector.push`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO, ClassVar, Literal, Protocol

Deployment = Literal["cloud", "datacenter"]
IssueRole = Literal["test", "execution", "defect"]


class RunStatus(StrEnum):
    """A Test Run's status, in the session bundle's words (docs/design.md section 5)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    TODO = "TODO"
    EXECUTING = "EXECUTING"


@dataclass(frozen=True)
class IssueRef:
    """A Jira issue we know by both its stable id and its (movable) key."""

    id: str
    key: str


@dataclass(frozen=True)
class TestSpec:
    """The charter's Test: an unstructured (Generic) Test whose definition is the mission."""

    __test__: ClassVar[bool] = False  # not a pytest test class despite its name

    session_id: str
    project: str
    summary: str
    mission: str


@dataclass(frozen=True)
class IssueDraft:
    """A Test Execution or a Bug to create, marked with the session it belongs to."""

    session_id: str
    project: str
    role: Literal["execution", "defect"]
    summary: str
    description: str = ""


@dataclass(frozen=True)
class Evidence:
    """A file to attach to a Test Run (screenshot, recording, the session file)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RunRecord:
    """What a push writes into the Test Execution and its one Test Run.

    `evidence` is added (send only new files); `defects` are linked to the run;
    status, comment, started, finished, summary and environments replace what is there.
    `execution_id` and `test_id` are the issues' ids when known (Xray Cloud's GraphQL
    finds runs by issue id; without them a run update is sent as an import), and
    `defect_ids` those of `defects`, in their order ("" where unknown: Xray Cloud lists a
    run's defects by id, so only then can a batch tell one is linked already).
    """

    execution_key: str
    test_key: str
    summary: str
    status: RunStatus
    comment: str = ""
    started: datetime | None = None
    finished: datetime | None = None
    environments: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    defects: tuple[str, ...] = ()
    execution_id: str = ""
    test_id: str = ""
    defect_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewExecution:
    """A first push's one import: the Test Execution `execution` (its Jira fields, our
    marker labels among them) with the run `run` in it, of the Test `run.test_key` or, when
    `test` is given, of a Generic Test the import makes from `test` (Xray's `testInfo`,
    marked too).  `run.execution_key` is empty: the import makes the execution."""

    execution: IssueDraft
    run: RunRecord
    test: TestSpec | None = None


@dataclass(frozen=True)
class ImportedExecution:
    """What a first push's import made: the Test Execution and, where the answer names it
    (Xray Server/DC), the Test it made; Xray Cloud's answer names only the execution."""

    execution: IssueRef
    test: IssueRef | None = None


@dataclass(frozen=True)
class RemoteLinkSpec:
    """The link on the Test Execution back to the session's page in the web console."""

    session_id: str
    url: str
    title: str


@dataclass(frozen=True)
class IssueSummary:
    """What a search or a read tells about one issue; `session_id` is read from our marker."""

    id: str
    key: str
    updated: datetime
    summary: str
    status: str
    issue_type: str
    session_id: str | None
    labels: tuple[str, ...] = ()
    status_id: str = ""  # stable where the name is renamed or translated
    status_category: str = ""  # statusCategory.key: new, indeterminate or done


@dataclass(frozen=True)
class LinkedIssue:
    """One row of the cheap listing of every issue carrying our marker."""

    key: str
    updated: datetime
    session_id: str | None


@dataclass(frozen=True)
class Transition:
    """A workflow transition available on an issue: its id, its name, the status it leads to."""

    id: str
    name: str
    to: str
    to_id: str = ""  # the target status's id and category key
    to_category: str = ""


@dataclass(frozen=True)
class MarkerHits:
    """Everything already created for one session, found by its marker."""

    tests: tuple[IssueSummary, ...] = ()
    executions: tuple[IssueSummary, ...] = ()
    defects: tuple[IssueSummary, ...] = ()


@dataclass(frozen=True)
class TestRunState:
    """The Test Run of a Test in a Test Execution, as Xray reports it.

    `status` uses the bundle's words for Xray's default statuses (Server's PASS is PASSED);
    `defects` are what Xray lists: issue ids on Cloud, issue keys on Data Center.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class despite its name

    id: str
    status: str
    comment: str
    started: datetime | None
    finished: datetime | None
    defects: tuple[str, ...] = field(default=())
    evidence: tuple[str, ...] = field(default=())


class Backend(Protocol):
    """Jira + Xray as the sync engine sees them (one deployment, one set of credentials)."""

    deployment: Deployment

    def create_test(self, spec: TestSpec) -> IssueRef:
        """Create the Generic Test, marked (1 request). Ambiguous failure: `AmbiguousWrite`."""
        ...

    def update_test(
        self, test: IssueRef, *, summary: str | None = None, mission: str | None = None
    ) -> None:
        """Rename the Test and/or replace its definition (1 request each on Cloud, 1 on DC)."""
        ...

    def create_issues(self, drafts: Sequence[IssueDraft]) -> tuple[IssueRef, ...]:
        """Create Test Executions and Bugs in one bulk request, in order (1 request per 50)."""
        ...

    def record_run(self, record: RunRecord) -> None:
        """Import the run: status, comment, times, evidence, defects, environments (1;
        on Xray Cloud, updates made at once share their requests: `connector.cloud_runs`)."""
        ...

    def import_new_execution(self, new: NewExecution) -> ImportedExecution:
        """One multipart Xray import making the Test Execution (and the Test, from `testInfo`,
        when `new.test` is given) with its run, evidence and defects (1 Xray request; the
        custom field list once per backend). Ambiguous failure: `AmbiguousWrite`."""
        ...

    def update_summary(self, key: str, summary: str) -> None:
        """Rename any issue (1 request)."""
        ...

    def add_remote_link(self, key: str, link: RemoteLinkSpec) -> None:
        """Link the issue to the console; the same session's link is updated in place (1)."""
        ...

    def attach_file(
        self, key: str, filename: str, content_type: str, open_file: Callable[[], BinaryIO]
    ) -> str:
        """Attach a large file (the session file) to an issue, streamed; its attachment id (1).

        `open_file` is called once per attempt.  Not retried after an ambiguous failure.
        """
        ...

    def get_test_run(self, execution: IssueRef, test: IssueRef) -> TestRunState | None:
        """The run of `test` in `execution`, or None when there is none (1 request)."""
        ...

    def search_changed(
        self, project: str, since: datetime, issue_types: Sequence[str] = ()
    ) -> tuple[IssueSummary, ...]:
        """Our issues updated at or after `since` (floored to the minute), oldest first
        (1/page); only those of `issue_types` (`issuetype in (...)`) when given."""
        ...

    def list_linked(
        self, project: str, issue_types: Sequence[str] = ()
    ) -> tuple[LinkedIssue, ...]:
        """Every issue carrying our marker in `project` (keys and updated only; 1/page);
        only those of `issue_types` when given."""
        ...

    def transition_issue(self, key: str, name: str) -> None:
        """Move the issue through the transition named `name`, or leading to the status
        `name` (a name, `id:ID` or `category:KEY`: `connector.statuses`) (2 requests).
        Already in that status: nothing more is sent (3 in all). No such transition:
        `Rejected`. Not retried after an ambiguous failure."""
        ...

    def add_comment(self, key: str, text: str) -> None:
        """Comment on the issue (1 request; ADF on Cloud, plain text on DC).
        Not retried after an ambiguous failure (a repeat would comment twice)."""
        ...

    def ping(self, timeout: float) -> None:
        """Ask Jira who we are (`GET myself`, 1 request, never retried, outside the rate
        bucket); a `ConnectorError` when Jira does not answer within `timeout` seconds
        or refuses the credentials."""
        ...

    def get_issue(self, key: str) -> IssueSummary:
        """One issue (1 request); `NotFound` when it was deleted."""
        ...

    def find_by_marker(self, session_id: str) -> MarkerHits:
        """What was already created for this session (1 request per page)."""
        ...
