"""An in-memory `Backend` for the sync engine's fast tests, kept honest by the contract suite.

It applies the same markers, the same minute-floored `search_changed` and the same
errors as the real backends, counts calls as the real ones count requests, and can
inject the faults the sync must survive: an error on the next call, or a create that
is applied but whose answer is lost (`AmbiguousWrite`).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import BinaryIO

from connector.base import (
    Deployment,
    ImportedExecution,
    IssueDraft,
    IssueRef,
    IssueSummary,
    LinkedIssue,
    MarkerHits,
    NewExecution,
    RemoteLinkSpec,
    RunRecord,
    TestRunState,
    TestSpec,
)
from connector.errors import AmbiguousWrite, ConnectorError, NotFound, Rejected
from connector.markers import PRODUCT_LABEL, marker_labels, session_label
from connector.payloads import (
    ISSUE_TYPES,
    comment_body,
    evidence_name,
    session_test_definition,
)
from connector.statuses import StatusRef, parse_status_spec

# the statuses of the sandbox's workflow (and of a plain Jira one): name -> (id, category)
STATUSES = {"To Do": ("10000", "new"), "In Progress": ("3", "indeterminate"),
            "Done": ("10001", "done"), "Cancelled": ("10002", "done"), "Reopened": ("4", "new")}


@dataclass
class FakeIssue:
    """One stored issue."""

    id: str
    key: str
    project: str
    issue_type: str
    summary: str
    labels: tuple[str, ...]
    updated: datetime
    status: str = "To Do"
    description: str = ""
    mission: str = ""
    environments: tuple[str, ...] = ()
    remote_links: dict[str, RemoteLinkSpec] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str, int]] = field(default_factory=list)


class FakeBackend:
    """`Backend` held in memory; `clock` stamps `updated` (UTC)."""

    def __init__(
        self, deployment: Deployment = "cloud", clock: Callable[[], datetime] | None = None
    ) -> None:
        self.deployment: Deployment = deployment
        self.issues: dict[str, FakeIssue] = {}
        self.runs: dict[tuple[str, str], TestRunState] = {}
        self.calls: Counter[str] = Counter()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ids = itertools.count(10000)
        # Jira numbers keys per project and never gives a deleted issue's key to another
        self._numbers: dict[str, itertools.count[int]] = {}
        self._lock = threading.RLock()
        self._faults: list[tuple[str | None, ConnectorError]] = []
        self._lose_creates = 0
        self._lose_imports = 0

    # fault injection
    def fail_next(self, error: ConnectorError, call: str | None = None) -> None:
        """The next call (or the next call of the method named `call`) raises `error`
        and changes nothing."""
        self._faults.append((call, error))

    def lose_next_create(self) -> None:
        """The next create is applied, then raises AmbiguousWrite (a lost response)."""
        self._lose_creates += 1

    def lose_next_import(self) -> None:
        """The next import (`record_run` or `import_new_execution`) is applied, then raises
        AmbiguousWrite (a slow import that timed out, or an answer lost)."""
        self._lose_imports += 1

    def clear_faults(self) -> None:
        """Drop every injected fault not used yet (failures, lost creates and imports)."""
        self._faults.clear()
        self._lose_creates = 0
        self._lose_imports = 0

    def _enter(self, name: str) -> None:
        self.calls[name] += 1
        for index, (call, error) in enumerate(self._faults):
            if call in (None, name):
                del self._faults[index]
                raise error

    def _created(self, operation: str) -> None:
        if self._lose_creates:
            self._lose_creates -= 1
            raise AmbiguousWrite(f"{operation}: response lost", operation=operation)

    def _new(self, project: str, kind: str, summary: str, session_id: str) -> FakeIssue:
        number = next(self._ids)
        key = f"{project}-{next(self._numbers.setdefault(project, itertools.count(1)))}"
        issue = FakeIssue(str(number), key, project, kind, summary,
                          tuple(marker_labels(session_id)), self._clock())
        self.issues[key] = issue
        return issue

    def _get(self, key: str) -> FakeIssue:
        if key not in self.issues:
            raise NotFound(f"issue {key} does not exist", status=404)
        return self.issues[key]

    def _touch(self, issue: FakeIssue) -> None:
        issue.updated = self._clock()

    # Backend
    def create_test(self, spec: TestSpec) -> IssueRef:
        """See `Backend.create_test`."""
        with self._lock:
            self._enter("create_test")
            issue = self._new(spec.project, ISSUE_TYPES["test"], spec.summary, spec.session_id)
            issue.mission = spec.mission
            self._created("create test")
            return IssueRef(issue.id, issue.key)

    def update_test(
        self, test: IssueRef, *, summary: str | None = None, mission: str | None = None
    ) -> None:
        """See `Backend.update_test`."""
        with self._lock:
            self._enter("update_test")
            issue = self._get(test.key)
            issue.summary = summary if summary is not None else issue.summary
            issue.mission = mission if mission is not None else issue.mission
            self._touch(issue)

    def create_issues(self, drafts: Sequence[IssueDraft]) -> tuple[IssueRef, ...]:
        """See `Backend.create_issues`."""
        with self._lock:
            self._enter("create_issues")
            refs = []
            for draft in drafts:
                issue = self._new(draft.project, ISSUE_TYPES[draft.role], draft.summary,
                                  draft.session_id)
                issue.description = draft.description
                refs.append(IssueRef(issue.id, issue.key))
            self._created("create issues")
            return tuple(refs)

    def record_run(self, record: RunRecord) -> None:
        """See `Backend.record_run`."""
        with self._lock:
            self._enter("record_run")
            self._get(record.test_key)  # the Test must exist, as Xray requires
            self._apply_run(record)
            if self._lose_imports:
                self._lose_imports -= 1
                raise AmbiguousWrite("import test run: no answer", operation="import test run")

    def import_new_execution(self, new: NewExecution) -> ImportedExecution:
        """See `Backend.import_new_execution`: a Test from `testInfo` is matched to a Generic
        Test of the project with the same definition before one is made, as Xray does."""
        with self._lock:
            self._enter("import_new_execution")
            test = self._get(new.run.test_key) if new.test is None else self._test_for(new.test)
            draft = new.execution
            execution = self._new(draft.project, ISSUE_TYPES["execution"], draft.summary,
                                  draft.session_id)
            execution.description = draft.description
            self._apply_run(replace(new.run, execution_key=execution.key, test_key=test.key))
            self._created("import new test execution")
            if self._lose_imports:
                self._lose_imports -= 1
                raise AmbiguousWrite("import new test execution: no answer",
                                     operation="import new test execution")
            made = IssueRef(test.id, test.key) if self.deployment == "datacenter" else None
            return ImportedExecution(IssueRef(execution.id, execution.key), made)

    def _test_for(self, spec: TestSpec) -> FakeIssue:
        definition = session_test_definition(spec.session_id, spec.mission)
        for issue in self.issues.values():
            if (issue.issue_type, issue.project, issue.mission) == (
                    ISSUE_TYPES["test"], spec.project, definition):
                return issue
        issue = self._new(spec.project, ISSUE_TYPES["test"], spec.summary, spec.session_id)
        issue.mission = definition
        return issue

    def _apply_run(self, record: RunRecord) -> None:
        execution = self._get(record.execution_key)
        execution.summary = record.summary
        if record.environments:
            execution.environments = record.environments
        old = self.runs.get((record.execution_key, record.test_key))
        # Like Xray's import: what the record leaves out (empty/None) stays as it was.
        self.runs[(record.execution_key, record.test_key)] = TestRunState(
            id=old.id if old else str(next(self._ids)),
            status=record.status.value,
            comment=record.comment or (old.comment if old else ""),
            started=record.started or (old.started if old else None),
            finished=record.finished or (old.finished if old else None),
            defects=tuple(dict.fromkeys((old.defects if old else ()) + record.defects)),
            evidence=(old.evidence if old else ())
            + tuple(evidence_name(e) for e in record.evidence),
        )
        self._touch(execution)

    def update_summary(self, key: str, summary: str) -> None:
        """See `Backend.update_summary`."""
        with self._lock:
            self._enter("update_summary")
            issue = self._get(key)
            issue.summary = summary
            self._touch(issue)

    def add_remote_link(self, key: str, link: RemoteLinkSpec) -> None:
        """See `Backend.add_remote_link`."""
        with self._lock:
            self._enter("add_remote_link")
            self._get(key).remote_links[f"xray-sync:{link.session_id}"] = link

    def attach_file(
        self, key: str, filename: str, content_type: str, open_file: Callable[[], BinaryIO]
    ) -> str:
        """See `Backend.attach_file` (keeps name and size, reading in chunks)."""
        with self._lock:
            self._enter("attach_file")
            issue = self._get(key)
            size = 0
            with open_file() as stream:
                while chunk := stream.read(1 << 16):
                    size += len(chunk)
            attachment_id = str(next(self._ids))
            issue.attachments.append((attachment_id, filename, size))
            self._created("attach file")
            return attachment_id

    def get_test_run(self, execution: IssueRef, test: IssueRef) -> TestRunState | None:
        """See `Backend.get_test_run`."""
        with self._lock:
            self._enter("get_test_run")
            return self.runs.get((execution.key, test.key))

    def _summary(self, issue: FakeIssue) -> IssueSummary:
        session = next((lbl[3:] for lbl in issue.labels if lbl.startswith("xs-")), None)
        status_id, category = STATUSES.get(issue.status, ("", ""))
        return IssueSummary(issue.id, issue.key, issue.updated, issue.summary, issue.status,
                            issue.issue_type, session, issue.labels, status_id, category)

    def _marked(self, project: str, issue_types: Sequence[str]) -> list[FakeIssue]:
        return [i for i in self.issues.values()
                if i.project == project and PRODUCT_LABEL in i.labels
                and (not issue_types or i.issue_type in issue_types)]

    def search_changed(
        self, project: str, since: datetime, issue_types: Sequence[str] = ()
    ) -> tuple[IssueSummary, ...]:
        """See `Backend.search_changed` (minute-floored, oldest first)."""
        with self._lock:
            self._enter("search_changed")
            floor = since.astimezone(UTC).replace(second=0, microsecond=0)
            hits = [i for i in self._marked(project, issue_types) if i.updated >= floor]
            return tuple(self._summary(i) for i in sorted(hits, key=lambda i: i.updated))

    def list_linked(
        self, project: str, issue_types: Sequence[str] = ()
    ) -> tuple[LinkedIssue, ...]:
        """See `Backend.list_linked`."""
        with self._lock:
            self._enter("list_linked")
            return tuple(
                LinkedIssue(s.key, s.updated, s.session_id)
                for s in (self._summary(i) for i in self._marked(project, issue_types))
            )

    def transition_issue(self, key: str, name: str) -> None:
        """See `Backend.transition_issue` (the sandbox's statuses, any transition allowed)."""
        with self._lock:
            self._enter("transition_issue")
            issue = self._get(key)
            spec = parse_status_spec(name)
            wanted = next((s for s, (sid, cat) in STATUSES.items()
                           if spec.matches(StatusRef(s, sid, cat))), None)
            if wanted is None:
                raise Rejected(f"issue {key} has no transition to {name!r} "
                               "[transition_available]", status=400)
            if issue.status != wanted:
                issue.status = wanted
                self._touch(issue)

    def add_comment(self, key: str, text: str) -> None:
        """See `Backend.add_comment`."""
        with self._lock:
            self._enter("add_comment")
            issue = self._get(key)
            issue.comments.append(comment_body(text, api_version="2")["body"])
            self._touch(issue)

    def ping(self, timeout: float) -> None:
        """See `Backend.ping` (`fail_next(..., call="ping")` makes it fail)."""
        with self._lock:
            self._enter("ping")

    def get_issue(self, key: str) -> IssueSummary:
        """See `Backend.get_issue`."""
        with self._lock:
            self._enter("get_issue")
            return self._summary(self._get(key))

    def find_by_marker(self, session_id: str) -> MarkerHits:
        """See `Backend.find_by_marker`."""
        with self._lock:
            self._enter("find_by_marker")
            label = session_label(session_id)
            mine = [self._summary(i) for i in self.issues.values() if label in i.labels]

            def of(kind: str) -> tuple[IssueSummary, ...]:
                return tuple(s for s in mine if s.issue_type == ISSUE_TYPES[kind])

            return MarkerHits(tests=of("test"), executions=of("execution"), defects=of("defect"))

    # helpers for tests of the sync
    def delete_issue(self, key: str) -> None:
        """Delete an issue as a Jira user would."""
        with self._lock:
            del self.issues[key]

    def edit_remotely(self, key: str, *, summary: str | None = None, status: str | None = None
                      ) -> None:
        """Change an issue as a Jira user would (bumps `updated`)."""
        with self._lock:
            issue = self._get(key)
            updated = replace(issue, summary=summary or issue.summary,
                              status=status or issue.status, updated=self._clock())
            self.issues[key] = updated
