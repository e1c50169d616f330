"""Retake the README's screenshots from a running `make run` (demo data).

    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]

Claims a task as floor1 (so the handheld shows one), so run it against a demo you don't mind
changing.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1366, "height": 850}}


def login(browser, username: str, device: dict):
    page = browser.new_context(**device).new_page()
    page.set_default_timeout(90_000)  # a loaded machine renders slowly
    page.goto(f"{BASE}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        floor = login(browser, "floor1", PHONE)
        claim = floor.get_by_role("button", name="Claim next task")
        if claim.count():
            claim.first.click()
            floor.wait_for_load_state("networkidle")
        floor.screenshot(path=str(OUT / "floor-home.png"), full_page=False)
        supervisor = login(browser, "supervisor", DESKTOP)
        supervisor.screenshot(path=str(OUT / "supervisor-home.png"))  # the dashboard
        for name, path in (("supervisor-tasks", "tasks"), ("supervisor-map", "map")):
            supervisor.goto(f"{BASE}/supervisor/{path}/")
            supervisor.wait_for_load_state("networkidle")
            supervisor.screenshot(path=str(OUT / f"{name}.png"))
        purchaser = login(browser, "purchaser", DESKTOP)
        purchaser.screenshot(path=str(OUT / "purchaser-home.png"))
        purchaser.goto(f"{BASE}/purchasing/suggestions/")
        purchaser.wait_for_load_state("networkidle")
        purchaser.screenshot(path=str(OUT / "purchaser-suggestions.png"))
        purchaser.goto(f"{BASE}/purchasing/orders/")
        first_order = purchaser.locator("table a[href*='/purchasing/orders/']").first
        if first_order.count():
            first_order.click()
            purchaser.wait_for_load_state("networkidle")
            purchaser.screenshot(path=str(OUT / "purchase-order.png"))
        browser.close()


if __name__ == "__main__":
    main()
