"""The pull's watermark per project: the newest Jira `updated` seen, kept in a small JSON file.

Jira's own timestamps, never our clock: the next search asks from the watermark minus
the overlap (`[sync] overlap_seconds`, JQL having minute precision), and what comes
back twice is recognised by its fingerprint. Each daemon keeps its own file in its
home; a lost file only costs one wider search (the links' oldest sync is the fallback).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path


class Watermarks:
    """Per-project watermarks in `path` (written atomically); in memory when `path` is None."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._marks: dict[str, str] = self._read()

    def _read(self) -> dict[str, str]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged file only widens the next search
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    def get(self, project: str) -> datetime | None:
        with self._lock:
            text = self._marks.get(project)
        return datetime.fromisoformat(text) if text else None

    def advance(self, project: str, seen: datetime) -> None:
        """Move the watermark forward to `seen` (never backward)."""
        with self._lock:
            current = self._marks.get(project)
            if current is not None and datetime.fromisoformat(current) >= seen:
                return
            self._marks[project] = seen.isoformat()
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self._marks, sort_keys=True), encoding="utf-8")
        temp.replace(self.path)
