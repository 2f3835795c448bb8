"""The console as a user first meets it: the workspace it opens on, a phone-sized screen,
the keyboard alone, and what it says when a rule refuses."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from store.sync_state import LinkBase, record_keys
from tests.console.conftest import Panel, charter_bundle, shot, sign_in
from tests.console.helpers import choose, open_menu, row_of

pytestmark = pytest.mark.browser


def _sign_in_only(page: Page, panel: Panel, user: str) -> None:
    page.goto(panel.url + "/")
    page.get_by_label("Your token").fill(panel.tokens[user])
    page.get_by_role("button", name="Sign in").click()
    page.locator("#whoami").wait_for()


def _tab_to(page: Page, label: str) -> None:
    """Press Tab until the element named `label` has the focus."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == label:
            return
    raise AssertionError(f"Tab never reached {label!r}")


def _has_visible_focus(page: Page) -> bool:
    return bool(page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; })()"))


def test_opens_on_the_first_workspace_with_sessions(page: Page, panel: Panel) -> None:
    """Alice's personal workspace is empty, so the console opens on qa-team, which has sessions."""
    _sign_in_only(page, panel, "alice")
    expect(page.locator("#sessions tbody tr")).to_have_count(len(panel.ids))
    expect(page.locator("#workspace")).to_have_value("qa-team")


def test_opens_on_the_workspace_used_last(page: Page, panel: Panel) -> None:
    """After choosing qa-archive, signing in again opens on qa-archive, even though it is empty."""
    sign_in(page, panel, "alice")
    page.locator("#workspace").select_option("qa-archive")
    expect(page.locator("#empty")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    _sign_in_only(page, panel, "alice")
    expect(page.locator("#workspace")).to_have_value("qa-archive")
    expect(page.locator("#empty")).to_be_visible()


def test_a_360_px_screen_has_no_sideways_scroll_and_a_reachable_menu(
    browser: Browser, panel: Panel
) -> None:
    """At 360 px wide nothing overflows sideways and the last row's menu is on screen and usable."""
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, panel, "alice")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        last = page.locator("#sessions tbody td.name").last.inner_text()
        open_menu(page, last)
        menu = page.get_by_role("menu", name=f"Options for {last}")
        box = menu.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        shot(page, "narrow-menu")
        menu.get_by_role("menuitem", name="Rename").click()
        dialog = page.get_by_role("dialog", name="Rename")
        dialog_box = dialog.bounding_box()
        assert dialog_box is not None and dialog_box["x"] + dialog_box["width"] <= 360
    finally:
        context.close()


def test_a_lock_date_does_not_wrap(browser: Browser, panel: Panel) -> None:
    """At 360 px the date of bob's lock stays on one line."""
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    try:
        sign_in(page, panel, "alice")
        date = row_of(page, "Payments").locator("td.lock .when")
        expect(date).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
        assert date.evaluate("e => e.getClientRects().length") == 1
    finally:
        context.close()


def test_keyboard_only_rename_with_visible_focus(page: Page, panel: Panel) -> None:
    """Tab to a row's "…" button, open the menu, choose Rename, type and press Enter: renamed."""
    sign_in(page, panel, "alice")
    page.locator("#filter").focus()
    _tab_to(page, "More options for Login flows")
    assert _has_visible_focus(page)
    page.keyboard.press("Enter")
    for _ in range(3):  # Continue in desktop app, Duplicate to, Download, Rename
        page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Rename")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Rename").get_by_label("Name")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Sign-in flows")
    page.keyboard.press("Enter")
    expect(row_of(page, "Sign-in flows")).to_have_count(1)
    expect(page.get_by_role("button", name="More options for Sign-in flows")).to_be_focused()


def test_keyboard_only_delete_with_its_confirmation(page: Page, panel: Panel) -> None:
    """From the menu, Delete opens its confirmation on Cancel; Tab then Enter confirms it."""
    sign_in(page, panel, "alice")
    page.locator("#filter").focus()
    _tab_to(page, "More options for Login flows")
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # History is last, Move and Delete before it
    expect(page.get_by_role("menuitem", name="Delete")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Delete session?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert _has_visible_focus(page)
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Delete")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row_of(page, "Login flows")).to_have_count(0)
    assert panel.store.show("alice", panel.ids["Login flows"]).trashed


def test_a_refusal_is_a_sentence_with_its_rule_apart(page: Page, panel: Panel) -> None:
    """A too long name is refused in a sentence, its rule code in the title and a details line."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Rename")
    dialog = page.get_by_role("dialog", name="Rename")
    dialog.get_by_label("Name").evaluate(
        "e => { e.removeAttribute('maxlength'); e.value = 'y'.repeat(256); }")
    dialog.get_by_role("button", name="Rename").click()
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("The name is too long: at most 255 characters.")
    expect(alert).to_have_attribute("title", "rule: name_too_long")
    expect(alert.locator(".details")).to_have_text("Rule: name_too_long")
    assert "[name_too_long]" not in alert.inner_text()


def test_a_refused_rename_refreshes_the_row(page: Page, panel: Panel) -> None:
    """Bob locks the session while alice renames it: refused, and the row then shows his lock."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Rename")
    panel.store.open("bob", panel.ids["Login flows"])
    dialog = page.get_by_role("dialog", name="Rename")
    dialog.get_by_label("Name").fill("Sign-in flows")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog.get_by_role("alert")).to_contain_text(
        re.compile(r"^This session is locked by bob since .+ UTC, so this cannot be done now\."))
    expect(row_of(page, "Login flows").locator("td.lock")).to_contain_text("Locked by bob")


def test_a_charter_shows_its_tests_key(page: Page, panel: Panel) -> None:
    """An Xray-connected charter's Sync cell names its Test, the issue it is kept in step with."""
    charter = panel.store.import_session(
        "alice", "qa-team", io.BytesIO(charter_bundle("Returns")), name="Returns charter",
        mode="xray", project="QA")
    record_keys(panel.store.engine, charter.id, test="QA-30", test_execution=None,
                base=LinkBase())
    sign_in(page, panel, "alice")
    expect(row_of(page, "Returns charter").locator("td.sync")).to_have_text("QA-30: pending")
