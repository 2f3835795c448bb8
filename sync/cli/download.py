"""Writing a downloaded session file: streamed, atomic, and never over a file unless forced.

The bytes go to a hidden temporary file beside the target, in chunks; only a
complete file is put in place. Without `force` the temporary file is hard-linked
to the target name, which fails if anything is there, even a file created
meanwhile; with `force` it replaces the target atomically.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from sync.cli.errors import FileExists, LocalFileError

CHUNK = 1024 * 1024


def write_download(stream: BinaryIO, target: Path, *, force: bool = False) -> int:
    """Copy `stream` to `target` chunk by chunk; return the bytes written."""
    if target.exists() and not force:
        raise FileExists(target)
    folder = target.parent if str(target.parent) else Path.cwd()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise LocalFileError(target, exc.strerror or str(exc)) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
            written = out.tell()
        _put_in_place(tmp, target, force=force)
    except OSError as exc:
        raise LocalFileError(target, exc.strerror or str(exc)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return written


def _put_in_place(tmp: Path, target: Path, *, force: bool) -> None:
    if force:
        tmp.replace(target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise FileExists(target) from None
