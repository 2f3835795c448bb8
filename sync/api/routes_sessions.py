"""`/api/v1/workspaces/{ws}/sessions` and `/api/v1/sessions/{id}/...`: the panel's operations.

Each route reads its input, calls ONE store operation as the signed-in user, and
returns the store's view as JSON; the store checks every rule. Uploads and
downloads stream: an upload is spooled by the multipart parser (to disk past
1 MiB) and handed to the store as a stream; a download streams the blob in chunks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO, Literal, cast

from fastapi import APIRouter, Body, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from store.views import DownloadOut, SessionQuery, iso
from sync.api.context import Ctx, CurrentUser
from sync.api.disposition import content_disposition

router = APIRouter(prefix="/api/v1", tags=["sessions"])

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1 << 20  # bytes kept in memory before a PUT body spills to disk

SessionType = Literal["session", "charter"]
ModeName = Literal["standalone", "xray"]
Json = dict[str, Any]


@router.get("/workspaces/{ws}/sessions")
def list_sessions(
    ctx: Ctx,
    user: CurrentUser,
    ws: str,
    type: SessionType | None = None,
    mode: ModeName | None = None,
    owner: str | None = None,
    q: Annotated[str | None, Query(max_length=255)] = None,
    sort: Annotated[str, Query(max_length=32)] = "-modified",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    trashed: bool = False,
) -> JSONResponse:
    """One page of a workspace's sessions, filtered and sorted; `next_cursor` for the next page."""
    query = SessionQuery(
        workspace=ws, type=type, mode=mode, owner=owner, name=q, sort=sort, limit=limit,
        cursor=cursor, trashed=trashed,
    )
    page = ctx.store.list_sessions(user.name, query)
    members = ctx.member_of(user)
    memo: dict[tuple[object, ...], list[str]] = {}
    # plain JSON-safe dicts: answered as they are, without FastAPI's re-encoding pass
    return JSONResponse({
        "items": [ctx.session_json(user, s, members, memo) for s in page.items],
        "next_cursor": page.next_cursor,
    })


@router.post("/workspaces/{ws}/sessions", status_code=201)
def upload_session(
    ctx: Ctx,
    user: CurrentUser,
    ws: str,
    file: Annotated[UploadFile, File(description="the session file (a bundle or any file)")],
    name: Annotated[str | None, Form()] = None,
    mode: Annotated[ModeName, Form()] = "standalone",
    project: Annotated[str | None, Form(max_length=64)] = None,
) -> Json:
    """Import a session file into a workspace; the uploader becomes its owner."""
    session = ctx.store.import_session(
        user.name, ws, file.file, filename=file.filename, name=name, mode=mode, project=project
    )
    return ctx.session_json(user, session)


@router.get("/sessions/{session_id}")
def show_session(ctx: Ctx, user: CurrentUser, session_id: str) -> JSONResponse:
    """One session, with the options the caller may use on it."""
    return JSONResponse(ctx.session_json(user, ctx.store.show(user.name, session_id)))


