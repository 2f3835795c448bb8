"""What a session's saved file says for Jira: the run's status, comment, times, environments,
evidence and defects, read from the bundle's manifest (an opaque file: the file alone).

Evidence is identified by the sha256 of its bytes, so that what was attached once is
never attached again (the link's base remembers the digests).
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.base import Evidence, RunStatus
from store.bundle import open_member, parse_instant, read_manifest

# The session file itself is attached as evidence up to this size; bigger files stay here
# (the connector sends evidence in memory).
MAX_ATTACHED_BYTES = 25 * 1024 * 1024
MAX_COMMENT_CHARS = 30_000


@dataclass(frozen=True)
class PendingEvidence:
    """A file to attach, known by the digest of its bytes; `load` reads them when needed."""

    digest: str
    filename: str
    content_type: str
    load: Callable[[], bytes]

    def evidence(self) -> Evidence:
        return Evidence(self.filename, self.content_type, self.load())


@dataclass(frozen=True)
class RunContent:
    """The run as the saved session file describes it."""

    kind: str  # "session" or "charter"
    mission: str
    status: RunStatus
    comment: str
    started: datetime | None
    finished: datetime | None
    environments: tuple[str, ...]
    evidence: tuple[PendingEvidence, ...]
    defects: tuple[str, ...]  # summaries of the timeline's defects without a Jira key
    known_defects: tuple[str, ...]  # keys the timeline already names


def read_content(path: Path, session_name: str, digest: str) -> RunContent:
    """Read the stored file at `path` (content digest `digest`) into a `RunContent`."""
    manifest = read_manifest(path)
    whole = _whole_file(path, session_name, digest)
    if manifest is None:
        return RunContent("session", "", RunStatus.TODO, "", None, None, (), whole, (), ())
    timeline: list[dict[str, Any]] = list(manifest.get("timeline", []))
    return RunContent(
        kind=str(manifest.get("type", "session")),
        mission=str(manifest.get("charter", "")),
        status=RunStatus(manifest.get("status", "TODO")),
        comment=render_comment(timeline),
        started=parse_instant(str(manifest.get("started", ""))),
        finished=parse_instant(str(manifest.get("finished", ""))),
        environments=tuple(manifest.get("environments", [])),
        evidence=_members(path, timeline) + whole,
        defects=tuple(dict.fromkeys(_defects(timeline, with_key=False))),
        known_defects=tuple(dict.fromkeys(_defects(timeline, with_key=True))),
    )


def render_comment(timeline: Sequence[dict[str, Any]]) -> str:
    """The run comment: one line per note of the timeline, in order."""
    lines = []
    for item in timeline:
        when = str(item.get("at", ""))[11:16]
        label = item.get("category") or item.get("kind", "")
        text = str(item.get("text", "")).strip()
        if text:
            lines.append(f"[{when}] {label}: {text}")
    return "\n".join(lines)[:MAX_COMMENT_CHARS]


def _defects(timeline: Sequence[dict[str, Any]], *, with_key: bool) -> list[str]:
    out = []
    for item in timeline:
        defect = item.get("defect")
        if not isinstance(defect, dict):
            continue
        key = defect.get("key")
        if with_key and key:
            out.append(str(key))
        elif not with_key and not key:
            out.append(str(defect["summary"]))
    return out


def _members(path: Path, timeline: Sequence[dict[str, Any]]) -> tuple[PendingEvidence, ...]:
    names = list(dict.fromkeys(str(item["file"]) for item in timeline if "file" in item))
    out = []
    for name in names:
        data = _read_member(path, name)
        out.append(PendingEvidence(hashlib.sha256(data).hexdigest(), Path(name).name,
                                   _content_type(name), _constant(data)))
    return tuple(out)


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _read_member(path: Path, name: str) -> bytes:
    with open_member(path, name) as stream:
        return stream.read()


def _whole_file(path: Path, name: str, digest: str) -> tuple[PendingEvidence, ...]:
    if path.stat().st_size > MAX_ATTACHED_BYTES:
        return ()
    filename = f"{_safe(name)}.xea"
    return (PendingEvidence(digest, filename, "application/zip", path.read_bytes),)


def _safe(name: str) -> str:
    kept = "".join(c if c.isalnum() or c in " -_." else "_" for c in name).strip()
    return kept[:100] or "session"


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
