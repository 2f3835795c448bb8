"""The pull as the daemons of one store share it (SQLite here; PostgreSQL in
`test_cluster.py`): the watermark in the store, the pull lease, an earlier release's
watermark file adopted once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from store import cluster_pull, sync_state
from sync.engine.runner import SyncEngine
from sync.engine.watermark import WATERMARKS_FILE, adopt_watermark_file
from tests.sync.engine_world import World


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path)
    made.setup_users()
    return made


class Killed(BaseException):
    """The process died here (nothing below it runs, no handler catches it)."""


def test_a_daemon_killed_mid_pull_leaves_the_watermark_where_it_was(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jira's changes found but not all applied when the daemon dies: the watermark stays,
    and the next pull asks for them again and applies them."""
    sid = world.add_session("Before")
    world.run()
    world.run()  # the first pull of the project sets its watermark
    key = str(world.store.show("alice", sid).link.test_execution)  # type: ignore[union-attr]
    mark = cluster_pull.watermark(world.engine, "QA")
    assert mark is not None
    world.backend.edit_remotely(key, summary="After")
    original = sync_state.rows_by_key

    def dies(*args: Any, **kwargs: Any) -> Any:
        raise Killed()

    monkeypatch.setattr(sync_state, "rows_by_key", dies)
    with pytest.raises(Killed):
        world.run()
    assert cluster_pull.watermark(world.engine, "QA") == mark
    monkeypatch.setattr(sync_state, "rows_by_key", original)
    world.run()
    assert world.store.show("alice", sid).name == "After"
    assert cluster_pull.watermark(world.engine, "QA") > mark  # type: ignore[operator]  # set


def test_a_daemon_whose_cluster_pulled_this_interval_only_pushes(world: World) -> None:
    """A second daemon's cycle within the interval of the first one's pull sends no search,
    and still pushes what waits."""
    world.add_session("One")
    world.run()
    other = SyncEngine(replace(world.ctx, worker="w2", pull_fresh_seconds=300.0),
                       world.workflow())
    world.add_session("Two")
    world.backend.calls.clear()
    summary = other.sync(None, world.stop)
    assert "search_changed" not in world.backend.calls
    assert summary.created == 1


def test_an_earlier_releases_watermark_file_moves_into_the_store_once(
        world: World, tmp_path: Path) -> None:
    """The home's `sync-watermarks.json` becomes the store's watermarks (never moving one
    back) and is removed; a damaged entry is left out."""
    newer = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    cluster_pull.advance_watermark(world.engine, "DEMO", newer)
    path = tmp_path / WATERMARKS_FILE
    path.write_text(json.dumps({"QA": "2026-11-20T09:30:00+00:00",
                                "DEMO": "2026-11-20T00:00:00+00:00", "BAD": "yesterday"}))
    adopt_watermark_file(world.engine, tmp_path)
    assert not path.exists()
    assert cluster_pull.watermark(world.engine, "QA") == datetime(2026, 11, 20, 9, 30,
                                                                   tzinfo=UTC)
    assert cluster_pull.watermark(world.engine, "DEMO") == newer
    assert cluster_pull.watermark(world.engine, "BAD") is None
    adopt_watermark_file(world.engine, tmp_path)  # nothing left to adopt: no error
