"""The zip side of a session bundle: opening a file without trusting it, the member
names, declared sizes and layout of its central directory, and the zip-bomb limits
(`BundleLimits`), checked on the declared sizes first and again on the bytes actually
decompressed, because declared sizes can lie.

`store.bundle` tells a bundle from an opaque file and checks its manifest; the refusals
raised here are its `bundle_unsafe_path`, `bundle_too_large`, `bundle_too_many_files`
and `bundle_corrupt` (docs/bundle-format.md).  No member is held in memory except the
one read whole under a cap (the manifest).
"""

from __future__ import annotations

import itertools
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from store.errors import Invalid

MANIFEST_NAME = "manifest.json"
CHUNK_SIZE = 64 * 1024
_MiB = 1024 * 1024
# Stored and deflate: what zip tools write by default, and whose failures zipfile reports
# as its own errors (bzip2 and lzma fail with OSError and LZMAError).
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# Errors the zipfile module raises on a damaged member: bad CRC, broken deflate stream,
# truncated data, unknown compression method, encryption, a member name flagged UTF-8
# in its local header that does not decode.
_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                  UnicodeDecodeError)


@dataclass(frozen=True)
class BundleLimits:
    """How big a bundle may be; the defaults suit a session of a few hours with recordings."""

    max_files: int = 10_000
    max_uncompressed_bytes: int = 4 * 1024 * _MiB
    # Deflate reaches ~1000:1 on zeros; real evidence (PNG, video, text) stays far below 100:1.
    max_ratio: float = 100.0
    # Members smaller than this may compress as well as they like: they cannot bomb.
    ratio_floor_bytes: int = _MiB
    max_manifest_bytes: int = 8 * _MiB
    # zipfile reads the whole central directory into memory: bound it before it does.
    max_directory_bytes: int = 16 * _MiB


def unsafe_reason(name: str) -> str | None:
    """Why a member name could leave the bundle when extracted, or None if it is safe."""
    if not name:
        return "is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds a control character"
    if "\\" in name:
        return "holds a backslash"
    if name.startswith("/"):
        return "is absolute"
    if re.match(r"[A-Za-z]:", name):
        return "starts with a drive letter"
    if ".." in name.split("/"):
        return "climbs out with '..'"
    return None


@contextmanager
def open_zip(path: Path, limits: BundleLimits) -> Iterator[zipfile.ZipFile | None]:
    """The zip at `path`, or None when the file is not a readable zip (an opaque file)."""
    if _skip_oversized_directory(path, limits):
        yield None
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError, struct.error, NotImplementedError) as exc:
        if _looks_like_bundle(path):
            # A damaged or truncated bundle, not an opaque file.
            raise Invalid(rule="bundle_corrupt",
                          message=f"the file is a session bundle but its zip structure "
                          f"is broken: {clip(str(exc))}") from exc
        yield None
        return
    with archive:
        yield archive


def _looks_like_bundle(path: Path) -> bool:
    """Whether a zip that zipfile cannot open starts with, or lists, manifest.json."""
    if _first_local_name(path) == MANIFEST_NAME:
        return True
    directory = _central_directory(path)
    return directory is not None and _directory_names_manifest(path, *directory[1:])


def _first_local_name(path: Path) -> str | None:
    """The member name in the zip local header at offset 0, if the file starts with one."""
    with path.open("rb") as stream:
        header = stream.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            return None
        (name_length,) = struct.unpack_from("<H", header, 26)
        return stream.read(name_length).decode("utf-8", "replace")


def _skip_oversized_directory(path: Path, limits: BundleLimits) -> bool:
    """Judge, before zipfile loads it all in memory, a central directory beyond the limits.

    Raises for a bundle; True for an opaque zip, which is then never parsed at all.
    """
    directory = _central_directory(path)
    if directory is None:
        return False
    count, start, size = directory
    if count <= limits.max_files and size <= limits.max_directory_bytes:
        return False
    if not _directory_names_manifest(path, start, size):
        return True
    if count > limits.max_files:
        raise Invalid(rule="bundle_too_many_files",
                      message=f"the bundle declares {count} entries, more than the limit of "
                      f"{limits.max_files}")
    raise Invalid(rule="bundle_too_large",
                  message=f"the bundle's central directory takes {size} bytes, more than the "
                  f"limit of {limits.max_directory_bytes}")


def _central_directory(path: Path) -> tuple[int, int, int] | None:
    """(entry count, start offset, byte size) of the central directory, from its end record."""
    with path.open("rb") as stream:
        file_size = stream.seek(0, 2)
        tail_start = max(0, file_size - (22 + 65535))
        stream.seek(tail_start)
        tail = stream.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        count, size = struct.unpack_from("<HL", tail, at + 10)
        end_record = tail_start + at
        if (count == 0xFFFF or size == 0xFFFFFFFF) and at >= 20 + 56:
            record = tail[at - 20 - 56: at - 20]
            if record[:4] == b"PK\x06\x06":
                count, size = struct.unpack_from("<QQ", record, 32)
                end_record -= 20 + 56
        return count, end_record - size, size