@router.get("/sessions/{session_id}/download")
def download_session(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> StreamingResponse:
    """The session file (the last saved version, or `version`), streamed."""
    return _stream(ctx.store.download(user.name, session_id, version))


@router.post("/sessions/{session_id}/download-link")
def download_link(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    version: Annotated[int | None, Body(embed=True, ge=1)] = None,
) -> Json:
    """A short-lived, single-use URL of the file that needs no token (a browser saves it)."""
    link = ctx.store.issue_download_link(user.name, session_id, version)
    return {"url": f"/api/v1/downloads/{link.token}", "expires_at": iso(link.expires_at)}


@router.get("/downloads/{token}")
def redeem_download_link(
    ctx: Ctx, token: Annotated[str, Path(max_length=128)]
) -> StreamingResponse:
    """The file a download link names, once, within its lifetime; no Authorization needed."""
    return _stream(ctx.store.redeem_download_link(token))


def _stream(download: DownloadOut) -> StreamingResponse:
    headers = {
        "Content-Disposition": content_disposition(download.filename),
        "Content-Length": str(download.size),
        "ETag": f'"{download.digest}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }
    return StreamingResponse(
        _chunks(download.open()), media_type="application/octet-stream", headers=headers
    )


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


@router.get("/sessions/{session_id}/history")
def session_history(ctx: Ctx, user: CurrentUser, session_id: str) -> list[Json]:
    """Every kept version of the session file, newest first as the store gives them."""
    return [v.to_json() for v in ctx.store.history(user.name, session_id)]


@router.post("/sessions/{session_id}/revert")
def revert_session(
    ctx: Ctx, user: CurrentUser, session_id: str, version: Annotated[int, Body(embed=True, ge=1)]
) -> Json:
    """Make an earlier version the current one (as a new version)."""
    return ctx.session_json(user, ctx.store.revert(user.name, session_id, version))


@router.post("/sessions/{session_id}/open")
def open_session(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Continue in desktop app: take the lock; the answer carries the desktop link."""
    result = ctx.store.open(user.name, session_id)
    body = ctx.session_json(user, result.session)
    body["desktop_link"] = result.desktop_link
    body["lock_epoch"] = result.lock_epoch
    return body


@router.post("/sessions/{session_id}/close")
def close_session(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Release the caller's own lock."""
    return ctx.session_json(user, ctx.store.close(user.name, session_id))


@router.post("/sessions/{session_id}/unlock")
def unlock_session(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Unlock: the lock holder, or an admin."""
    return ctx.session_json(user, ctx.store.unlock(user.name, session_id))


@router.post("/sessions/{session_id}/restore")
def restore_session(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Bring a session back from the trash."""
    return ctx.session_json(user, ctx.store.restore(user.name, session_id))


@router.post("/sessions/{session_id}/connect")
def connect_session(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    project: Annotated[str | None, Body(embed=True, max_length=64)] = None,
) -> Json:
    """Make a standalone session Xray-connected (pushed at the next sync)."""
    return ctx.session_json(user, ctx.store.connect(user.name, session_id, project))


@router.post("/sessions/{session_id}/disconnect")
def disconnect_session(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Make an Xray-connected session standalone; the Jira issue is left in place."""
    return ctx.session_json(user, ctx.store.disconnect(user.name, session_id))


@router.put("/sessions/{session_id}/content")
async def save_content(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    request: Request,
    lock_epoch: Annotated[int | None, Header(alias="X-Lock-Epoch", ge=0)] = None,
) -> Json:
    """Save new content (the raw request body) under the caller's lock.

    `X-Lock-Epoch` (the `lock_epoch` that `open` answered) lets the store tell a save
    under a lock an admin broke meanwhile: it is kept as a conflicted copy, never lost.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed below
    try:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        stream = cast(BinaryIO, spool)
        session = await run_in_threadpool(
            lambda: ctx.store.save(user.name, session_id, stream, lock_epoch=lock_epoch)
        )
    finally:
        spool.close()
    return await run_in_threadpool(ctx.session_json, user, session)


@router.post("/sessions/{session_id}/rename")
def rename_session(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    name: Annotated[str, Body(embed=True)],
    row_version: Annotated[int | None, Body(embed=True)] = None,
) -> Json:
    """Rename (the owner); `row_version` refuses a rename based on a stale view."""
    session = ctx.store.rename(user.name, session_id, name, expected_row_version=row_version)
    return ctx.session_json(user, session)


@router.post("/sessions/{session_id}/duplicate", status_code=201)
def duplicate_session(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    workspace: Annotated[str, Body(embed=True)],
    name: Annotated[str | None, Body(embed=True)] = None,
) -> Json:
    """Duplicate to: a copy (last saved version) in a workspace the caller is a member of."""
    return ctx.session_json(user, ctx.store.duplicate(user.name, session_id, workspace, name))


@router.post("/sessions/{session_id}/move")
def move_session(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    workspace: Annotated[str, Body(embed=True)],
    keep_original: Annotated[bool, Body(embed=True)] = False,
    name: Annotated[str | None, Body(embed=True)] = None,
) -> Json:
    """Move to another workspace (or copy there and keep the original); `name` renames it."""
    session = ctx.store.move(user.name, session_id, workspace, keep_original=keep_original,
                             name=name)
    return ctx.session_json(user, session)


@router.post("/sessions/{session_id}/reassign")
def reassign_session(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str,
    owner: Annotated[str, Body(embed=True, max_length=255)],
) -> Json:
    """Hand the session to another member of its workspace (admins only)."""
    return ctx.session_json(user, ctx.store.reassign(user.name, session_id, owner))


@router.delete("/sessions/{session_id}")
def delete_session(ctx: Ctx, user: CurrentUser, session_id: str) -> Json:
    """Move the session to the trash."""
    return ctx.session_json(user, ctx.store.delete(user.name, session_id))
