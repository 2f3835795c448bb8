"""What the contract tests share: a session push and its first push on a subject."""

from __future__ import annotations

from datetime import UTC, datetime

from connector import DefectSpec, Evidence, PushedSession, RunStatus, SessionPush, SessionPusher
from connector import TestSpec as CharterSpec
from tests.connector.contract.conftest import Subject

STARTED = datetime(2026, 11, 20, 10, tzinfo=UTC)


def push_spec(session_id: str, **changes: object) -> SessionPush:
    """A first push of `session_id` (Test, run, one evidence, one defect), with `changes`."""
    base: dict[str, object] = {
        "session_id": session_id, "project": "QA", "summary": f"Session {session_id}",
        "status": RunStatus.FAILED, "test": CharterSpec(session_id, "QA", "Charter", "Mission"),
        "comment": "first notes", "started": STARTED, "environments": ("Chrome",),
        "new_evidence": (Evidence("one.png", "image/png", b"PNG1"),),
        "new_defects": (DefectSpec("Bug A", "steps"),), "console_url": "http://console/s",
    }
    base.update(changes)
    return SessionPush(**base)  # type: ignore[arg-type]


def first_push(subject: Subject, session_id: str) -> PushedSession:
    """Push `session_id` for the first time on the subject's backend."""
    return SessionPusher(subject.backend).push(push_spec(session_id))
