"""The dry run on the in-memory fake: charters, status actions and purges planned as the
cycle then does them, and a write refused before it is sent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from connector.fake import FakeBackend
from sync.engine.dry_run import DryRunWrite, ReadOnlyBackend
from sync.engine.purge import PurgePolicy
from tests.sync.engine_world import World


def test_a_write_through_the_read_only_backend_is_refused_unsent() -> None:
    """A dry run's backend passes reads on and refuses writes before the backend sees them."""
    fake = FakeBackend()
    reading = ReadOnlyBackend(fake)
    assert reading.search_changed("QA", fake._clock()) == ()
    with pytest.raises(DryRunWrite, match="dry_run_reads_only"):
        reading.update_summary("QA-1", "x")
    assert "update_summary" not in fake.calls


def test_charters_status_actions_and_purges_are_planned_as_done(tmp_path: Path) -> None:
    """A new charter, a saved charter, a Test Execution moved to Done (archive) and a purge
    (transition): the plan's counts are the cycle's, and the status action is then done."""
    world = World(tmp_path, purge=PurgePolicy("transition", "Cancelled"))
    world.setup_users()
    saved = world.add_session("saved charter", kind="charter")
    moved = world.add_session("moved")
    purged = world.add_session("purged")
    world.run()
    world.run()
    world.add_session("new charter", kind="charter")
    world.save(saved, kind="charter", notes=("Another mission",))
    key = world.store.show("alice", moved).to_json()["link"]["test_execution"]
    world.backend.edit_remotely(key, status="Done")
    world.store.delete("alice", purged)
    world.store.purge_trash(older_than=world.clock.now + timedelta(days=1))
    before = world.calls()
    plan = world.sync_engine.plan(None)
    reads = world.calls() - before
    kinds = sorted((s.kind, s.name) for s in plan.steps)
    assert kinds == [("create", "new charter"), ("purge", "purged"), ("status", "moved"),
                     ("update", "saved charter")]
    summary = world.run()
    assert plan.counts() == {"created": summary.created, "pushed": summary.pushed,
                             "pulled": summary.pulled, "conflicts": summary.conflicts,
                             "deferred": summary.deferred}
    assert plan.reads == reads  # the fake counts calls: the requests are checked on the sandbox
    assert world.store.show("alice", moved).to_json()["lock"]["holder"] == "jira"
