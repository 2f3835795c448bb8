"""Fixtures of the console tests: the app served by uvicorn on 127.0.0.1 (a port the OS
picks), over a fresh SQLite store per test with a small panel of sessions, and Debian's
Chromium driven by Playwright."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from store.api import Store, StoreSettings
from store.db import make_engine, migrate
from store.sync_state import LinkBase, record_keys
from sync.api import create_app
from tests.api.conftest import FakeSync, make_config, populate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# screenshots land in docs/screenshots/ only when asked (XRAY_SYNC_SCREENSHOTS=1), so that
# an ordinary test run leaves the work tree clean
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("XRAY_SYNC_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "xray-sync-screenshots"
)


def charter_bundle(name: str) -> bytes:
    """A minimal charter bundle (a zip with a manifest)."""
    manifest = {"format": "xea-session/1", "type": "charter", "name": name,
                "charter": "Explore refunds of partial orders"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


@dataclass
class Panel:
    """A served app, its store, the users' tokens and the ids of the seeded sessions."""

    url: str
    store: Store
    tokens: dict[str, str]
    ids: dict[str, str]
    sync: FakeSync


def seed(store: Store) -> dict[str, str]:
    """The panel's sessions in qa-team: alice's four (one locked by bob), bob's one."""
    ids: dict[str, str] = {}

    def add(user: str, name: str, data: bytes, **kw: Any) -> None:
        ids[name] = store.import_session(user, "qa-team", io.BytesIO(data), name=name, **kw).id

    add("alice", "Checkout with expired cards", b"c" * 48213, mode="xray", project="QA")
    add("alice", "Login flows", b"l" * 1200)
    add("alice", "Payments", b"p" * 3000)
    add("alice", "Refunds mission", charter_bundle("Refunds mission"))
    add("bob", "Bob's notes", b"b" * 10)
    record_keys(store.engine, ids["Checkout with expired cards"], test="QA-16",
                test_execution="QA-17", base=LinkBase())
    store.open("bob", ids["Payments"])
    return ids


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A migrated, seeded store made once per module; each test serves a copy of it."""
    home = tmp_path_factory.mktemp("console-template")
    engine = make_engine(f"sqlite:///{home / 'store.db'}")
    migrate(engine)
    store = Store(engine, StoreSettings(home=home))
    tokens = populate(store)
    ids = seed(store)
    engine.dispose()
    return home, tokens, ids


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread cannot own signal handlers
        return None


@pytest.fixture
def panel(
    template: tuple[Path, dict[str, str], dict[str, str]], tmp_path: Path
) -> Iterator[Panel]:
    """The app over a copy of the seeded store, served on a loopback port the OS chose."""
    source, tokens, ids = template
    shutil.copytree(source, tmp_path / "home")
    home = tmp_path / "home"
    engine = make_engine(f"sqlite:///{home / 'store.db'}")
    store = Store(engine, StoreSettings(home=home))
    fake_sync = FakeSync()
    app = create_app(make_config(home), store, fake_sync)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle + delayed-ACK stall
    sock.bind(("127.0.0.1", 0))  # the listening socket exists before the thread: no waiting
    sock.listen(64)
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    yield Panel(f"http://127.0.0.1:{port}", store, tokens, ids, fake_sync)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page (its own sessionStorage)."""
    context = browser.new_context(viewport={"width": 1180, "height": 640}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def sign_in(page: Page, panel: Panel, user: str) -> None:
    """Open the console and sign in as `user`; wait for qa-team's rows."""
    sign_in_at(page, panel.url, panel.tokens[user])


def sign_in_at(page: Page, url: str, token: str) -> None:
    """Open the console at `url` and sign in with `token`; wait for qa-team's rows."""
    page.goto(url + "/")
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#whoami").wait_for()
    page.locator("#workspace option[value=qa-team]").wait_for(state="attached")
    page.locator("body[data-listed]").wait_for(state="attached")  # the landing is listed
    if page.locator("#workspace").input_value() != "qa-team":
        page.locator("#workspace").select_option("qa-team")
    page.locator('body[data-listed="qa-team:sessions"]').wait_for(state="attached")


def shot(page: Page, name: str) -> None:
    """Save a screenshot of the page (into docs/screenshots/ when asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
