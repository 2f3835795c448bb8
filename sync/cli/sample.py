"""Sample data: users, a team workspace, and session bundles and charters made in code.

`seed_sample(store)` gives a fresh store something to show: alice (admin), bob and
carol, the team workspace `qa-team`, sessions and charters both standalone and
Xray-connected, one with an earlier version, one locked by bob. It only adds what is
missing, so running it twice changes nothing. `make_bundle` builds a session file
(a zip with `manifest.json` and its evidence) that the store accepts; the tests use it
too. The command `xray-sync sample` seeds and lists.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from store.api import Store
from store.errors import NotFound
from store.views import SessionQuery

ADMIN, TESTERS, TEAM = "alice", ("bob", "carol"), "qa-team"
_START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def tiny_png(rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A valid 1x1 PNG of one colour (evidence for a screenshot)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(
        b"IEND", b""
    )


def _at(minutes: int) -> str:
    return (_START + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def make_bundle(name: str, *, kind: str = "session", tester: str = "alice",
                charter: str | None = None, status: str = "PASSED",
                notes: tuple[str, ...] = ("Looked around",), screenshot: bool = True,
                defect: str | None = None) -> bytes:
    """A session bundle (zip: `manifest.json` + evidence) in the format of design.md section 5."""
    timeline: list[dict[str, Any]] = [
        {"at": _at(5 + i), "kind": "note", "category": "Comment", "text": text}
        for i, text in enumerate(notes)
    ]
    files: dict[str, bytes] = {}
    if screenshot:
        files["evidence/0001.png"] = tiny_png()
        timeline.append({"at": _at(12), "kind": "screenshot", "file": "evidence/0001.png",
                         "text": "What the screen showed"})
    if defect:
        timeline.append({"at": _at(20), "kind": "issue", "category": "Problem", "text": defect,
                         "defect": {"summary": defect, "key": None}})
    manifest = {
        "format": "xea-session/1", "type": kind, "name": name,
        "charter": charter or f"Explore {name.lower()}", "tester": tester,
        "started": _at(0), "finished": _at(55), "timebox_minutes": 60,
        "environments": ["Chrome 131", "staging"], "status": status, "timeline": timeline,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2))
        for path, data in files.items():
            bundle.writestr(path, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class SampleSession:
    """One sample session: who imports it, where, and how."""

    owner: str
    name: str
    kind: str = "session"
    workspace: str = TEAM
    mode: str = "standalone"
    defect: str | None = None
    opaque: bool = False  # a plain file instead of a bundle
    saves: int = 0  # extra versions saved after the import
    locked: bool = False  # left open (locked) by its owner


SAMPLES: tuple[SampleSession, ...] = (
    SampleSession("alice", "Checkout with expired cards", mode="xray",
                  defect="Expired card is accepted at checkout", saves=1),
    SampleSession("bob", "Login rate limiting", locked=True),
    SampleSession("carol", "Explore search filters", kind="charter"),
    SampleSession("alice", "Mobile onboarding", kind="charter", mode="xray"),
    SampleSession("bob", "Password reset emails", defect="Reset link works twice"),
    SampleSession("carol", "Scratch notes", workspace="carol", opaque=True),
)


@dataclass
class SampleSummary:
    """What `seed_sample` added (names of users and workspaces, ids of sessions)."""

    users: list[str] = field(default_factory=list)
    workspaces: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"users": self.users, "workspaces": self.workspaces, "sessions": self.sessions}


def seed_sample(store: Store, *, project: str = "QA") -> SampleSummary:
    """Add the sample users, workspace and sessions that are missing; say what was added."""
    summary = SampleSummary()
    existing = {user.name for user in store.list_users()}
    for name in (ADMIN, *TESTERS):
        if name not in existing:
            store.add_user(name, admin=name == ADMIN, actor=None)
            summary.users.append(name)
    if TEAM not in {ws.name for ws in store.list_workspaces(ADMIN)}:
        store.add_workspace(ADMIN, TEAM, members=TESTERS)
        summary.workspaces.append(TEAM)
    for sample in SAMPLES:
        if not _exists(store, sample):
            summary.sessions.append(_import(store, sample, project))
    return summary


def _exists(store: Store, sample: SampleSession) -> bool:
    query = SessionQuery(workspace=sample.workspace, owner=sample.owner, name=sample.name,
                         limit=10)
    try:
        page = store.list_sessions(sample.owner, query)
    except NotFound:
        return False
    return any(item.name == sample.name for item in page.items)


def _content(sample: SampleSession, version: int) -> bytes:
    if sample.opaque:
        return f"{sample.name}\nplain notes, version {version}\n".encode()
    notes = tuple(f"Note {n} of version {version}" for n in range(1, version + 1))
    return make_bundle(sample.name, kind=sample.kind, tester=sample.owner,
                       defect=sample.defect, notes=notes)


def _import(store: Store, sample: SampleSession, project: str) -> str:
    session = store.import_session(
        sample.owner, sample.workspace, io.BytesIO(_content(sample, 1)),
        filename=f"{sample.name}.{'txt' if sample.opaque else 'xea'}", name=sample.name,
        mode=sample.mode, project=project if sample.mode == "xray" else None,
    )
    for version in range(2, sample.saves + 2):
        store.open(sample.owner, session.id)
        store.save(sample.owner, session.id, io.BytesIO(_content(sample, version)))
        store.close(sample.owner, session.id)
    if sample.locked:
        store.open(sample.owner, session.id)
    return session.id
