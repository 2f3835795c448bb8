"""The manifest schema: generated valid manifests pass, each kind of mutation of them fails."""

from __future__ import annotations

import copy
import json
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from store.bundle import SCHEMA_PATH, inspect_upload, validate_manifest
from store.errors import Invalid

Manifest = dict[str, Any]

OFFSETS = [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))]
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from(OFFSETS),
).map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
names = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=255)
categories = st.sampled_from(["Problem", "Question", "Concern", "Idea", "Comment"])
paths = st.from_regex(r"evidence/[a-z0-9]{1,8}\.(png|webm|ogg)", fullmatch=True)
jira_keys = st.from_regex(r"[A-Z][A-Z0-9]{1,4}-[1-9][0-9]{0,4}", fullmatch=True)

notes = st.fixed_dictionaries(
    {"at": instants, "kind": st.just("note"), "text": texts}, optional={"category": categories}
)
media = st.fixed_dictionaries(
    {"at": instants, "kind": st.sampled_from(["screenshot", "video", "audio"]), "file": paths},
    optional={"text": texts, "category": categories},
)
issues = st.fixed_dictionaries(
    {"at": instants, "kind": st.just("issue"),
     "defect": st.fixed_dictionaries({"summary": names}, optional={"key": st.none() | jira_keys})},
    optional={"text": texts, "category": categories},
)


def in_order(manifest: Manifest) -> Manifest:
    """Swap started and finished if needed: a session cannot finish before it starts."""
    if "started" in manifest and "finished" in manifest:
        first, last = sorted([manifest["started"], manifest["finished"]],
                             key=lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")))
        manifest["started"], manifest["finished"] = first, last
    return manifest


def charter_has_mission(manifest: Manifest) -> Manifest:
    if manifest["type"] == "charter":
        manifest.setdefault("charter", "Explore the checkout")
    return manifest


manifests = st.fixed_dictionaries(
    {"format": st.just("xea-session/1"), "type": st.sampled_from(["session", "charter"]),
     "name": names},
    optional={
        "charter": texts,
        "tester": names,
        "started": instants,
        "finished": instants,
        "timebox_minutes": st.integers(1, 10080),
        "environments": st.lists(names, max_size=4, unique=True),
        "status": st.sampled_from(["PASSED", "FAILED", "TODO", "EXECUTING"]),
        "timeline": st.lists(notes | media | issues, max_size=6),
        "x-desktop-version": texts,
    },
).map(in_order).map(charter_has_mission)


def with_item(manifest: Manifest, change: Callable[[dict[str, Any]], None]) -> Manifest:
    """Append a note to the timeline and apply `change` to it."""
    item: dict[str, Any] = {"at": "2026-11-20T10:05:00Z", "kind": "note", "text": "seen"}
    change(item)
    manifest["timeline"] = [*manifest.get("timeline", []), item]
    return manifest


MUTATIONS: dict[str, Callable[[Manifest], Manifest]] = {
    "format missing": lambda m: {k: v for k, v in m.items() if k != "format"},
    "name missing": lambda m: {k: v for k, v in m.items() if k != "name"},
    "other format version": lambda m: m | {"format": "xea-session/2"},
    "unknown type": lambda m: m | {"type": "Session"},
    "empty name": lambda m: m | {"name": ""},
    "name of 256 characters": lambda m: m | {"name": "n" * 256},
    "name with a newline": lambda m: m | {"name": "two\nlines"},
    "unknown top-level key": lambda m: m | {"timline": []},
    "status in lower case": lambda m: m | {"status": "passed"},
    "timebox of zero": lambda m: m | {"timebox_minutes": 0},
    "timebox as text": lambda m: m | {"timebox_minutes": "60"},
    "repeated environment": lambda m: m | {"environments": ["staging", "staging"]},
    "date without offset": lambda m: m | {"started": "2026-11-20T10:00:00"},
    "finished before started": lambda m: m | {"started": "2026-11-20T11:00:00Z",
                                              "finished": "2026-11-20T10:00:00+00:00"},
    "charter without mission": lambda m: {k: v for k, v in m.items() if k != "charter"}
    | {"type": "charter"},
    "timeline not a list": lambda m: m | {"timeline": {"at": "2026-11-20T10:05:00Z"}},
    "unknown kind": lambda m: with_item(m, lambda i: i.update(kind="photo")),
    "unknown category": lambda m: with_item(m, lambda i: i.update(category="Bug")),
    "impossible date": lambda m: with_item(m, lambda i: i.update(at="2026-02-30T10:00:00Z")),
    "screenshot without file": lambda m: with_item(m, lambda i: i.update(kind="screenshot")),
    "issue without defect": lambda m: with_item(m, lambda i: i.update(kind="issue")),
    "note with a file": lambda m: with_item(m, lambda i: i.update(file="evidence/a.png")),
    "note without text": lambda m: with_item(m, lambda i: i.pop("text")),
    "defect with a bad key": lambda m: with_item(
        m, lambda i: i.update(kind="issue", defect={"summary": "s", "key": "qa-1"})),
    "unknown item key": lambda m: with_item(m, lambda i: i.update(severity="high")),
}


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    """manifest.schema.json is itself a valid JSON Schema of draft 2020-12."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@settings(max_examples=150, deadline=None)
@given(manifests)
def test_generated_valid_manifest_passes(manifest: Manifest) -> None:
    """Any manifest built by the rules of the format validates."""
    validate_manifest(manifest)


@settings(max_examples=30, deadline=None)
@given(manifests)
def test_generated_valid_bundle_is_accepted(manifest: Manifest) -> None:
    """A zip of a generated manifest and every file it names is accepted as that bundle."""
    named = {item["file"] for item in manifest.get("timeline", []) if "file" in item}
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / "session.xea"
        with zipfile.ZipFile(upload, "w") as archive:
            archive.writestr("manifest.json", json.dumps(manifest))
            for name in named:
                archive.writestr(name, name.encode())
        info = inspect_upload(upload)
    assert (info.is_bundle, info.manifest, info.name) == (True, manifest, manifest["name"])


@pytest.mark.parametrize("mutation", list(MUTATIONS), ids=list(MUTATIONS))
@settings(max_examples=20, deadline=None)
@given(manifest=manifests)
def test_mutated_manifest_fails(mutation: str, manifest: Manifest) -> None:
    """A valid manifest broken in one way is refused as manifest_invalid."""
    broken = MUTATIONS[mutation](copy.deepcopy(manifest))
    with pytest.raises(Invalid) as caught:
        validate_manifest(broken)
    assert caught.value.rule == "manifest_invalid"
    assert caught.value.message.startswith("manifest.json is invalid at ")
