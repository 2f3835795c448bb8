"""The FastAPI application: the HTTP API, the webhooks and the web console, on one store.

`create_app(config, store, sync)` wires the routers, translates every error to the
shape `{"error": {"code", "message"}}` in one place (`_install_error_handlers`),
and is what the daemon serves with uvicorn.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from store.api import Store
from store.errors import StoreError
from sync.api import console, hooks, routes_misc, routes_sessions, routes_users
from sync.api.context import ApiContext
from sync.api.errors import ApiError, error_body, status_for, store_error_body
from sync.api.limits import BodyGuard
from sync.api.sync_policy import SyncBudget
from sync.config import Config
from sync.control import SyncControl

log = logging.getLogger(__name__)

_HTTP_CODES = {401: "unauthenticated", 403: "permission_denied", 404: "not_found",
               409: "conflict", 423: "locked", 503: "unavailable"}


def create_app(
    config: Config,
    store: Store,
    sync: SyncControl | None = None,
    *,
    jira_ping: Callable[[], bool] | None = None,
) -> FastAPI:
    """The whole HTTP surface. `jira_ping` (optional) tells `/healthz` whether Jira answers."""
    app = FastAPI(
        title="xray-sync",
        version="1",
        summary="Exploratory sessions of the Xray Exploratory App, kept in step with Jira/Xray.",
        docs_url=None,
        redoc_url=None,
    )
    budget = SyncBudget(config.sync.request_burst, config.sync.request_interval_seconds)
    store = store.via("api")  # the console's requests are API requests too
    app.state.ctx = ApiContext(config=config, store=store, sync=sync, jira_ping=jira_ping,
                               sync_budget=budget)
    # no body is read before its sender is known and allowed, nor past its route's limit
    app.add_middleware(BodyGuard, store=store, upload_bytes=store.settings.max_upload_bytes,
                       hook_bytes=config.webhooks.max_body_kb * 1024)
    _install_error_handlers(app)
    app.include_router(routes_misc.router)
    app.include_router(routes_sessions.router)
    app.include_router(routes_users.router)
    app.include_router(hooks.router)
    console.mount(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse(store_error_body(exc), status_code=status_for(exc.code))

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return JSONResponse(error_body(exc.code, exc.message, exc.rule), exc.status,
                            {**headers, **exc.headers})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid", _describe(exc.errors()), "request_schema"), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "invalid")
        message = exc.detail if isinstance(exc.detail, str) else "the request was refused"
        return JSONResponse(error_body(code, message), exc.status_code, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # a bug or a failure nobody foresaw: logged once with an id the answer quotes
        request_id = uuid.uuid4().hex[:16]
        log.error("unexpected error, request %s: %s %s", request_id, request.method,
                  request.url.path, exc_info=exc)
        message = f"an unexpected error happened; quote request id {request_id} [internal]"
        return JSONResponse(error_body("internal", message, "internal"), 500,
                            {"X-Request-Id": request_id})

    @app.exception_handler(OperationalError)
    async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse(error_body("unavailable", "the database is unavailable"), 503)


def _describe(errors: Any) -> str:
    """One line naming the first invalid part of the request."""
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        return f"{where or 'request'}: {error.get('msg', 'invalid')} [request_schema]"
    return "the request is invalid [request_schema]"
