"""The web console in Debian's Chromium: the seed's panel, its menu, dialogs and refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from store.sync_state import record_conflict
from tests.console.conftest import Panel, shot, sign_in
from tests.console.helpers import choose, listed_names, open_menu, row_of

pytestmark = pytest.mark.browser

OWNER_OPTIONS = ["Continue in desktop app", "Duplicate to", "Download", "Rename", "Delete", "Move",
                 "History"]


def test_sign_in_with_a_bad_token_is_refused(page: Page, panel: Panel) -> None:
    """A wrong token shows an error and no table."""
    page.goto(panel.url + "/")
    page.get_by_label("Your token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("That token is not valid.")
    expect(page.locator("#panel")).to_be_hidden()


def test_sign_in_lists_the_workspace_with_the_seed_columns(page: Page, panel: Panel) -> None:
    """After sign-in the team workspace lists its sessions under the seed's columns."""
    sign_in(page, panel, "alice")
    headers = page.locator("#sessions thead th").all_inner_texts()
    assert headers[:6] == ["Mode", "Name", "Type", "Modified", "Size", "Owner"]
    assert sorted(listed_names(page)) == sorted(panel.ids)
    expect(page.locator("#whoami")).to_have_text("Signed in as alice")
    shot(page, "panel")


def test_mode_icon_has_a_text_alternative(page: Page, panel: Panel) -> None:
    """The Mode column's icon is an image named for the mode, for screen readers too."""
    sign_in(page, panel, "alice")
    xray = row_of(page, "Checkout with expired cards").get_by_role("img")
    standalone = row_of(page, "Login flows").get_by_role("img")
    expect(xray).to_have_attribute("aria-label", "Xray Jira connection session")
    expect(standalone).to_have_attribute("aria-label", "Standalone session")


def test_type_size_and_sync_state_are_shown(page: Page, panel: Panel) -> None:
    """The charter says Charter, sizes are human, the xray row shows its Test Execution state."""
    sign_in(page, panel, "alice")
    expect(row_of(page, "Refunds mission").locator("td").nth(2)).to_have_text("Charter")
    expect(row_of(page, "Checkout with expired cards").locator("td.size")).to_have_text(
        "47 KB")
    checkout = row_of(page, "Checkout with expired cards")
    expect(checkout.locator("td.sync")).to_have_text("QA-17: pending")


def test_a_sync_conflict_note_is_shown_in_the_sync_cell(page: Page, panel: Panel) -> None:
    """A link whose sync recorded a conflict shows "conflict: <note>" (titled) in its Sync cell."""
    note = "renamed on both sides; the local name was kept, Jira's 'Expired cards' was lost"
    sid = panel.ids["Checkout with expired cards"]
    record_conflict(panel.store.engine, sid, note, datetime.now(UTC))
    sign_in(page, panel, "alice")
    sync_cell = row_of(page, "Checkout with expired cards").locator("td.sync")
    expect(sync_cell).to_contain_text(f"conflict: {note}")
    expect(sync_cell.locator("span.conflict")).to_have_attribute(
        "title", f"Sync conflict: {note}")
    expect(row_of(page, "Login flows").locator("td.sync .conflict")).to_have_count(0)


def test_lock_held_by_someone_else_is_shown_in_its_row(page: Page, panel: Panel) -> None:
    """Bob's lock on Payments shows in its row, with the holder's name and since when."""
    sign_in(page, panel, "alice")
    expect(row_of(page, "Payments").locator("td.lock")).to_have_text(
        re.compile(r"^Locked by bob since \d{4}-\d\d-\d\d \d\d:\d\d UTC$"))


def test_sorting_by_clicking_headers(page: Page, panel: Panel) -> None:
    """Clicking Name sorts ascending, clicking again descending; aria-sort follows."""
    sign_in(page, panel, "alice")
    page.get_by_role("button", name="Name", exact=True).click()
    expected = sorted(panel.ids, key=str.casefold)
    expect(page.locator("#sessions tbody td.name")).to_have_text(expected)
    header = page.locator("th[data-sort=name]")
    expect(header).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name="Name", exact=True).click()
    expect(page.locator("#sessions tbody td.name")).to_have_text(expected[::-1])
    expect(header).to_have_attribute("aria-sort", "descending")


def test_sorting_by_size(page: Page, panel: Panel) -> None:
    """Clicking Size orders the rows by file size."""
    sign_in(page, panel, "alice")
    page.get_by_role("button", name="Size", exact=True).click()
    expect(page.locator("#sessions tbody td.name").first).to_have_text("Bob's notes")


def test_filter_box_narrows_the_list(page: Page, panel: Panel) -> None:
    """Typing in the filter box keeps only the names that contain the text."""
    sign_in(page, panel, "alice")
    page.get_by_label("Filter").fill("pay")
    expect(page.locator("#sessions tbody td.name")).to_have_text(["Payments"])
    page.get_by_label("Filter").fill("")
    expect(page.locator("#sessions tbody tr")).to_have_count(len(panel.ids))


def test_owner_is_offered_the_seed_options(page: Page, panel: Panel) -> None:
    """On her unlocked session the owner is offered every option of the seed but Unlock."""
    sign_in(page, panel, "alice")
    assert open_menu(page, "Login flows") == OWNER_OPTIONS
    shot(page, "menu")


def test_non_owner_is_offered_only_what_the_rules_allow(page: Page, panel: Panel) -> None:
    """Bob, a member but not the owner, is offered only Continue in desktop app and History."""
    sign_in(page, panel, "bob")
    assert open_menu(page, "Login flows") == ["Continue in desktop app", "History"]


