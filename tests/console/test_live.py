"""Changes made elsewhere show in an open console within seconds, without a reload."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from store.sync_state import record_error
from tests.console.conftest import Panel, sign_in
from tests.console.helpers import open_menu, row_of

pytestmark = pytest.mark.browser

SOON = 8_000  # ms: the console polls every 2 s


def _mark_page(page: Page) -> None:
    page.evaluate("window.__not_reloaded = true")


def _not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.__not_reloaded === true"))


def test_another_users_lock_appears_without_a_reload(page: Page, panel: Panel) -> None:
    """Bob opens Login flows elsewhere: alice's row shows his lock, the page never reloaded."""
    sign_in(page, panel, "alice")
    _mark_page(page)
    panel.store.open("bob", panel.ids["Login flows"])
    expect(row_of(page, "Login flows").locator("td.lock")).to_contain_text(
        "Locked by bob", timeout=SOON)
    panel.store.unlock("bob", panel.ids["Login flows"])
    expect(row_of(page, "Login flows").locator("td.lock")).to_have_text("—", timeout=SOON)
    assert _not_reloaded(page)


def test_a_rename_and_a_move_elsewhere_appear(page: Page, panel: Panel) -> None:
    """A rename and a move made through the store show in the open list."""
    sign_in(page, panel, "alice")
    _mark_page(page)
    panel.store.rename("alice", panel.ids["Login flows"], "Sign-in flows")
    expect(row_of(page, "Sign-in flows")).to_have_count(1, timeout=SOON)
    panel.store.move("alice", panel.ids["Refunds mission"], "qa-archive")
    expect(row_of(page, "Refunds mission")).to_have_count(0, timeout=SOON)
    assert _not_reloaded(page)


def test_a_sync_result_appears(page: Page, panel: Panel) -> None:
    """A sync error recorded by the engine shows in the row's Sync cell."""
    sign_in(page, panel, "alice")
    _mark_page(page)
    sid = panel.ids["Checkout with expired cards"]
    record_error(panel.store.engine, sid, "Jira answered 503", datetime.now(UTC))
    expect(row_of(page, "Checkout with expired cards").locator("td.sync")).to_contain_text(
        "error: Jira answered 503", timeout=SOON)
    assert _not_reloaded(page)


def test_an_open_menu_stays_open_when_the_rows_change(page: Page, panel: Panel) -> None:
    """A refresh while a menu is open keeps it open, focused on the same option."""
    sign_in(page, panel, "alice")
    open_menu(page, "Login flows")
    page.keyboard.press("ArrowDown")
    menu = page.get_by_role("menu", name="Options for Login flows")
    expect(menu.get_by_role("menuitem", name="Duplicate to")).to_be_focused()
    panel.store.close("bob", panel.ids["Payments"])
    expect(row_of(page, "Payments").locator("td.lock")).to_have_text("—", timeout=SOON)
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Duplicate to")).to_be_focused()


def test_a_session_stuck_in_sync_errors_offers_retry_sync(page: Page, panel: Panel) -> None:
    """The row shows its sync error; Retry sync asks the engine for that session."""
    sid = panel.ids["Checkout with expired cards"]
    record_error(panel.store.engine, sid, "Jira answered 503", datetime.now(UTC))
    sign_in(page, panel, "alice")
    expect(row_of(page, "Checkout with expired cards").locator("td.sync")).to_contain_text(
        "error: Jira answered 503")
    assert "Retry sync" not in open_menu(page, "Login flows")  # no error: not offered
    page.keyboard.press("Escape")
    assert open_menu(page, "Checkout with expired cards")[-1] == "Retry sync"
    page.get_by_role("menuitem", name="Retry sync").click()
    expect(page.locator("#message")).to_have_text(
        'A sync of "Checkout with expired cards" is asked for: its row shows the result.')
    assert panel.sync.requests == [sid]


def test_retry_sync_is_not_offered_to_a_member(page: Page, panel: Panel) -> None:
    """Bob, a member but not the owner, is not offered Retry sync on alice's failing session."""
    record_error(panel.store.engine, panel.ids["Checkout with expired cards"], "Jira answered 503",
                 datetime.now(UTC))
    sign_in(page, panel, "bob")
    assert "Retry sync" not in open_menu(page, "Checkout with expired cards")


def test_a_broken_lock_and_a_conflicted_copy_are_noticed(page: Page, panel: Panel) -> None:
    """Root ends alice's lock and her save becomes a conflicted copy: she is told of both,
    without a reload; once dismissed they are not shown again."""
    sid = panel.ids["Login flows"]
    epoch = panel.store.open("alice", sid).lock_epoch
    sign_in(page, panel, "alice")
    _mark_page(page)
    panel.store.unlock("root", sid)
    notices = page.get_by_role("region", name="Notices")
    expect(notices).to_contain_text('Your lock of "Login flows" was ended by root',
                                    timeout=SOON)
    panel.store.save("alice", sid, io.BytesIO(b"late work"), lock_epoch=epoch)
    expect(notices).to_contain_text("was kept as a conflicted copy", timeout=SOON)
    assert _not_reloaded(page)
    notices.get_by_role("button", name="Dismiss").click()
    expect(notices).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, panel, "alice")
    page.locator("body[data-notices]").wait_for(state="attached")
    expect(notices).to_be_hidden()


def test_a_lock_released_by_its_holder_is_no_notice(page: Page, panel: Panel) -> None:
    """Bob releasing his own lock tells him nothing."""
    panel.store.unlock("bob", panel.ids["Payments"])
    sign_in(page, panel, "bob")
    page.locator("body[data-notices]").wait_for(state="attached")
    expect(page.get_by_role("region", name="Notices")).to_be_hidden()
