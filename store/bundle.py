"""Session bundles (design.md section 5): tell a bundle from an opaque file and refuse unsound ones.

A session file is a zip holding `manifest.json` at its root plus the evidence the
manifest's timeline names.  Any other file (not a zip, or a zip without a root
`manifest.json`) is an opaque session file and is accepted as it is.  A bundle must be
sound; each way it can fail has its own `Invalid.rule` (docs/bundle-format.md):

    manifest_not_json      manifest_invalid       bundle_missing_file
    bundle_unsafe_path     bundle_too_large       bundle_too_many_files
    bundle_corrupt

No member is held in memory (except the capped manifest).  Zip-bomb limits are checked
from the central directory first and enforced again on the bytes actually decompressed,
because declared sizes can lie.
"""

from __future__ import annotations

import itertools
import json
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from store.errors import Invalid, NotFound

MANIFEST_NAME = "manifest.json"
SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
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


@dataclass(frozen=True)
class BundleInfo:
    """What an upload turned out to be: a sound bundle (with its manifest) or an opaque file."""

    is_bundle: bool
    manifest: dict[str, Any] | None
    type: str
    name: str | None


OPAQUE = BundleInfo(is_bundle=False, manifest=None, type="session", name=None)


def inspect_upload(path: Path, *, limits: BundleLimits = BundleLimits()) -> BundleInfo:
    """Classify the file at `path`; raise `Invalid` if it is a bundle that is not sound."""
    with _open_zip(path, limits) as archive:
        if archive is None or MANIFEST_NAME not in archive.NameToInfo:
            return OPAQUE
        entries = archive.infolist()
        _check_entries(entries, limits, path.stat().st_size)
        manifest = parse_manifest(_read_capped(archive, MANIFEST_NAME, limits.max_manifest_bytes))
        validate_manifest(manifest)
        _check_named_files(manifest, archive)
        _verify_members(archive, entries, limits)
    return BundleInfo(is_bundle=True, manifest=manifest, type=manifest["type"],
                      name=manifest["name"])


def read_manifest(path: Path, *, limits: BundleLimits = BundleLimits()) -> dict[str, Any] | None:
    """The manifest of a stored file, or None for an opaque file (parsed, not re-validated)."""
    with _open_zip(path, limits) as archive:
        if archive is None or MANIFEST_NAME not in archive.NameToInfo:
            return None
        return parse_manifest(_read_capped(archive, MANIFEST_NAME, limits.max_manifest_bytes))


def evidence_files(path: Path) -> list[str]:
    """The member names the timeline of a stored bundle points at, in timeline order, once each."""
    manifest = read_manifest(path)
    if manifest is None:
        return []
    named = (item["file"] for item in manifest.get("timeline", []) if "file" in item)
    return list(dict.fromkeys(named))


