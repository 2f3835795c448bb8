"""The store's settings: where its files live and the few policies a deployment may tune."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoreSettings:
    """Where the blobs live (`home / "blobs"`) and the configurable policies of docs/design.md."""

    home: Path
    max_upload_bytes: int = 1 << 30
    lock_lease_seconds: int | None = None  # None: locks never expire (the seed's default)
    version_retention: int | None = None  # keep the last N versions; None: keep all
    trash_retention_days: int = 30
    desktop_link_template: str = "xea://open?session={id}&workspace={workspace}"
    duplicate_xray_as: str = "xray"  # or "standalone"
    # the Jira project of a session imported or connected as `xray` without one ([jira]
    # project); None: such a session must name its project
    default_project: str | None = None

    @property
    def blob_root(self) -> Path:
        """The folder of the content-addressed session files."""
        return self.home / "blobs"
