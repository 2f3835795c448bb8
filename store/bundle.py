"""Session bundles (design.md section 5): tell a bundle from an opaque file and refuse unsound ones.

A session file is a zip holding `manifest.json` at its root plus the evidence the
manifest's timeline names.  Any other file (not a zip, or a zip without a root
`manifest.json`) is an opaque session file and is accepted as it is.  A bundle must be
sound; each way it can fail has its own `Invalid.rule` (docs/bundle-format.md):

    manifest_not_json      manifest_invalid       bundle_missing_file
    bundle_unsafe_path     bundle_too_large       bundle_too_many_files
    bundle_corrupt

This module holds the entry points (`inspect_upload`, and the readers of a stored
bundle) and the manifest: decoded, checked against `manifest.schema.json`, and the
files its timeline names.  The zip itself (structure, member names, the zip-bomb
limits of `BundleLimits`) is `store.bundle_zip`'s; its public names are importable
from here too.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from store.bundle_zip import (
    CHUNK_SIZE,
    MANIFEST_NAME,
    BundleLimits,
    check_entries,
    clip,
    open_zip,
    read_capped,
    shown,
    unsafe_reason,
    verify_members,
)
from store.errors import Invalid, NotFound

__all__ = [
    "CHUNK_SIZE",
    "MANIFEST_NAME",
    "OPAQUE",
    "SCHEMA_PATH",
    "BundleInfo",
    "BundleLimits",
    "evidence_files",
    "inspect_upload",
    "manifest_validator",
    "open_member",
    "parse_instant",
    "parse_manifest",
    "read_manifest",
    "unsafe_reason",
    "validate_manifest",
]

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
# BundleLimits is frozen, so one default instance can serve every call
_DEFAULT_LIMITS = BundleLimits()


@dataclass(frozen=True)
class BundleInfo:
    """What an upload turned out to be: a sound bundle (with its manifest) or an opaque file."""

    is_bundle: bool
    manifest: dict[str, Any] | None
    type: str
    name: str | None


OPAQUE = BundleInfo(is_bundle=False, manifest=None, type="session", name=None)


def inspect_upload(path: Path, *, limits: BundleLimits = _DEFAULT_LIMITS) -> BundleInfo:
    """Classify the file at `path`; raise `Invalid` if it is a bundle that is not sound."""
    with open_zip(path, limits) as archive:
        if archive is None or MANIFEST_NAME not in archive.NameToInfo:
            return OPAQUE
        entries = archive.infolist()
        check_entries(entries, limits, path.stat().st_size)
        manifest = parse_manifest(read_capped(archive, MANIFEST_NAME, limits.max_manifest_bytes))
        validate_manifest(manifest)
        _check_named_files(manifest, archive)
        verify_members(archive, entries, limits)
    return BundleInfo(is_bundle=True, manifest=manifest, type=manifest["type"],
                      name=manifest["name"])


def read_manifest(path: Path, *, limits: BundleLimits = _DEFAULT_LIMITS) -> dict[str, Any] | None:
    """The manifest of a stored file, or None for an opaque file (parsed, not re-validated)."""
    with open_zip(path, limits) as archive:
        if archive is None or MANIFEST_NAME not in archive.NameToInfo:
            return None
        return parse_manifest(read_capped(archive, MANIFEST_NAME, limits.max_manifest_bytes))


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
                       message=f"the bundle has no member {shown(name)}") from exc
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
                      f"{clip(error.message)} (schema: {schema_path})")
    started = parse_instant(manifest.get("started") or "")
    finished = parse_instant(manifest.get("finished") or "")
    if started is not None and finished is not None and finished < started:
        raise Invalid(rule="manifest_invalid",
                      message="manifest.json is invalid at finished: it is before started")


def _check_named_files(manifest: dict[str, Any], archive: zipfile.ZipFile) -> None:
    """Every file the timeline names is a safe path to a file member of the zip."""
    for index, item in enumerate(manifest.get("timeline", [])):
        name = item.get("file")
        if name is None:
            continue
        reason = unsafe_reason(name)
        if reason is not None:
            raise Invalid(rule="bundle_unsafe_path",
                          message=f"timeline[{index}].file {shown(name)} {reason}")
        info = archive.NameToInfo.get(name)
        if info is None or info.is_dir():
            raise Invalid(rule="bundle_missing_file",
                          message=f"timeline[{index}].file names {shown(name)}, which is not "
                          "in the bundle")
