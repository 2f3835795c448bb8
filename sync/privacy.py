"""The data folder is private: created 0700, its files 0600, whatever the umask.

The home holds the SQLite store and the session files: other local
users must read none of it. Folders are made with mode 0700 and files opened with 0600
(a umask only takes bits away, so these hold under any umask); the SQLite database is
created 0600 before SQLite opens it, and SQLite gives its WAL and shared-memory files the
database's own mode. At start-up `privacy_warnings` names whatever another user could
read (a home made by an older version, or by hand) so the daemon can warn about it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_folder(path: Path) -> None:
    """Create `path` (and missing parents of it) with mode 0700; an existing one is kept."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def privacy_warnings(home: Path, files: tuple[Path, ...] = ()) -> list[str]:
    """One line for the home and for each of `files` that group or others may access."""
    warnings = []
    for path in (home, *files):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            wanted = PRIVATE_DIR if path.is_dir() else PRIVATE_FILE
            warnings.append(f"{path} has mode {mode:04o}: other local users may read it; "
                            f"run chmod {wanted:04o} {path} (data_folder_private)")
    return warnings
