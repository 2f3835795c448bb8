"""axe-core's default rules find no violation on the console's main views."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.console.conftest import Panel, sign_in
from tests.console.helpers import choose, open_menu

pytestmark = pytest.mark.browser

# installed by scripts/test (npm ci in tests/console/js, from the npm registry)
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def checked_page(browser: Browser) -> Iterator[Page]:
    """A page that may receive axe's script despite the console's Content-Security-Policy."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing: run `npm ci --prefix {AXE.parents[2].name}/js` "
                    "(scripts/test does)")
    context = browser.new_context(viewport={"width": 1180, "height": 640}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("axe.run(document)")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]]


def test_sign_in_page(checked_page: Page, panel: Panel) -> None:
    """The sign-in form, with a refusal shown, has no axe violation."""
    checked_page.goto(panel.url + "/")
    checked_page.get_by_label("Your token").fill("wrong")
    checked_page.get_by_role("button", name="Sign in").click()
    expect(checked_page.locator("#signin-error")).not_to_be_empty()
    assert _violations(checked_page) == []


def test_sessions_with_an_open_menu(checked_page: Page, panel: Panel) -> None:
    """The session list, with a row's menu open and a refusal shown, has no axe violation."""
    sign_in(checked_page, panel, "bob")
    panel.store.open("alice", panel.ids["Login flows"])
    choose(checked_page, "Login flows", "Continue in desktop app")
    expect(checked_page.get_by_role("alert")).not_to_be_empty()
    open_menu(checked_page, "Payments")
    assert _violations(checked_page) == []


def test_trash_view(checked_page: Page, panel: Panel) -> None:
    """The Trash view has no axe violation."""
    panel.store.delete("alice", panel.ids["Login flows"])
    sign_in(checked_page, panel, "alice")
    checked_page.get_by_role("button", name="Trash").click()
    expect(checked_page.locator("#sessions tbody tr")).to_have_count(1)
    assert _violations(checked_page) == []


def test_dialogs(checked_page: Page, panel: Panel) -> None:
    """The Duplicate and History dialogs have no axe violation."""
    sid = panel.ids["Login flows"]
    panel.store.open("alice", sid)
    panel.store.save("alice", sid, io.BytesIO(b"second"))
    panel.store.close("alice", sid)
    sign_in(checked_page, panel, "alice")
    choose(checked_page, "Login flows", "Duplicate to")
    expect(checked_page.get_by_role("dialog", name="Duplicate Test Session")).to_be_visible()
    assert _violations(checked_page) == []
    checked_page.keyboard.press("Escape")
    choose(checked_page, "Login flows", "History")
    dialog = checked_page.get_by_role("dialog", name='History of "Login flows"')
    expect(dialog.locator("#versions tbody tr")).to_have_count(2)
    assert _violations(checked_page) == []


def test_a_narrow_screen(checked_page: Page, panel: Panel) -> None:
    """The list drawn as cards at 360 px has no axe violation."""
    checked_page.set_viewport_size({"width": 360, "height": 640})
    sign_in(checked_page, panel, "alice")
    assert _violations(checked_page) == []
