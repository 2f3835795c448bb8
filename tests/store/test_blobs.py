"""The content-addressed blob store: streamed writes, dedup, the size limit, reads, deletes."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.blobs import CHUNK_SIZE, BlobStore
from store.errors import Invalid, NotFound, Unavailable


def stored_files(root: Path) -> list[Path]:
    """Every regular file under the blob root, temp files included."""
    return sorted(p for p in root.rglob("*") if p.is_file())


class CountingReader(io.RawIOBase):
    """A stream of `size` pseudo-random bytes that records the largest read asked of it."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.largest_read = 0
        self.block = hashlib.sha256(b"seed").digest() * 4096

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.largest_read = max(self.largest_read, n)
        take = min(self.left, len(self.block) if n < 0 else n)
        self.left -= take
        return self.block[:take]


def test_put_stores_content_under_its_sha256(tmp_path: Path) -> None:
    """put() files the content at root/ab/cd/<sha256> and reports its digest and size."""
    content = b"exploratory session" * 1000
    ref = BlobStore(tmp_path).put(io.BytesIO(content), max_bytes=10**6)
    digest = hashlib.sha256(content).hexdigest()
    assert (ref.digest, ref.size) == (digest, len(content))
    assert (tmp_path / digest[:2] / digest[2:4] / digest).read_bytes() == content


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    """Putting the same bytes twice yields one file and the same reference."""
    blobs = BlobStore(tmp_path)
    first = blobs.put(io.BytesIO(b"same"), max_bytes=100)
    second = blobs.put(io.BytesIO(b"same"), max_bytes=100)
    assert first == second
    assert stored_files(tmp_path) == [blobs.path(first.digest)]


def test_upload_over_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    """A stream longer than max_bytes raises upload_too_large and no file remains."""
    blobs = BlobStore(tmp_path)
    with pytest.raises(Invalid) as caught:
        blobs.put(io.BytesIO(b"x" * 1001), max_bytes=1000)
    assert caught.value.rule == "upload_too_large"
    assert stored_files(tmp_path) == []


def test_upload_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    """A stream of exactly max_bytes is stored."""
    ref = BlobStore(tmp_path).put(io.BytesIO(b"x" * 1000), max_bytes=1000)
    assert ref.size == 1000


def test_put_reads_the_stream_in_bounded_chunks(tmp_path: Path) -> None:
    """put() never asks the stream for more than one 64 KiB chunk at a time."""
    reader = CountingReader(5 * CHUNK_SIZE + 7)
    ref = BlobStore(tmp_path).put(reader, max_bytes=10**7)  # type: ignore[arg-type]
    assert ref.size == 5 * CHUNK_SIZE + 7
    assert reader.largest_read == CHUNK_SIZE


def test_discarded_staged_upload_leaves_nothing(tmp_path: Path) -> None:
    """An upload staged but not committed (a check refused it) leaves no file behind."""
    blobs = BlobStore(tmp_path)
    with pytest.raises(Invalid), blobs.staged(io.BytesIO(b"bad bundle"), max_bytes=100) as staged:
        assert staged.path.read_bytes() == b"bad bundle"
        raise Invalid(rule="bundle_corrupt", message="refused by the caller")
    assert stored_files(tmp_path) == []


def test_staged_upload_is_in_the_store_only_after_commit(tmp_path: Path) -> None:
    """exists() is false while an upload is staged and true once it is committed."""
    blobs = BlobStore(tmp_path)
    with blobs.staged(io.BytesIO(b"evidence"), max_bytes=100) as staged:
        assert not blobs.exists(staged.ref.digest)
        ref = staged.commit()
    assert blobs.exists(ref.digest)


def test_iter_chunks_returns_the_content_in_bounded_pieces(tmp_path: Path) -> None:
    """iter_chunks() yields the stored bytes, in pieces no larger than chunk_size."""
    blobs = BlobStore(tmp_path)
    content = bytes(range(256)) * 1000
    ref = blobs.put(io.BytesIO(content), max_bytes=10**6)
    pieces = list(blobs.iter_chunks(ref.digest, chunk_size=4096))
    assert b"".join(pieces) == content
    assert max(len(piece) for piece in pieces) == 4096


