"""Reading through the API (auth, workspaces, upload, listing, show, download), allowed and
refused, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from sync.config import JiraConfig
from tests.api.conftest import World, build_world


def _state(world: World, session_id: str) -> dict[str, Any]:
    """The session as the store sees it, for "nothing changed" checks."""
    return world.store.show("alice", session_id).to_json()


def _post(world: World, user: str, path: str, body: Any = None) -> Any:
    return world.client.post(path, headers=world.auth(user), json=body)


# ---- authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YWxpY2U6eA=="},
     {"Authorization": "Bearer "}],
)
def test_requests_without_a_valid_token_are_unauthenticated(
    world: World, headers: dict[str, str]
) -> None:
    """No token, an unknown token or another scheme gets 401 `unauthenticated`."""
    response = world.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_me_names_the_token_owner(world: World) -> None:
    """`/me` answers the user of the token and the workspaces they are a member of."""
    body = world.client.get("/api/v1/me", headers=world.auth("bob")).json()
    assert (body["name"], body["member_of"]) == ("bob", ["bob", "qa-team"])


def test_workspaces_are_the_callers(world: World) -> None:
    """A user lists their personal and team workspaces; an admin lists all."""
    carol = world.client.get("/api/v1/workspaces", headers=world.auth("carol")).json()
    root = world.client.get("/api/v1/workspaces", headers=world.auth("root")).json()
    assert [w["name"] for w in carol] == ["carol"]
    assert {w["name"] for w in root} == {"alice", "bob", "carol", "root", "qa-team", "qa-archive"}
    assert {"name": "qa-team", "kind": "team", "owner": None, "members": ["alice", "bob"]} in root


# ---- upload ---------------------------------------------------------------------------


def test_upload_makes_the_uploader_owner(world: World) -> None:
    """A multipart upload creates a session owned by the uploader, with the file's size."""
    session = world.upload("bob", data=b"x" * 1000, name="Login flows")
    assert (session["owner"], session["name"], session["size"], session["workspace"]) == (
        "bob", "Login flows", 1000, "qa-team",
    )


def test_upload_by_a_non_member_is_refused_and_stores_nothing(world: World) -> None:
    """Uploading into a workspace one is not a member of is 403 and lists nothing after."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("carol"),
        files={"file": ("a.xea", io.BytesIO(b"data"), "application/octet-stream")},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert world.store.list_sessions("alice").items == []


@pytest.mark.parametrize(
    ("fields", "rule"),
    [({"name": "   "}, "name_empty"), ({"name": "x" * 256}, "name_too_long"),
     ({"name": "bad\u0007name"}, "name_control_characters")],
)
def test_upload_with_bad_fields_is_invalid_and_stores_nothing(
    world: World, fields: dict[str, str], rule: str
) -> None:
    """A bad name is 422 naming the rule; nothing stored."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"),
        files={"file": ("a.xea", io.BytesIO(b"data"), "application/octet-stream")}, data=fields,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert rule in response.json()["error"]["message"] or response.json()["error"]["rule"] == rule
    assert world.store.list_sessions("alice").items == []


def test_an_xray_upload_without_a_project_goes_to_the_configured_project(world: World) -> None:
    """An xray upload naming no project is linked to `[jira] project`, as the CLI's import
    is (the API refused it with `project_required` before)."""
    session = world.upload(mode="xray")
    assert (session["mode"], session["link"]["project"]) == ("xray", "QA")


