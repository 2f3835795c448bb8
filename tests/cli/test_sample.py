"""Sample data: generated bundles the store accepts, and `xray-sync sample`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from store.api import Store
from store.views import SessionQuery
from sync.cli.sample import SAMPLES, make_bundle, seed_sample, tiny_png
from sync.config import load_config
from sync.wiring import open_store
from tests.cli.conftest import Cli


def _store(tmp_path: Path) -> Store:
    return open_store(load_config(env={"XRAY_SYNC_HOME": str(tmp_path / "home")}))


def test_make_bundle_holds_a_manifest_and_the_evidence_it_names() -> None:
    """The bundle's manifest names its screenshot, which is in the zip and is a PNG."""
    with zipfile.ZipFile(io.BytesIO(make_bundle("X", defect="Boom"))) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        files = [item["file"] for item in manifest["timeline"] if "file" in item]
        assert files == ["evidence/0001.png"]
        assert bundle.read(files[0]) == tiny_png()
    assert manifest["format"] == "xea-session/1"
    assert [i["defect"]["summary"] for i in manifest["timeline"] if "defect" in i] == ["Boom"]


def test_the_store_takes_a_generated_charter_as_a_charter(tmp_path: Path) -> None:
    """A generated charter bundle is imported with type and name from its manifest."""
    store = _store(tmp_path)
    store.add_user("zoe")
    made = store.import_session("zoe", "zoe", io.BytesIO(make_bundle("Mission", kind="charter")))
    assert (made.type, made.name) == ("charter", "Mission")


def test_seed_sample_adds_users_workspace_and_sessions(tmp_path: Path) -> None:
    """alice is admin, qa-team has bob and carol, every sample is there, bob's is locked by bob."""
    store = _store(tmp_path)
    added = seed_sample(store)
    assert added.users == ["alice", "bob", "carol"] and added.workspaces == ["qa-team"]
    assert {u.name: u.role for u in store.list_users()} == {
        "alice": "admin", "bob": "user", "carol": "user"}
    team = next(ws for ws in store.list_workspaces("alice") if ws.name == "qa-team")
    assert sorted(team.members) == ["alice", "bob", "carol"]
    items = store.list_sessions("alice", SessionQuery(limit=100)).items
    assert sorted(s.name for s in items) == sorted(s.name for s in SAMPLES)
    modes = {s.mode for s in items}
    types = {s.type for s in items}
    assert modes == {"standalone", "xray"} and types == {"session", "charter"}
    locked = [(s.name, s.lock.holder) for s in items if s.lock is not None]
    assert locked == [("Login rate limiting", "bob")]
    assert max(s.version for s in items) == 2


def test_seed_sample_twice_adds_nothing(tmp_path: Path) -> None:
    """A second seeding adds no user, workspace or session."""
    store = _store(tmp_path)
    seed_sample(store)
    again = seed_sample(store)
    assert again.to_json() == {"users": [], "workspaces": [], "sessions": []}
    assert len(store.list_sessions("alice", SessionQuery(limit=100)).items) == len(SAMPLES)


def test_sample_command_seeds_and_lists(xs: Cli) -> None:
    """`xray-sync sample` on a fresh store prints what it added and the panel's table."""
    xs.ok("init")
    out = xs.ok("sample").stdout.splitlines()
    assert out[0] == f"added 3 users, 1 workspaces, {len(SAMPLES)} sessions"
    assert out[2].split()[:2] == ["Mode", "Name"]
    assert len(out) == 3 + len(SAMPLES) + 1
    data = xs.json("sample")
    assert data["added"] == {"users": [], "workspaces": [], "sessions": []}
    assert len(data["sessions"]) == len(SAMPLES)
