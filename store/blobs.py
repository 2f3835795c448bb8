"""Content-addressed blob store on disk: session files, written and read as streams.

A blob lives at `root/ab/cd/<sha256>` where `abcd` are the first four hex digits of its
digest, so identical content is stored once.  Writes go to `root/.tmp/` (the same
filesystem), are hashed while streamed in 64 KiB chunks, fsynced, then renamed into place
atomically: a reader never sees half a blob, a crash leaves only a temp file.

    with blobs.staged(upload, max_bytes=limit) as staged:   # nothing is in the store yet
        info = inspect_upload(staged.path)                  # may refuse: the temp goes away
        ref = staged.commit()                               # now it is

`sweep_temp` removes the temp files a crash left behind (the daemon may call it).
The store does not count references: deleting a blob that two sessions share is the
caller's decision (`store` keeps the digests in its tables).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from store.errors import Invalid, NotFound, Unavailable

CHUNK_SIZE = 64 * 1024
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class BlobRef:
    """A stored blob: its sha256 (lowercase hex) and its size in bytes."""

    digest: str
    size: int


class StagedBlob:
    """An upload written to a temp file and hashed, not yet part of the store."""

    def __init__(self, blobs: BlobStore, path: Path, ref: BlobRef) -> None:
        self._blobs = blobs
        self.path = path
        self.ref = ref
        self._done = False

    def commit(self) -> BlobRef:
        """Move the temp file into the store (or drop it if the content is already there)."""
        if self._done:
            raise RuntimeError("this staged blob was already committed or discarded")
        self._done = True
        self._blobs._adopt(self.path, self.ref.digest)
        return self.ref

    def discard(self) -> None:
        """Remove the temp file; the store is unchanged."""
        if not self._done:
            self._done = True
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> StagedBlob:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


class BlobStore:
    """Blobs under `root`, addressed by the sha256 of their content."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".tmp"
        try:
            # private, whatever the umask: session files are no other local user's business
            self._tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise _unavailable("create the blob folder", exc) from exc

    def put(self, stream: BinaryIO, *, max_bytes: int) -> BlobRef:
        """Store everything `stream` yields; `upload_too_large` past `max_bytes`."""
        with self.staged(stream, max_bytes=max_bytes) as staged:
            return staged.commit()

    def staged(self, stream: BinaryIO, *, max_bytes: int) -> StagedBlob:
        """Write `stream` to a temp file while hashing it; commit or discard it afterwards."""
        try:
            handle, name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        except OSError as exc:
            raise _unavailable("create a temp file", exc) from exc
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                ref = _copy_hashing(stream, out, max_bytes)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedBlob(self, path, ref)

    def path(self, digest: str) -> Path:
        """Where the blob `digest` lives (or would live)."""
        if not _DIGEST.fullmatch(digest):
            raise Invalid(rule="blob_digest_invalid",
                          message="a blob digest is 64 lowercase hexadecimal digits")
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        """Whether the blob `digest` is stored."""
        return self.path(digest).is_file()

    def open(self, digest: str) -> BinaryIO:
        """A binary stream of the blob; `not_found` if it is not stored."""
        try:
            return self.path(digest).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(rule="blob_not_found",
                           message=f"no stored file has the digest {digest}") from exc
        except OSError as exc:
            raise _unavailable("read a stored file", exc) from exc

    def digests(self) -> Iterator[str]:
        """The digest of every stored blob, in no particular order (temp files excluded)."""
        for path in self.root.glob("??/??/*"):
            if _DIGEST.fullmatch(path.name) and path.parent.parent.name == path.name[:2]:
                yield path.name

    def iter_chunks(self, digest: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The blob's bytes in chunks of at most `chunk_size` (the blob is opened at once)."""
        stream = self.open(digest)
        return _chunks(stream, chunk_size)

    def delete(self, digest: str) -> bool:
        """Remove the blob; False if it was not there."""
        target = self.path(digest)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise _unavailable("delete a stored file", exc) from exc
        for folder in (target.parent, target.parent.parent):
            with contextlib.suppress(OSError):  # not empty, or raced by a writer: leave it
                folder.rmdir()
        return True

    def sweep_temp(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Remove temp files a crash left behind, if older than `older_than`; how many."""
        limit = ((now or datetime.now(UTC)) - older_than).timestamp()
        removed = 0
        for temp in self._tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):  # an upload that just finished
                if temp.stat().st_mtime < limit:
                    temp.unlink()
                    removed += 1
        return removed

    def _adopt(self, temp: Path, digest: str) -> None:
        """Rename a complete, fsynced temp file to its address (atomic; dedup if present)."""
        target = self.path(digest)
        try:
            if target.is_file():
                temp.unlink()
                return
            new_folders = not target.parent.is_dir()
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            temp.chmod(0o400)  # a blob is immutable (its name is its content) and private
            temp.replace(target)
            _fsync_dir(target.parent)
            if new_folders:  # their names must survive a crash too
                _fsync_dir(target.parent.parent)
                _fsync_dir(self.root)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise _unavailable("store the upload", exc) from exc


def _copy_hashing(stream: BinaryIO, out: BinaryIO, max_bytes: int) -> BlobRef:
    """Copy and hash, then flush and fsync. Errors of `stream` (the caller's, a client
    that went away) pass through as they are; errors of the disk become `Unavailable`."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        size += len(chunk)
        if size > max_bytes:
            raise Invalid(rule="upload_too_large",
                          message=f"the upload is larger than the limit of {max_bytes} bytes")
        digest.update(chunk)
        try:
            out.write(chunk)
        except OSError as exc:
            raise _unavailable("write the upload", exc) from exc
    try:
        out.flush()
        os.fsync(out.fileno())
    except OSError as exc:
        raise _unavailable("write the upload", exc) from exc
    return BlobRef(digest=digest.hexdigest(), size=size)


def _chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(chunk_size):
            yield chunk


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the new name."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unavailable(action: str, exc: OSError) -> Unavailable:
    # strerror only: the path may reveal the data folder's layout, the message stays short.
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return Unavailable(rule="blob_storage_full",
                           message=f"the blob folder is full, so it could not {action} "
                                   "(nothing was stored): free space in the home's blobs "
                                   "folder and try again")
    return Unavailable(rule="blob_storage_failed",
                       message=f"the blob storage could not {action}: {exc.strerror or exc}")
