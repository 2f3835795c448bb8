"""Push: what the engine writes to Jira for one session (a first push, its content, a rename).

A first push creates the Test, the Test Execution with its run, the defects and the
remote link (`connector.push`), records the keys as soon as they are known, and marks
the create as started beforehand so that a crash or a lost answer is resolved through
the marker (the connector's `SessionPusher` adopts what the marker finds), never by
creating again. An update that creates new Bugs is marked the same way (a kill -9
between the Bugs' create and the recorded base made them twice before). Evidence whose
digest the base remembers is not sent again, and an import with evidence is marked as
started before it goes, so that after a lost answer, a timeout or a crash the next push
reads the run and leaves out what it already shows (`check_run_first`). Which of these
run is the planner's decision, carried out by `sync.engine.actions`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from connector.base import IssueRef, TestSpec
from connector.push import DefectSpec, PushedSession, SessionPush, SessionPusher
from store import sync_state
from store.sync_state import LinkBase, SyncRow
from sync.engine.content import RunContent, read_content
from sync.engine.context import EngineContext


def _content(ctx: EngineContext, row: SyncRow) -> RunContent:
    return read_content(ctx.blobs.path(row.digest), row.name, row.digest)


def first_push(ctx: EngineContext, row: SyncRow) -> LinkBase:
    """Create the session's entities (marked as started first); the base they give."""
    content = _content(ctx, row)
    recover = row.base.create_started
    if not recover:
        sync_state.mark_create_started(ctx.engine, row.session_id, row.base)
    if row.type == "charter":
        base = _create_charter_test(ctx, row, content, recover)
    else:
        base = _create_execution(ctx, row, content, recover)
    return replace(base, summary=row.name)


def _create_charter_test(
    ctx: EngineContext, row: SyncRow, content: RunContent, recover: bool
) -> LinkBase:
    """A charter is one Generic Test whose definition is the mission."""
    spec = TestSpec(row.session_id, row.project, row.name, content.mission)
    test = SessionPusher(ctx.backend).push_test(spec, check_marker_first=recover)
    base = replace(row.base, ids={**row.base.ids, test.key: test.id})
    sync_state.record_keys(ctx.engine, row.session_id, test=test.key, test_execution=None,
                           base=base)
    return base


def _create_execution(
    ctx: EngineContext, row: SyncRow, content: RunContent, recover: bool
) -> LinkBase:
    """A session is a Test (made for it) in a Test Execution with its run, defects and link."""
    existing = _existing(row)
    push = _session_push(ctx, row, content, with_test=existing is None)
    pushed = SessionPusher(ctx.backend).push(push, existing, check_marker_first=recover,
                                             check_run_first=row.base.import_started)
    return _after_push(ctx, row, push, pushed, content)


def push_content(ctx: EngineContext, row: SyncRow) -> LinkBase:
    """Send the last saved version (and the name): the run, new evidence and Bugs."""
    content = _content(ctx, row)
    if row.type == "charter":
        test = _existing_ref(row, row.test)
        ctx.backend.update_test(test, summary=row.name, mission=content.mission)
        return replace(row.base, summary=row.name)
    existing = _existing(row)
    push = _session_push(ctx, row, content, with_test=False)
    # new Bugs are creates and an import adds its evidence: both are marked before they go,
    # so that after a crash or a lost answer the next push adopts the Bugs by marker and
    # reads the run before sending evidence (only then: a normal update reads nothing more)
    recover, unsure = row.base.create_started, row.base.import_started
    marked = replace(row.base, create_started=recover or bool(push.new_defects),
                     import_started=unsure or bool(push.new_evidence))
    if marked != row.base:
        sync_state.mark_started(ctx.engine, row.session_id, marked)
    pushed = SessionPusher(ctx.backend).push(push, existing, check_marker_first=recover,
                                             check_run_first=unsure)
    return _after_push(ctx, row, push, pushed, content)


def push_summary(ctx: EngineContext, row: SyncRow, summary: str) -> None:
    """The Jira summary follows the local name (a charter's Test, else the Test Execution)."""
    if row.type == "charter":
        ctx.backend.update_test(_existing_ref(row, row.test), summary=summary)
    else:
        assert row.test_execution is not None
        ctx.backend.update_summary(row.test_execution, summary)


def _existing_ref(row: SyncRow, key: str | None) -> IssueRef:
    assert key is not None
    return IssueRef(row.base.ids.get(key, key), key)


def _existing(row: SyncRow) -> PushedSession | None:
    if row.test is None or row.test_execution is None:
        return None
    return PushedSession(_existing_ref(row, row.test), _existing_ref(row, row.test_execution))


def _session_push(
    ctx: EngineContext, row: SyncRow, content: RunContent, *, with_test: bool
) -> SessionPush:
    new_defects = tuple(DefectSpec(s) for s in content.defects if s not in row.base.defects)
    known = tuple(dict.fromkeys(content.known_defects + tuple(row.base.defects.values())))
    known_ids = tuple(str(row.base.ids.get(key, "")) for key in known)
    evidence = tuple(e.evidence() for e in content.evidence if e.digest not in row.base.evidence)
    test = TestSpec(row.session_id, row.project, row.name, content.mission) if with_test else None
    return SessionPush(
        session_id=row.session_id, project=row.project, summary=row.name,
        status=content.status, test=test, comment=content.comment, started=content.started,
        finished=content.finished, environments=content.environments, new_evidence=evidence,
        new_defects=new_defects, known_defects=known, known_defect_ids=known_ids,
        console_url=_console(ctx, row),
    )


def _console(ctx: EngineContext, row: SyncRow) -> str:
    if not ctx.console_url:
        return ""
    return f"{ctx.console_url.rstrip('/')}/#/sessions/{row.session_id}"


def _after_push(ctx: EngineContext, row: SyncRow, push: SessionPush, pushed: PushedSession,
                content: RunContent) -> LinkBase:
    defects = dict(row.base.defects)
    for spec, ref in zip(push.new_defects, pushed.new_defects, strict=False):
        defects[spec.summary] = ref.key
    ids: dict[str, Any] = {**row.base.ids, pushed.test.key: pushed.test.id,
                           pushed.execution.key: pushed.execution.id,
                           **{ref.key: ref.id for ref in pushed.new_defects}}
    evidence = tuple(dict.fromkeys(row.base.evidence + tuple(e.digest for e in content.evidence)))
    base = replace(row.base, evidence=evidence, defects=defects, ids=ids, summary=row.name)
    if (row.test, row.test_execution) != (pushed.test.key, pushed.execution.key):
        sync_state.record_keys(ctx.engine, row.session_id, test=pushed.test.key,
                               test_execution=pushed.execution.key, base=base)
    return base
