"""The pull's watermark per project, kept in the store for the whole cluster, and the lease
that lets one daemon at a time pull (`store.cluster_pull`).

Jira's own timestamps, never our clock: the next search asks from the watermark minus
the overlap (`[sync] overlap_seconds`, JQL having minute precision), and what comes
back twice is recognised by its fingerprint. A project's watermark moves only after its
changes are applied, so a daemon that dies mid-pull leaves it where it was; before the
first pull the links' oldest sync is the fallback.

Daemons of earlier releases kept the watermarks in `sync-watermarks.json` in their home:
`adopt_watermark_file` moves such a file into the store once (each mark only forward)
and removes it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from store import cluster_pull

log = logging.getLogger("xray_sync.sync.pull")

# where a daemon of an earlier release kept its watermarks, in its home
WATERMARKS_FILE = "sync-watermarks.json"


class Watermarks:
    """The cluster's per-project watermarks, in the store of `engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, project: str) -> datetime | None:
        return cluster_pull.watermark(self.engine, project)

    def advance(self, project: str, seen: datetime) -> None:
        """Move the watermark forward to `seen` (never backward)."""
        cluster_pull.advance_watermark(self.engine, project, seen)


def read_watermark_file(path: Path) -> dict[str, datetime]:
    """The marks of an earlier release's file; {} when it is missing or damaged (a lost
    watermark only widens the next search)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    marks: dict[str, datetime] = {}
    for project, text in raw.items():
        try:
            when = datetime.fromisoformat(str(text))
        except ValueError:
            continue
        if when.tzinfo is not None:
            marks[str(project)] = when
    return marks


def adopt_watermark_file(engine: Engine, home: Path) -> None:
    """Move the home's watermark file of an earlier release into the store, then remove it."""
    path = home / WATERMARKS_FILE
    if not path.is_file():
        return
    marks = read_watermark_file(path)
    cluster_pull.adopt_watermarks(engine, marks)
    path.unlink()
    log.info("pull watermarks of %d project(s) moved from %s into the store", len(marks),
             WATERMARKS_FILE)