def open_member(path: Path, name: str) -> BinaryIO:
    """A stream of one member of a stored bundle; closing the stream releases the file."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise NotFound(rule="bundle_member_not_found",
                       message=f"{path.name} is not a session bundle") from exc
    try:
        # The member keeps the shared file handle open after the archive object is closed.
        member: IO[bytes] = archive.open(archive.getinfo(name))
    except KeyError as exc:
        raise NotFound(rule="bundle_member_not_found",
                       message=f"the bundle has no member {_shown(name)}") from exc
    finally:
        archive.close()
    return cast(BinaryIO, member)


# --- the manifest -------------------------------------------------------------------------

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def parse_instant(text: str) -> datetime | None:
    """An RFC 3339 date-time with its offset, or None if `text` is not one."""
    if not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


@cache
def manifest_validator() -> Draft202012Validator:
    """The validator of `manifest.schema.json`, with our own strict `date-time` check."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    formats = FormatChecker(formats=())
    # Registered here so that the check does not depend on an optional package being present.
    formats.checks("date-time")(lambda value: not isinstance(value, str)
                                or parse_instant(value) is not None)
    return Draft202012Validator(schema, format_checker=formats)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_manifest(raw: bytes) -> dict[str, Any]:
    """Decode `manifest.json` (UTF-8 JSON, no NaN/Infinity); `manifest_not_json` otherwise."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise Invalid(rule="manifest_not_json",
                      message=f"manifest.json is not UTF-8 text: {exc.reason} at byte {exc.start}"
                      ) from exc
    except ValueError as exc:
        raise Invalid(rule="manifest_not_json",
                      message=f"manifest.json is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise Invalid(rule="manifest_not_json",
                      message="manifest.json is not JSON this reader accepts: it nests too "
                      "deeply") from exc
    if not isinstance(value, dict):
        raise Invalid(rule="manifest_invalid",
                      message=f"manifest.json is invalid at (root): it is a JSON "
                      f"{type(value).__name__}, not an object")
    return value


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Check a decoded manifest against the schema and the rules a schema cannot say."""
    error = best_match(manifest_validator().iter_errors(manifest))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        schema_path = "/".join(str(p) for p in error.absolute_schema_path)
        raise Invalid(rule="manifest_invalid",
                      message=f"manifest.json is invalid at {where.lstrip('.') or '(root)'}: "
                      f"{_clip(error.message)} (schema: {schema_path})")
    started = parse_instant(manifest.get("started") or "")
    finished = parse_instant(manifest.get("finished") or "")
    if started is not None and finished is not None and finished < started:
        raise Invalid(rule="manifest_invalid",
                      message="manifest.json is invalid at finished: it is before started")


# --- the zip --------------------------------------------------------------------------------

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
def _open_zip(path: Path, limits: BundleLimits) -> Iterator[zipfile.ZipFile | None]:
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
                          f"is broken: {_clip(str(exc))}") from exc
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


def _check_entries(entries: list[zipfile.ZipInfo], limits: BundleLimits,
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
                          message=f"bundle entry {_shown(info.orig_filename)} {reason}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Invalid(rule="bundle_unsafe_path",
                          message=f"bundle entry {_shown(info.filename)} is a symbolic link")
        if info.filename in seen:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {_shown(info.filename)} appears twice")
        seen.add(info.filename)
        if info.compress_type not in _METHODS:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {_shown(info.filename)} uses compression method "
                          f"{info.compress_type}; a bundle uses stored (0) or deflate (8)")
        if info.flag_bits & 0x1:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entry {_shown(info.filename)} is encrypted")
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
                      message=f"bundle entry {_shown(name)} expands {size} bytes from "
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
                          message=f"bundle entry {_shown(name)} lies outside the file")
    for (_, end, name), (start, _, following) in itertools.pairwise(spans):
        if end > start:
            raise Invalid(rule="bundle_corrupt",
                          message=f"bundle entries {_shown(name)} and {_shown(following)} "
                          "overlap")


def _check_named_files(manifest: dict[str, Any], archive: zipfile.ZipFile) -> None:
    """Every file the timeline names is a safe path to a file member of the zip."""
    for index, item in enumerate(manifest.get("timeline", [])):
        name = item.get("file")
        if name is None:
            continue
        reason = unsafe_reason(name)
        if reason is not None:
            raise Invalid(rule="bundle_unsafe_path",
                          message=f"timeline[{index}].file {_shown(name)} {reason}")
        info = archive.NameToInfo.get(name)
        if info is None or info.is_dir():
            raise Invalid(rule="bundle_missing_file",
                          message=f"timeline[{index}].file names {_shown(name)}, which is not "
                          "in the bundle")


def _verify_members(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo],
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


def _read_capped(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
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
                   message=f"bundle entry {_shown(name)} cannot be read: {_clip(str(exc))}")


def _shown(name: str) -> str:
    """A member name fit for a one-line message: quoted, escaped, clipped."""
    return _clip(repr(name), 120)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
