"""Pushing one session: the composed calls, within docs/design.md section 7's request budget.

First push: the new Bugs in one bulk create (Jira, only if any), then ONE Xray request: the
multipart import that makes the Test Execution (its Jira fields, our marker labels among
them), the session's Test from `testInfo` (unless the session runs a charter's Test) and
the run with its evidence and defects; then the remote link (Jira).  Xray Cloud's answer
names only the execution, so the Test is found by its marker (a Jira search, repeated for
a few seconds while search lags).  Plus Xray's authenticate once per token on Cloud.  An
update: a bulk create of new Bugs (Jira, only if any) + one import (Xray).

A create whose answer was lost raises `AmbiguousWrite` inside the backend; here we
look for the session's marker and adopt what was made instead of making it twice.
When the marker is not (yet) visible, the `AmbiguousWrite` goes to the caller, who
must push again with `check_marker_first=True` (search is eventually consistent).
The rule for callers: after ANY failed push of a session without a complete
`PushedSession`, push again with `check_marker_first=True`; it adopts what exists,
creates the rest and re-sends the remote link (an update in place).  An import is not
idempotent either (its evidence is added): after one whose answer was lost (a timeout,
a dropped connection), push again with `check_run_first=True`, which reads the run and
leaves out the files it already shows, so no evidence is attached twice.  Never send it
again at once: a slow import may still be landing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from connector.base import (
    Backend,
    Evidence,
    ImportedExecution,
    IssueDraft,
    IssueRef,
    IssueSummary,
    MarkerHits,
    NewExecution,
    RemoteLinkSpec,
    RunRecord,
    RunStatus,
    TestSpec,
)
from connector.errors import AmbiguousWrite, InvalidInput
from connector.payloads import evidence_name

T = TypeVar("T")
# Seconds to wait before each further marker search for the Test a Cloud import made
# (Jira's search is eventually consistent: a new issue may show after a moment).
TEST_LOOKUP_WAITS = (0.25, 0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class DefectSpec:
    """A defect found in the session's timeline that has no Jira key yet."""

    summary: str
    description: str = ""


@dataclass(frozen=True)
class SessionPush:
    """What the sync sends for one session.  `test` is the Test to make when
    `charter_test` (the charter's existing Test) is None."""

    session_id: str
    project: str
    summary: str
    status: RunStatus
    test: TestSpec | None = None
    charter_test: IssueRef | None = None
    description: str = ""
    comment: str = ""
    started: datetime | None = None
    finished: datetime | None = None
    environments: tuple[str, ...] = ()
    new_evidence: tuple[Evidence, ...] = ()
    new_defects: tuple[DefectSpec, ...] = ()
    known_defects: tuple[str, ...] = ()
    known_defect_ids: tuple[str, ...] = ()  # the ids of `known_defects` ("" where unknown)
    console_url: str = ""


@dataclass(frozen=True)
class PushedSession:
    """Where the session lives in Jira after a push; `new_defects` follow `new_defects`' order."""

    test: IssueRef
    execution: IssueRef
    new_defects: tuple[IssueRef, ...] = ()


def _ref(issue: IssueSummary) -> IssueRef:
    return IssueRef(id=issue.id, key=issue.key)


def _adopt_defects(
    hits: MarkerHits, specs: Sequence[DefectSpec]
) -> tuple[list[IssueRef | None], list[int]]:
    """Match found Bugs to the specs by summary: refs (None where missing), missing indexes."""
    pool = list(hits.defects)
    refs: list[IssueRef | None] = []
    for spec in specs:
        match = next((d for d in pool if d.summary == spec.summary), None)
        if match is not None:
            pool.remove(match)
        refs.append(_ref(match) if match else None)
    return refs, [i for i, ref in enumerate(refs) if ref is None]


def _fresh(hits: MarkerHits, taken: set[str]) -> MarkerHits:
    """The Bugs among `hits` that are not already known (by key)."""
    return MarkerHits(defects=tuple(d for d in hits.defects if d.key not in taken))