def test_an_xray_upload_without_any_project_is_invalid(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """With no `[jira] project` configured, an xray upload naming none is 422
    `project_required` and nothing is stored."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path, jira=JiraConfig(project=""))
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"),
        files={"file": ("a.xea", io.BytesIO(b"data"), "application/octet-stream")},
        data={"mode": "xray"},
    )
    assert (response.status_code, response.json()["error"]["rule"]) == (422, "project_required")
    assert world.store.list_sessions("alice").items == []


def test_upload_without_a_file_part_is_invalid(world: World) -> None:
    """A multipart body without the `file` part is 422 `invalid` in the API's error shape."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"), data={"name": "x"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_xray_upload_gets_a_pending_link(world: World) -> None:
    """An upload in xray mode with a project is linked, pending its first push."""
    session = world.upload(mode="xray", project="QA")
    assert (session["mode"], session["link"]["project"], session["link"]["state"]) == (
        "xray", "QA", "pending",
    )


# ---- listing --------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(world: World) -> None:
    """The listing filters by name, sorts by a column, and pages with an opaque cursor."""
    for name in ("beta run", "alpha run", "gamma", "delta run"):
        world.upload(name=name)
    url = "/api/v1/workspaces/qa-team/sessions?q=run&sort=name&limit=2"
    first = world.client.get(url, headers=world.auth("bob")).json()
    second = world.client.get(
        f"{url}&cursor={first['next_cursor']}", headers=world.auth("bob")
    ).json()
    assert [s["name"] for s in first["items"] + second["items"]] == [
        "alpha run", "beta run", "delta run",
    ]
    assert second["next_cursor"] is None


def test_list_filters_by_owner_and_mode(world: World) -> None:
    """`owner` and `mode` narrow the listing."""
    world.upload("alice", name="a")
    world.upload("bob", name="b", mode="xray", project="QA")
    by_owner = world.client.get(
        "/api/v1/workspaces/qa-team/sessions?owner=bob", headers=world.auth("alice")).json()
    by_mode = world.client.get(
        "/api/v1/workspaces/qa-team/sessions?mode=standalone", headers=world.auth("alice")).json()
    assert [s["name"] for s in by_owner["items"]] == ["b"]
    assert [s["name"] for s in by_mode["items"]] == ["a"]


def test_list_of_a_workspace_one_is_not_member_of_is_refused(world: World) -> None:
    """A non-member cannot list a team workspace."""
    world.upload()
    response = world.client.get("/api/v1/workspaces/qa-team/sessions", headers=world.auth("carol"))
    assert response.status_code in (403, 404)
    assert "items" not in response.json()


@pytest.mark.parametrize("query", ["sort=bogus", "limit=0", "limit=100000", "cursor=garbage",
                                   "type=movie", "mode=cloud"])
def test_list_with_bad_parameters_is_invalid(world: World, query: str) -> None:
    """Unknown sort fields, out-of-range limits, foreign cursors and bad enums are 422."""
    world.upload()
    response = world.client.get(
        f"/api/v1/workspaces/qa-team/sessions?{query}", headers=world.auth("alice"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_rows_carry_the_options_the_rules_allow(world: World) -> None:
    """The owner is offered the owner's options; a member who is not owner only open/history."""
    session = world.upload()
    owner = world.client.get(f"/api/v1/sessions/{session['id']}", headers=world.auth("alice"))
    member = world.client.get(f"/api/v1/sessions/{session['id']}", headers=world.auth("bob"))
    assert set(owner.json()["allowed_actions"]) >= {
        "open", "duplicate", "download", "rename", "delete", "move"}
    assert "unlock" not in owner.json()["allowed_actions"]
    assert member.json()["allowed_actions"] == ["open", "history"]


# ---- show / download ------------------------------------------------------------------


def test_show_unknown_id_is_not_found(world: World) -> None:
    """An unknown session id is 404 `not_found`."""
    response = world.client.get("/api/v1/sessions/doesnotexist", headers=world.auth("alice"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_show_by_a_non_member_is_refused(world: World) -> None:
    """A user outside the session's workspace cannot see it."""
    session = world.upload()
    response = world.client.get(f"/api/v1/sessions/{session['id']}", headers=world.auth("carol"))
    assert response.status_code in (403, 404)


def test_download_streams_the_file_with_a_safe_name(world: World) -> None:
    """The owner downloads the exact bytes, with a Content-Disposition that carries no path."""
    data = bytes(range(256)) * 1000
    session = world.upload(name='../evil "name"', data=data)
    response = world.client.get(
        f"/api/v1/sessions/{session['id']}/download", headers=world.auth("alice"))
    assert response.status_code == 200
    assert response.content == data
    disposition = response.headers["content-disposition"]
    assert "/" not in disposition.split("filename*=")[0].replace("filename=", "")
    assert disposition.count('"') == 2
    assert "filename*=UTF-8''" in disposition


def test_download_is_named_with_the_current_name_and_the_imported_extension(world: World) -> None:
    """An upload `random.bin`, renamed `Kept`, downloads as `Kept.bin`."""
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"),
        files={"file": ("random.bin", io.BytesIO(b"\x00opaque"), "application/octet-stream")})
    assert response.status_code == 201, response.text
    world.store.rename("alice", response.json()["id"], "Kept")
    answer = world.client.get(
        f"/api/v1/sessions/{response.json()['id']}/download", headers=world.auth("alice"))
    assert 'filename="Kept.bin"' in answer.headers["content-disposition"]


def test_download_by_a_member_who_is_not_owner_is_refused(world: World) -> None:
    """Only the owner downloads: a member gets 403 and no bytes."""
    session = world.upload()
    response = world.client.get(
        f"/api/v1/sessions/{session['id']}/download", headers=world.auth("bob"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_download_of_an_unknown_version_is_not_found(world: World) -> None:
    """A version that does not exist is 404."""
    session = world.upload()
    response = world.client.get(
        f"/api/v1/sessions/{session['id']}/download?version=9", headers=world.auth("alice"))
    assert response.status_code == 404


def test_an_upload_far_over_the_limit_is_refused_while_it_arrives(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """A body past the upload limit (plus multipart slack) is 413 naming the rule, nothing kept."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path, max_upload_bytes=1000)
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"),
        files={"file": ("big.xea", io.BytesIO(b"x" * (2 << 20)), "application/octet-stream")})
    assert (response.status_code, response.json()["error"]["rule"]) == (413, "upload_too_large")
    assert world.store.list_sessions("alice").items == []


def test_an_upload_just_over_the_limit_is_refused_by_the_store(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """A file over the store's limit but within the slack is refused by the store: 422."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path, max_upload_bytes=1000)
    response = world.client.post(
        "/api/v1/workspaces/qa-team/sessions", headers=world.auth("alice"),
        files={"file": ("big.xea", io.BytesIO(b"x" * 5000), "application/octet-stream")})
    assert (response.status_code, response.json()["error"]["rule"]) == (422, "upload_too_large")
    assert world.store.list_sessions("alice").items == []


def test_a_chunked_body_over_the_limit_is_refused(
    populated: tuple[Engine, dict[str, str]], tmp_path: Path
) -> None:
    """A body with no Content-Length is counted as it arrives and refused past the limit."""
    engine, tokens = populated
    world = build_world(engine, tokens, tmp_path, max_upload_bytes=1000)
    session = world.upload(data=b"small")
    world.client.post(f"/api/v1/sessions/{session['id']}/open", headers=world.auth("alice"))

    def chunks() -> Any:
        for _ in range(40):
            yield b"y" * 65536

    response = world.client.put(f"/api/v1/sessions/{session['id']}/content",
                                headers=world.auth("alice"), content=chunks())
    assert (response.status_code, response.json()["error"]["rule"]) == (413, "upload_too_large")
    assert world.store.show("alice", session["id"]).version == 1
