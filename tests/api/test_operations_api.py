"""Sync on demand, health, metrics, OpenAPI, the console page and the error shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from store.api import Store, StoreSettings
from sync.api import create_app
from tests.api.conftest import World, build_world, make_config


def test_sync_request_is_accepted_and_passed_on(world: World) -> None:
    """POST /sync answers 202 and hands the session id to the sync engine."""
    session = world.upload()
    response = world.client.post("/api/v1/sync", headers=world.auth("bob"),
                                 json={"session": session["id"]})
    assert response.status_code == 202
    assert world.sync.requests == [session["id"]]


def test_sync_of_everything(world: World) -> None:
    """POST /sync without a session asks for a sync of all."""
    response = world.client.post("/api/v1/sync", headers=world.auth("alice"), json={})
    assert response.status_code == 202
    assert world.sync.requests == [None]


def test_a_reconcile_is_passed_on(world: World) -> None:
    """POST /sync with reconcile asks for the deletion listing with the cycle."""
    response = world.client.post("/api/v1/sync", headers=world.auth("alice"),
                                 json={"reconcile": True})
    assert response.status_code == 202
    assert (world.sync.requests, world.sync.reconciles) == ([None], [True])


def test_a_dry_run_answers_the_plan_and_asks_for_no_sync(world: World) -> None:
    """POST /sync with dry_run answers 200 with the engine's plan; no sync is requested."""
    session = world.upload()
    response = world.client.post("/api/v1/sync", headers=world.auth("bob"),
                                 json={"session": session["id"], "dry_run": True,
                                       "reconcile": True})
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert (world.sync.plans, world.sync.requests) == ([(session["id"], True)], [])


def test_a_dry_run_of_a_session_the_caller_cannot_see_is_refused(world: World) -> None:
    """Carol cannot plan a session outside her workspaces; no plan is made."""
    session = world.upload()
    response = world.client.post("/api/v1/sync", headers=world.auth("carol"),
                                 json={"session": session["id"], "dry_run": True})
    assert response.status_code in (403, 404)
    assert world.sync.plans == []


def test_sync_of_a_session_the_caller_cannot_see_is_refused(world: World) -> None:
    """Carol cannot ask for a sync of a session outside her workspaces; nothing is asked."""
    session = world.upload()
    response = world.client.post("/api/v1/sync", headers=world.auth("carol"),
                                 json={"session": session["id"]})
    assert response.status_code in (403, 404)
    assert world.sync.requests == []


def test_sync_status_comes_from_the_engine(world: World) -> None:
    """GET /sync/status is the engine's own status."""
    response = world.client.get("/api/v1/sync/status", headers=world.auth("alice"))
    assert response.json() == {"running": True, "requests": 0}


def test_without_an_engine_sync_is_unavailable(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """With no sync engine attached, sync and its status are 503 `unavailable`."""
    engine, tokens = populated
    app = create_app(make_config(tmp_path), Store(engine, StoreSettings(home=tmp_path)), None)
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {tokens['alice']}"}
    post = client.post("/api/v1/sync", headers=auth, json={})
    get = client.get("/api/v1/sync/status", headers=auth)
    assert (post.status_code, get.status_code) == (503, 503)
    assert post.json()["error"]["code"] == "unavailable"


def test_healthz_reports_store_and_jira(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """/healthz is 200 `ok` when the store and Jira answer, and 200 `degraded` naming Jira
    when Jira does not (the instance still serves; the outbox waits)."""
    engine, _tokens = populated
    store = Store(engine, StoreSettings(home=tmp_path))
    up = TestClient(create_app(make_config(tmp_path), store, None, jira_ping=lambda: True))
    down = TestClient(create_app(make_config(tmp_path), store, None, jira_ping=lambda: False))
    assert up.get("/healthz").json() == {"status": "ok", "checks": {"store": "ok", "jira": "ok"}}
    response = down.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded",
                               "checks": {"store": "ok", "jira": "unavailable"}}


def test_healthz_fails_when_the_store_is_gone(tmp_path: Path) -> None:
    """A store whose database cannot be opened makes /healthz answer 503."""
    from store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    app = create_app(make_config(tmp_path), Store(engine, StoreSettings(home=tmp_path)), None)
    response = TestClient(app).get("/healthz")
    assert (response.status_code, response.json()["checks"]["store"]) == (503, "unavailable")


def test_metrics_show_locks_held_and_outbox_depth(world: World) -> None:
    """/metrics is Prometheus text with the locks held and the outbox depth read now."""
    session = world.upload(mode="xray", project="QA")
    world.client.post(f"/api/v1/sessions/{session['id']}/open", headers=world.auth("bob"))
    response = world.client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "xray_sync_locks_held 1.0" in lines
    depth = next(line for line in lines if line.startswith("xray_sync_outbox_depth "))
    assert float(depth.split()[1]) >= 1.0
    assert any(line.startswith("# TYPE xray_sync_cycles_total counter") for line in lines)


def test_openapi_lists_every_endpoint_of_the_design(world: World) -> None:
    """/openapi.json names every endpoint of docs/design.md section 6 with its method."""
    paths = world.client.get("/openapi.json").json()["paths"]
    wanted = {
        ("get", "/api/v1/me"), ("get", "/api/v1/workspaces"),
        ("get", "/api/v1/workspaces/{ws}/sessions"), ("post", "/api/v1/workspaces/{ws}/sessions"),
        ("get", "/api/v1/sessions/{session_id}"),
        ("get", "/api/v1/sessions/{session_id}/download"),
        ("get", "/api/v1/sessions/{session_id}/history"),
        ("put", "/api/v1/sessions/{session_id}/content"),
        ("delete", "/api/v1/sessions/{session_id}"),
        ("post", "/api/v1/sync"), ("get", "/api/v1/sync/status"),
        ("post", "/hooks/jira"), ("post", "/hooks/automation"),
        ("get", "/healthz"), ("get", "/metrics"),
    } | {("post", f"/api/v1/sessions/{{session_id}}/{op}") for op in (
        "revert", "open", "close", "unlock", "restore", "connect", "disconnect", "rename",
        "duplicate", "move")}
    have = {(method, path) for path, ops in paths.items() for method in ops}
    assert wanted <= have


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("get", "/api/v1/nothing-here", 404, "not_found"),
    ("patch", "/api/v1/me", 405, "invalid"),
    ("post", "/api/v1/sessions/x/rename", 422, "invalid"),
])
def test_framework_errors_have_the_api_error_shape(
    world: World, method: str, path: str, status: int, code: str
) -> None:
    """Unknown routes, wrong methods and schema errors all answer {"error": {code, message}}."""
    response = world.client.request(method, path, headers=world.auth("alice"), json={"x": 1})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_console_page_is_served_with_a_strict_policy(world: World) -> None:
    """/ serves the panel's page, with a CSP that forbids inline script and framing."""
    response = world.client.get("/")
    assert response.status_code == 200
    assert "<table id=\"sessions\">" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert world.client.get("/static/console.js").status_code == 200


def test_errors_never_carry_the_token(world: World) -> None:
    """A bad token is refused without echoing it back."""
    response = world.client.get("/api/v1/me", headers={"Authorization": "Bearer s3cr3t-t0ken"})
    assert "s3cr3t-t0ken" not in response.text


def test_build_world_tokens_are_distinct(populated: tuple[Engine, dict[str, str]],
                                         tmp_path: Path) -> None:
    """Each user's token signs in as that user."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path)
    names = [world.client.get("/api/v1/me", headers=world.auth(u)).json()["name"]
             for u in ("alice", "bob", "carol", "root")]
    assert names == ["alice", "bob", "carol", "root"]