def _adopt_import(hits: MarkerHits) -> ImportedExecution | None:
    """What a first push's import made, as its markers show it (None: not visible)."""
    if not hits.executions:
        return None
    return ImportedExecution(_ref(hits.executions[0]),
                             _ref(hits.tests[0]) if hits.tests else None)


def _adopt_all(hits: MarkerHits, specs: Sequence[DefectSpec]) -> tuple[IssueRef, ...] | None:
    """All of `specs` matched among `hits`, or None when any is missing."""
    refs, missing = _adopt_defects(hits, specs)
    return None if missing else tuple(r for r in refs if r is not None)


def _ids_of(push: SessionPush) -> tuple[str, ...]:
    """The ids of the known defects, one per key ("" where the caller gave none)."""
    given = push.known_defect_ids[:len(push.known_defects)]
    return given + ("",) * (len(push.known_defects) - len(given))


class SessionPusher:
    """Pushes sessions through one backend."""

    def __init__(
        self, backend: Backend, *, test_lookup_waits: Sequence[float] = TEST_LOOKUP_WAITS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend = backend
        self._waits = tuple(test_lookup_waits)
        self._sleep = sleep

    def push(
        self,
        push: SessionPush,
        existing: PushedSession | None = None,
        *,
        check_marker_first: bool = False,
        check_run_first: bool = False,
    ) -> PushedSession:
        """Create or update the session's Jira entities; returns where they are.

        `check_run_first` (after an import that may have been applied, and implied by
        `check_marker_first`): the run's evidence is read before the import, and a file the
        run already has is not sent again (1 more request, only when there is evidence)."""
        hits = self.backend.find_by_marker(push.session_id) if check_marker_first else None
        if existing is None and hits is not None:
            existing = self._from_hits(push, hits)
            if existing is None and hits.executions:
                # made by an earlier import whose Test search does not show yet: importing
                # again would make a second Test Execution
                raise AmbiguousWrite(
                    f"session {push.session_id}: its Test Execution exists but its Test is "
                    "not visible in Jira's search yet", operation="find the session's Test")
        if existing is None:
            return self._first_push(push, hits)
        created = self._create_defects(push, push.new_defects, hits)
        self._record(push, existing.test, existing.execution, created,
                     check_run=check_run_first or hits is not None)
        if hits is not None:
            # Recovering from a failed push, which may have stopped before the link.
            self._link(push, existing.execution)
        return replace(existing, new_defects=created)

    def push_test(self, spec: TestSpec, *, check_marker_first: bool = False) -> IssueRef:
        """A charter's Test, made once: after a failed push (`check_marker_first`), the Test
        its marker finds is brought up to date instead of a second one being made."""
        hits = self.backend.find_by_marker(spec.session_id) if check_marker_first else None
        if hits is not None and hits.tests:
            test = _ref(hits.tests[0])
            self.backend.update_test(test, summary=spec.summary, mission=spec.mission)
            return test
        return self._make_test(spec)

    def _link(self, push: SessionPush, execution: IssueRef) -> None:
        if push.console_url:
            link = RemoteLinkSpec(push.session_id, push.console_url, push.summary)
            self.backend.add_remote_link(execution.key, link)

    def _from_hits(self, push: SessionPush, hits: MarkerHits) -> PushedSession | None:
        test = push.charter_test or (_ref(hits.tests[0]) if hits.tests else None)
        if test is None or not hits.executions:
            return None
        return PushedSession(test=test, execution=_ref(hits.executions[0]))

    def _first_push(self, push: SessionPush, hits: MarkerHits | None) -> PushedSession:
        """Bugs (Jira), then one import making the execution, the Test and the run (Xray)."""
        test = push.charter_test or (_ref(hits.tests[0]) if hits and hits.tests else None)
        if test is None and push.test is None:
            raise InvalidInput(
                "a session without a charter Test needs `test` to make one [test_or_charter_test]"
            )
        defects = self._create_defects(push, push.new_defects, hits)
        new = NewExecution(
            execution=IssueDraft(push.session_id, push.project, "execution", push.summary,
                                 push.description),
            run=self._run_record(push, "", test.key if test else "", defects, push.new_evidence),
            test=push.test if test is None else None,
        )
        imported = self._guarded(
            push.session_id,
            lambda: self.backend.import_new_execution(new),
            _adopt_import,
        )
        made = test or imported.test or self._find_test(push.session_id)
        self._link(push, imported.execution)
        return PushedSession(test=made, execution=imported.execution, new_defects=defects)

    def _find_test(self, session_id: str) -> IssueRef:
        """The Test an import made, by its marker, searched again while search lags."""
        for wait in (0.0, *self._waits):
            if wait:
                self._sleep(wait)
            hits = self.backend.find_by_marker(session_id)
            if hits.tests:
                return _ref(hits.tests[0])
        raise AmbiguousWrite(
            f"session {session_id}: the Test its import made is not visible in Jira's search "
            "yet", operation="find the session's Test")

    def _make_test(self, spec: TestSpec) -> IssueRef:
        return self._guarded(
            spec.session_id,
            lambda: self.backend.create_test(spec),
            lambda h: _ref(h.tests[0]) if h.tests else None,
        )

    def _defect_draft(self, push: SessionPush, spec: DefectSpec) -> IssueDraft:
        return IssueDraft(push.session_id, push.project, "defect", spec.summary, spec.description)

    def _create_defects(
        self, push: SessionPush, specs: Sequence[DefectSpec], hits: MarkerHits | None
    ) -> tuple[IssueRef, ...]:
        """New Bugs of an update: adopt those the marker already shows, create the rest."""
        refs: list[IssueRef | None] = [None] * len(specs)
        if hits is not None:
            refs, _ = _adopt_defects(_fresh(hits, set(push.known_defects)), specs)
        missing = [i for i, ref in enumerate(refs) if ref is None]
        if missing:
            taken = set(push.known_defects) | {r.key for r in refs if r is not None}
            wanted = [specs[i] for i in missing]
            drafts = [self._defect_draft(push, d) for d in wanted]
            made = self._guarded(
                push.session_id,
                lambda: self.backend.create_issues(drafts),
                lambda h: _adopt_all(_fresh(h, taken), wanted),
            )
            for index, ref in zip(missing, made, strict=True):
                refs[index] = ref
        return tuple(r for r in refs if r is not None)

    def _record(
        self, push: SessionPush, test: IssueRef, execution: IssueRef,
        new_defects: tuple[IssueRef, ...], *, check_run: bool,
    ) -> None:
        evidence = push.new_evidence
        if check_run and evidence:
            evidence = self._unattached(evidence, execution, test)
        record = self._run_record(push, execution.key, test.key, new_defects, evidence)
        # the issues' ids let Xray Cloud's GraphQL find the run (`connector.cloud_runs`)
        self.backend.record_run(replace(record, execution_id=execution.id, test_id=test.id))

    def _run_record(
        self, push: SessionPush, execution_key: str, test_key: str,
        new_defects: tuple[IssueRef, ...], evidence: tuple[Evidence, ...],
    ) -> RunRecord:
        return RunRecord(
            execution_key=execution_key, test_key=test_key, summary=push.summary,
            status=push.status, comment=push.comment, started=push.started,
            finished=push.finished, environments=push.environments, evidence=evidence,
            defects=push.known_defects + tuple(d.key for d in new_defects),
            defect_ids=_ids_of(push) + tuple(d.id for d in new_defects),
        )

    def _unattached(
        self, evidence: tuple[Evidence, ...], execution: IssueRef, test: IssueRef
    ) -> tuple[Evidence, ...]:
        """The files the run does not show yet: an earlier import whose answer was lost
        may have attached them (Xray documents no idempotent import, and evidence carries
        no marker: the name, which carries a digest of the content, tells them apart)."""
        run = self.backend.get_test_run(execution, test)
        attached = set(run.evidence) if run is not None else set()
        return tuple(e for e in evidence if evidence_name(e) not in attached)

    def _guarded(
        self,
        session_id: str,
        create: Callable[[], T],
        adopt: Callable[[MarkerHits], T | None],
    ) -> T:
        """Run a create; after an ambiguous failure, adopt what the marker finds, if any."""
        try:
            return create()
        except AmbiguousWrite:
            found = adopt(self.backend.find_by_marker(session_id))
            if found is None:
                raise
            return found