def test_open_returns_the_content(tmp_path: Path) -> None:
    """open() streams the stored bytes back."""
    blobs = BlobStore(tmp_path)
    ref = blobs.put(io.BytesIO(b"screenshot"), max_bytes=100)
    with blobs.open(ref.digest) as stream:
        assert stream.read() == b"screenshot"


def test_open_of_an_unknown_digest_is_not_found(tmp_path: Path) -> None:
    """open() of a digest that is not stored raises NotFound with rule blob_not_found."""
    with pytest.raises(NotFound) as caught:
        BlobStore(tmp_path).open("0" * 64)
    assert caught.value.rule == "blob_not_found"


@pytest.mark.parametrize("digest", ["", "../../etc/passwd", "A" * 64, "0" * 63, "g" * 64])
def test_malformed_digest_is_invalid(tmp_path: Path, digest: str) -> None:
    """A digest that is not 64 lowercase hex digits is refused before touching the disk."""
    with pytest.raises(Invalid) as caught:
        BlobStore(tmp_path).path(digest)
    assert caught.value.rule == "blob_digest_invalid"


def test_delete_removes_the_blob_and_its_empty_folders(tmp_path: Path) -> None:
    """delete() removes the file, reports True, and leaves no empty fan-out folders."""
    blobs = BlobStore(tmp_path)
    ref = blobs.put(io.BytesIO(b"gone"), max_bytes=100)
    assert blobs.delete(ref.digest) is True
    assert not blobs.exists(ref.digest)
    assert not (tmp_path / ref.digest[:2]).exists()


def test_delete_of_a_missing_blob_reports_false(tmp_path: Path) -> None:
    """delete() of a digest that is not stored returns False."""
    assert BlobStore(tmp_path).delete("f" * 64) is False


def test_committing_twice_is_a_programming_error(tmp_path: Path) -> None:
    """A staged upload can be committed once only."""
    with BlobStore(tmp_path).staged(io.BytesIO(b"x"), max_bytes=10) as staged:
        staged.commit()
        with pytest.raises(RuntimeError):
            staged.commit()


def test_sweep_removes_only_stale_temp_files(tmp_path: Path) -> None:
    """sweep_temp() deletes temp files older than the age given and keeps newer ones."""
    blobs = BlobStore(tmp_path)
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    stale, fresh = tmp_path / ".tmp" / "upload-stale", tmp_path / ".tmp" / "upload-fresh"
    for temp, age in ((stale, timedelta(hours=2)), (fresh, timedelta(minutes=5))):
        temp.write_bytes(b"partial")
        moment = (now - age).timestamp()
        os.utime(temp, (moment, moment))
    assert blobs.sweep_temp(timedelta(hours=1), now=now) == 1
    assert (stale.exists(), fresh.exists()) == (False, True)


def test_sweep_leaves_stored_blobs_alone(tmp_path: Path) -> None:
    """sweep_temp() never touches committed blobs, however old."""
    blobs = BlobStore(tmp_path)
    ref = blobs.put(io.BytesIO(b"kept"), max_bytes=100)
    later = datetime.now(UTC) + timedelta(days=365)
    assert blobs.sweep_temp(timedelta(0), now=later) == 0
    assert blobs.exists(ref.digest)


class BrokenReader(io.RawIOBase):
    """A client stream that fails after its first chunk, as a dropped connection does."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 1:
            raise ConnectionResetError(errno.ECONNRESET, "client went away")
        return b"x" * 100


def test_failing_input_stream_passes_its_error_and_leaves_nothing(tmp_path: Path) -> None:
    """An error of the caller's stream reaches the caller unchanged and no file remains."""
    blobs = BlobStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        blobs.put(BrokenReader(), max_bytes=10**6)  # type: ignore[arg-type]
    assert stored_files(tmp_path) == []


def test_disk_failure_is_unavailable_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk failing to sync the upload gives Unavailable (blob_storage_full), no file."""
    blobs = BlobStore(tmp_path)

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(Unavailable) as caught:
        blobs.put(io.BytesIO(b"evidence"), max_bytes=100)
    assert caught.value.rule == "blob_storage_full"
    assert "the blob folder is full" in caught.value.message
    assert stored_files(tmp_path) == []
