"""The web console at `/`: the seed's session panel, server-rendered, with a little vanilla JS.

The page itself holds no data: the script signs in with a user's token (kept in
sessionStorage) and calls the same `/api/v1` endpoints as any client; what a row
offers comes from the API's `allowed_actions`, computed by the store's rules.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "templates" / "console.html"

# security headers of the console: no framing, no inline script, same-origin API only
CONSOLE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def _page() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def mount(app: FastAPI) -> None:
    """Serve the console page at `/` and its script and styles under `/static`."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def console_page() -> HTMLResponse:
        return HTMLResponse(_page(), headers=CONSOLE_HEADERS)
