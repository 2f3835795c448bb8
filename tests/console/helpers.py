"""What the console's tests do often: find a row, open its menu, choose an option."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect


def row_of(page: Page, name: str) -> Locator:
    """The table row of the session called `name`."""
    return page.locator("#sessions tbody tr").filter(
        has=page.locator("td.name", has_text=re.compile(f"^{re.escape(name)}$")))


def open_menu(page: Page, name: str) -> list[str]:
    """Open the row's "…" menu and return its options."""
    page.get_by_role("button", name=f"More options for {name}").click()
    menu = page.get_by_role("menu", name=f"Options for {name}")
    expect(menu).to_be_visible()
    return menu.get_by_role("menuitem").all_inner_texts()


def choose(page: Page, name: str, option: str) -> None:
    """Choose `option` in the "…" menu of the row of `name`."""
    open_menu(page, name)
    page.get_by_role("menu", name=f"Options for {name}").get_by_role(
        "menuitem", name=option).click()


def listed_names(page: Page) -> list[str]:
    """The names of the rows shown, in order."""
    return page.locator("#sessions tbody td.name").all_inner_texts()
