"""Push: carry one claimed session's push actions out against the backend.

All the outbox entries of a session are coalesced: whatever they say, the session's
current state is compared with the link's base and the difference goes out once (a
rename and a save in a row cost one import). A first push creates the Test, the Test
Execution with its run, the defects and the remote link (`connector.push`), records
the keys as soon as they are known, and marks the create as started beforehand so that
a crash or a lost answer is resolved through the marker, never by creating again. An
update that creates new Bugs is marked the same way (a kill -9 between the Bugs' create
and the recorded base made them twice before). Evidence whose digest the base remembers
is not sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from connector.base import IssueRef, TestSpec
from connector.errors import AmbiguousWrite
from connector.push import DefectSpec, PushedSession, SessionPush, SessionPusher
from store import sync_state
from store.sync_state import SyncBase as StoredBase
from store.sync_state import SyncRow
from sync.engine import purge
from sync.engine.content import RunContent, read_content
from sync.engine.context import EngineContext, plan_base
from sync.engine.plan import (
    CreateRemote,
    LocalView,
    PushContent,
    RecordConflict,
    UpdateFields,
    fingerprint,
    plan_session,
    settles_conflict,
)

log = logging.getLogger("xray_sync.sync.push")

Entry = tuple[int, str, str]


@dataclass(frozen=True)
class PushResult:
    """What pushing one session did."""

    created: bool = False
    pushed: bool = False
    conflicts: int = 0


def push_session(ctx: EngineContext, session_id: str, entries: list[Entry],
                 row: SyncRow | None = None) -> PushResult:
    """Push one claimed session (`row`: its state, read after the claim, if the caller has
    it); raises the connector's error when Jira refused or failed."""
    entry_ids = [entry_id for entry_id, _, _ in entries]
    if row is None:
        row = sync_state.load_rows(ctx.db, [session_id]).get(session_id)
    if row is None or row.mode != "xray":
        # purged: `[sync] on_purge` (raises to keep the entry when Jira fails); disconnected
        # or never linked: Jira's issues stay as they are (docs/design.md 3)
        purged = purge.purged_issue(session_id, entries) if row is None else None
        changed = purged is not None and purge.carry_out(ctx.backend, ctx.purge, purged)
        sync_state.complete(ctx.db, entry_ids)
        return PushResult(pushed=changed)
    local = LocalView(session_id, row.name, row.digest, row.locked, row.trashed)
    plan = plan_session(local, plan_base(row), None, ctx.policy)
    if any(isinstance(a, CreateRemote) for a in plan):
        _first_push(ctx, row, entry_ids)
        return PushResult(created=True, pushed=True)
    rename = next((a for a in plan if isinstance(a, UpdateFields)), None)
    content = next((a for a in plan if isinstance(a, PushContent)), None)
    if rename is None and content is None:
        _synced(ctx, row, row.base, entry_ids)
        return PushResult()
    if content is not None:
        base = _push_content(ctx, row)
    else:
        assert rename is not None
        _push_rename(ctx, row, rename.summary)
        base = replace(row.base, summary=row.name)
    _synced(ctx, row, base, entry_ids)
    if settles_conflict(plan):
        sync_state.clear_conflict(ctx.db, row.session_id)
    return PushResult(pushed=True, conflicts=sum(isinstance(a, RecordConflict) for a in plan))


def _synced(ctx: EngineContext, row: SyncRow, base: StoredBase, entry_ids: list[int]) -> None:
    base = replace(base, create_started=False)
    sync_state.record_synced(
        ctx.db, row.session_id, base=base, digest=row.digest,
        remote_hash=fingerprint(base.summary or "", base.status), now=ctx.clock(),
        done_entries=entry_ids,
    )


def _content(ctx: EngineContext, row: SyncRow) -> RunContent:
    return read_content(ctx.blobs.path(row.digest), row.name, row.digest)


def _first_push(ctx: EngineContext, row: SyncRow, entry_ids: list[int]) -> None:
    content = _content(ctx, row)
    recover = row.base.create_started
    if not recover:
        sync_state.mark_create_started(ctx.db, row.session_id, row.base)
    if row.type == "charter":
        base = _create_charter_test(ctx, row, content, recover)
    else:
        base = _create_execution(ctx, row, content, recover)
    _synced(ctx, row, replace(base, summary=row.name), entry_ids)


