"""Jira or Xray down for a while (the fake Jira failing every call with `Unavailable`): the
outbox waits (a cycle stops claiming once it meets the outage, nothing gets a backoff or
loses an attempt), and the sync resumes by itself once Jira answers again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from connector.errors import Unavailable
from store.sync_claims import OUTBOX
from tests.sync.engine_world import World

SESSIONS = 40


def test_an_outage_leaves_the_outbox_waiting_and_the_sync_resumes(tmp_path: Path) -> None:
    """With Jira down a cycle tries one batch at most and leaves the rest in the outbox,
    without backoff; with Jira back the next cycle pushes every session, each once."""
    world = World(tmp_path)
    world.setup_users()
    ids = [world.add_session(f"S{i}") for i in range(SESSIONS)]
    for _ in range(10 * SESSIONS):
        world.backend.fail_next(Unavailable("Jira is down", status=503))
    down = world.run()
    batch = max(8, world.ctx.concurrency * 4)
    assert 0 < down.errors <= batch
    assert any("left in the outbox" in message for message in down.error_messages)
    with world.engine.connect() as conn:
        waiting = conn.execute(select(OUTBOX.c.session_id, OUTBOX.c.attempts,
                                    OUTBOX.c.claimed_until)).all()
    assert {row.session_id for row in waiting} == set(ids)
    assert {(row.attempts, row.claimed_until) for row in waiting} == {(0, None)}
    world.backend._faults.clear()  # Jira answers again
    back = world.run()
    assert back.created == SESSIONS and back.errors == 0
    assert sorted(world.executions()) == sorted(set(world.executions()))
    assert len(world.executions()) == SESSIONS