def _directory_names_manifest(path: Path, start: int, size: int) -> bool:
    """Whether a central-directory record names manifest.json, searching the bytes in chunks."""
    target = MANIFEST_NAME.encode()
    keep = 46 + len(target)  # a record header plus the name may straddle two chunks
    with path.open("rb") as stream:
        stream.seek(max(0, start))
        left, buffer = size, b""
        while left > 0 and (chunk := stream.read(min(_MiB, left))):
            left -= len(chunk)
            buffer = buffer[-keep:] + chunk
            at = buffer.find(target, 46)
            while at >= 0:
                header = at - 46
                if buffer[header:header + 4] == b"PK\x01\x02" and \
                        struct.unpack_from("<H", buffer, header + 28)[0] == len(target):
                    return True
                at = buffer.find(target, at + 1)
    return False


def check_entries(entries: list[zipfile.ZipInfo], limits: BundleLimits,
                   file_size: int) -> None:
    """Structure and declared sizes, from the central directory, before reading any data."""
    if len(entries) > limits.max_files:
        raise Invalid(rule="bundle_too_many_files",
                      message=f"the bundle holds {len(entries)} entries, more than the limit "
                      f"of {limits.max_files}")
    seen: set[str] = set()
    for info in entries:
        reason = unsafe_reason(info.orig_filename)
        if reason is not None:
            raise Invalid(rule="bundle_unsafe_path",
                          message=f"bundle entry {shown(info.orig_filename)} {reason}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Invalid(rule="bundle_unsafe_path",
                          message=f"bundle entry {shown(info.filename)} is a symbolic link")
        if info.filename in seen:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {shown(info.filename)} appears twice")
        seen.add(info.filename)
        if info.compress_type not in _METHODS:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {shown(info.filename)} uses compression method "
                          f"{info.compress_type}; a bundle uses stored (0) or deflate (8)")
        if info.flag_bits & 0x1:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {shown(info.filename)} is encrypted")
        _check_ratio(info.filename, info.file_size, info.compress_size, limits)
    total = sum(info.file_size for info in entries)
    if total > limits.max_uncompressed_bytes:
        raise Invalid(rule="bundle_too_large",
                      message=f"the bundle declares {total} bytes uncompressed, more than "
                      f"the limit of {limits.max_uncompressed_bytes}")
    _check_layout(entries, file_size)


def _check_ratio(name: str, size: int, compressed: int, limits: BundleLimits) -> None:
    if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(compressed, 1):
        raise Invalid(rule="bundle_too_large",
                      message=f"bundle entry {shown(name)} expands {size} bytes from "
                      f"{compressed}, beyond the ratio limit of {limits.max_ratio:g}:1")


def _check_layout(entries: list[zipfile.ZipInfo], file_size: int) -> None:
    """Refuse members lying outside the file, or whose data overlap (non-recursive bombs)."""
    # 30 bytes of local header, the name (a byte per character at least, cp437 or UTF-8)
    # and the data: the least room a member can take.
    spans = sorted((info.header_offset,
                    info.header_offset + 30 + len(info.orig_filename) + info.compress_size,
                    info.filename) for info in entries)
    for start, end, name in spans:
        if start < 0 or end > file_size:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {shown(name)} lies outside the file")
    for (_, end, name), (start, _, following) in itertools.pairwise(spans):
        if end > start:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entries {shown(name)} and {shown(following)} "
                          "overlap")


def verify_members(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo],
                    limits: BundleLimits) -> None:
    """Decompress every member once, checking its CRC and the limits on the real bytes."""
    budget = limits.max_uncompressed_bytes
    for info in entries:
        if info.is_dir():
            continue
        produced = 0
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    produced += len(chunk)
                    if produced > budget:
                        raise Invalid(rule="bundle_too_large",
                                      message="the bundle expands beyond the limit of "
                                      f"{limits.max_uncompressed_bytes} bytes uncompressed")
                    _check_ratio(info.filename, produced, info.compress_size, limits)
        except _MEMBER_ERRORS as exc:
            raise _corrupt(info.filename, exc) from exc
        budget -= produced


def read_capped(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    """Read one member whole, refusing past `cap` bytes whatever its header declares."""
    info = archive.getinfo(name)
    if info.file_size > cap:
        raise Invalid(rule="bundle_too_large",
                      message=f"{name} declares {info.file_size} bytes, more than the limit "
                      f"of {cap}")
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                if size > cap:
                    raise Invalid(rule="bundle_too_large",
                                  message=f"{name} holds more than the limit of {cap} bytes")
                parts.append(chunk)
    except _MEMBER_ERRORS as exc:
        raise _corrupt(name, exc) from exc
    return b"".join(parts)


def _corrupt(name: str, exc: Exception) -> Invalid:
    return Invalid(rule="bundle_corrupt",
                   message=f"bundle entry {shown(name)} cannot be read: {clip(str(exc))}")


def shown(name: str) -> str:
    """A member name fit for a one-line message: quoted, escaped, clipped."""
    return clip(repr(name), 120)


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
