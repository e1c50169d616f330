"""The supervisor's header groups related pages in menus (``inventory.views.shell``)."""

import re

from playwright.sync_api import Page


def open_from_menu(page: Page, menu: str, link: str) -> None:
    """Open the header menu ``menu`` and follow its link ``link``."""
    summary = page.locator("details[data-nav-menu] > summary").filter(
        has_text=re.compile(f"^{re.escape(menu)}$")
    )
    summary.click()
    page.locator("details[data-nav-menu][open]").get_by_role("link", name=link, exact=True).click()