def test_holder_is_offered_unlock_and_others_are_not(page: Page, panel: Panel) -> None:
    """Bob holds Payments: he may unlock it; alice, the owner, may not open or rename it."""
    sign_in(page, panel, "bob")
    assert "Unlock" in open_menu(page, "Payments")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, panel, "alice")
    assert open_menu(page, "Payments") == ["Duplicate to", "Download", "History"]


def test_continue_in_desktop_app_locks_and_links(page: Page, panel: Panel) -> None:
    """Continue in desktop app locks the session for the user and shows the desktop link."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Continue in desktop app")
    expect(row_of(page, "Login flows").locator("td.lock")).to_contain_text("Locked by you")
    expect(page.locator("#desktop-link")).to_have_attribute("href", re.compile(r"^xea://open\?"))


def test_duplicate_to_opens_a_dialog_and_copies(page: Page, panel: Panel) -> None:
    """Duplicate to asks a name and a workspace, then the copy is in that workspace."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Duplicate to")
    dialog = page.get_by_role("dialog", name="Duplicate Test Session")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_be_focused()
    dialog.get_by_label("Name").fill("Login flows, again")
    dialog.get_by_label("Workspace").select_option("qa-archive")
    shot(page, "duplicate-dialog")
    dialog.get_by_role("button", name="Duplicate").click()
    expect(page.locator("#message")).to_have_text(
        'Duplicated as "Login flows, again" in qa-archive.')
    listed = panel.store.list_sessions("alice").items
    names = [s.name for s in listed if s.workspace == "qa-archive"]
    assert names == ["Login flows, again"]


def test_download_goes_straight_to_disk(page: Page, panel: Panel) -> None:
    """Download saves the stored bytes from a one-time link; the page never makes a blob of them."""
    page.add_init_script("""
        window.__blobs = 0;
        const made = URL.createObjectURL;
        URL.createObjectURL = (x) => { window.__blobs += 1; return made(x); };
    """)
    sign_in(page, panel, "alice")
    with page.expect_download() as info:
        choose(page, "Login flows", "Download")
    download = info.value
    assert download.suggested_filename.startswith("Login flows")
    assert download.url.startswith(panel.url + "/api/v1/downloads/")
    stored = panel.store.download("alice", panel.ids["Login flows"])
    with stored.open() as stream:
        assert download.path().read_bytes() == stream.read()
    assert page.evaluate("window.__blobs") == 0
    assert page.request.get(download.url).status == 404  # used up


def test_rename_changes_the_row(page: Page, panel: Panel) -> None:
    """Rename in its dialog changes the name in the row."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Rename")
    dialog = page.get_by_role("dialog", name="Rename")
    dialog.get_by_label("Name").fill("Sign-in flows")
    dialog.get_by_role("button", name="Rename").click()
    expect(row_of(page, "Sign-in flows")).to_have_count(1)


def test_admin_unlocks_someone_elses_lock(page: Page, panel: Panel) -> None:
    """Root, an admin, is offered Unlock on bob's lock, and the row is then free."""
    sign_in(page, panel, "root")
    choose(page, "Payments", "Unlock")
    expect(row_of(page, "Payments").locator("td.lock")).to_have_text("—")


def test_delete_asks_to_confirm(page: Page, panel: Panel) -> None:
    """Delete opens a confirmation; Cancel keeps the row, Delete removes it."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Delete")
    dialog = page.get_by_role("dialog", name="Delete session?")
    expect(dialog).to_contain_text('"Login flows" goes to the trash')
    shot(page, "delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row_of(page, "Login flows")).to_have_count(1)
    choose(page, "Login flows", "Delete")
    dialog.get_by_role("button", name="Delete").click()
    expect(row_of(page, "Login flows")).to_have_count(0)


def test_move_puts_the_session_in_another_workspace(page: Page, panel: Panel) -> None:
    """Move asks a name and a workspace; the row leaves this workspace for that one."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Move")
    dialog = page.get_by_role("dialog", name="Move Test Session")
    dialog.get_by_label("Workspace").select_option("qa-archive")
    dialog.get_by_role("button", name="Move").click()
    expect(row_of(page, "Login flows")).to_have_count(0)
    assert panel.store.show("alice", panel.ids["Login flows"]).workspace == "qa-archive"


def test_refused_action_shows_the_rule_message(page: Page, panel: Panel) -> None:
    """An option offered before someone else took the lock is refused with the rule's message."""
    sign_in(page, panel, "bob")
    open_menu(page, "Login flows")
    panel.store.open("alice", panel.ids["Login flows"])  # alice opens it meanwhile
    page.get_by_role("menu", name="Options for Login flows").get_by_role(
        "menuitem", name="Continue in desktop app").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("locked by alice"))
    expect(row_of(page, "Login flows").locator("td.lock")).to_contain_text("Locked by alice")
    shot(page, "refused")


def test_menu_is_keyboard_usable(page: Page, panel: Panel) -> None:
    """The menu opens from its button, arrows move, Escape closes and gives focus back."""
    sign_in(page, panel, "alice")
    button = page.get_by_role("button", name="More options for Login flows")
    button.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Options for Login flows")
    expect(menu.get_by_role("menuitem", name="Continue in desktop app")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Duplicate to")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="History")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")


def test_dialog_escape_returns_focus(page: Page, panel: Panel) -> None:
    """Escape closes a dialog and focus returns to the row's menu button."""
    sign_in(page, panel, "alice")
    choose(page, "Login flows", "Rename")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Rename")).to_be_hidden()
    expect(page.get_by_role("button", name="More options for Login flows")).to_be_focused()