def _create_charter_test(
    ctx: EngineContext, row: SyncRow, content: RunContent, recover: bool
) -> StoredBase:
    """A charter is one Generic Test whose definition is the mission."""
    spec = TestSpec(row.session_id, row.project, row.name, content.mission)
    found = ctx.backend.find_by_marker(row.session_id).tests if recover else ()
    if found:
        test = IssueRef(found[0].id, found[0].key)
        ctx.backend.update_test(test, summary=row.name, mission=content.mission)
    else:
        try:
            test = ctx.backend.create_test(spec)
        except AmbiguousWrite:
            hits = ctx.backend.find_by_marker(row.session_id).tests
            if not hits:
                raise
            test = IssueRef(hits[0].id, hits[0].key)
    base = replace(row.base, ids={**row.base.ids, test.key: test.id})
    sync_state.record_keys(ctx.db, row.session_id, test=test.key, test_execution=None, base=base)
    return base


def _create_execution(
    ctx: EngineContext, row: SyncRow, content: RunContent, recover: bool
) -> StoredBase:
    """A session is a Test (made for it) in a Test Execution with its run, defects and link."""
    existing = _existing(row)
    push = _session_push(ctx, row, content, with_test=existing is None)
    pushed = SessionPusher(ctx.backend).push(push, existing, check_marker_first=recover)
    return _after_push(ctx, row, push, pushed, content)


def _push_content(ctx: EngineContext, row: SyncRow) -> StoredBase:
    content = _content(ctx, row)
    if row.type == "charter":
        test = _existing_ref(row, row.test)
        ctx.backend.update_test(test, summary=row.name, mission=content.mission)
        return replace(row.base, summary=row.name)
    existing = _existing(row)
    push = _session_push(ctx, row, content, with_test=False)
    # new Bugs are creates too: marked before they go out, so that a crash between their
    # create and the recorded base makes the next push adopt them by marker, not recreate
    recover = row.base.create_started
    if push.new_defects and not recover:
        sync_state.mark_create_started(ctx.db, row.session_id, row.base)
    pushed = SessionPusher(ctx.backend).push(push, existing, check_marker_first=recover)
    return _after_push(ctx, row, push, pushed, content)


def _push_rename(ctx: EngineContext, row: SyncRow, summary: str) -> None:
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
    evidence = tuple(e.evidence() for e in content.evidence if e.digest not in row.base.evidence)
    test = TestSpec(row.session_id, row.project, row.name, content.mission) if with_test else None
    return SessionPush(
        session_id=row.session_id, project=row.project, summary=row.name,
        status=content.status, test=test, comment=content.comment, started=content.started,
        finished=content.finished, environments=content.environments, new_evidence=evidence,
        new_defects=new_defects, known_defects=known, console_url=_console(ctx, row),
    )


def _console(ctx: EngineContext, row: SyncRow) -> str:
    if not ctx.console_url:
        return ""
    return f"{ctx.console_url.rstrip('/')}/#/sessions/{row.session_id}"


def _after_push(ctx: EngineContext, row: SyncRow, push: SessionPush, pushed: PushedSession,
                content: RunContent) -> StoredBase:
    defects = dict(row.base.defects)
    for spec, ref in zip(push.new_defects, pushed.new_defects, strict=False):
        defects[spec.summary] = ref.key
    ids: dict[str, Any] = {**row.base.ids, pushed.test.key: pushed.test.id,
                           pushed.execution.key: pushed.execution.id}
    evidence = tuple(dict.fromkeys(row.base.evidence + tuple(e.digest for e in content.evidence)))
    base = replace(row.base, evidence=evidence, defects=defects, ids=ids, summary=row.name)
    if (row.test, row.test_execution) != (pushed.test.key, pushed.execution.key):
        sync_state.record_keys(ctx.db, row.session_id, test=pushed.test.key,
                               test_execution=pushed.execution.key, base=base)
    return base
