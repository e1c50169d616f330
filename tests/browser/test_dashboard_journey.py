"""The supervisor's dashboard and map in headless Chromium at desktop size.

The supervisor keeps the dashboard open while a floor user, in another browser context (their
own session, on a phone), scans a wrong bin and then puts goods away: the dashboard's figures
follow within a poll or two, without the page being reloaded. The real Celery worker runs, as
it would behind any completed task.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_inbound_journeys import scan, settled
from tests.conftest import DESKTOP, PHONE
from tests.warehouse.views.scenario import site_build
from warehouse.models import ScanRefusal, Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL = 15_000  # ms: three polls of the dashboard, enough for one to land


def _row(page: Page, kind: str):
    return page.locator(f'[data-tile="tasks"] tr[data-kind="{kind}"] td')


def test_the_dashboard_follows_the_floor_without_a_reload(
    browser, login, supervisor, floor_user, live_server, screenshot, celery_worker_process
):
    site = site_build()
    desk = login(browser, "sup", device=DESKTOP)

    expect(desk).to_have_url(re.compile(r"/supervisor/dashboard/$"))
    expect(desk.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    putaway = _row(desk, "putaway")
    expect(putaway.nth(0)).to_have_text("1")  # waiting
    expect(putaway.nth(2)).to_have_text("0")  # done today
    expect(desk.locator("#exc-scans")).to_have_count(0)  # no list behind wrong scans
    expect(desk.locator('[data-tile="exceptions"]')).to_contain_text("0 wrong scans")
    expect(desk.locator('[data-tile="throughput"]')).to_contain_text("239 units received")
    expect(desk.locator("#tile-workers").locator("..")).to_contain_text("Nobody has finished")
    assert desk.evaluate("document.documentElement.scrollWidth") <= DESKTOP["viewport"]["width"]
    desk.evaluate("window.__sameDocument = true")  # gone if the page were reloaded
    first_update = desk.locator('[data-testid="updated"]').inner_text()
    screenshot(desk, "dashboard")

    # The floor user, on their own phone and session, claims the putaway.
    phone = login(browser, "floor", device=PHONE)
    phone.get_by_role("button", name="Claim next task").click()
    expect(phone).to_have_url(re.compile(rf"/floor/tasks/{site.putaway.pk}/$"))
    scan(phone, "A-01-01")  # the wrong bin: refused, and counted
    expect(phone.get_by_role("alert")).to_contain_text("this stock is in RECV-01")

    expect(desk.locator('[data-tile="exceptions"]')).to_contain_text("1 wrong scan", timeout=POLL)
    expect(putaway.nth(0)).to_have_text("0")  # claimed: in hand now
    expect(putaway.nth(1)).to_have_text("1")

    scan(phone, "RECV-01")
    expect(phone.locator(".next")).to_contain_text("Scan the product")
    scan(phone, site.glove.barcode)
    expect(phone.locator(".next")).to_contain_text("Put 60 into A-01-02")
    scan(phone, "A-01-02")
    expect(phone.locator(".done-card")).to_contain_text("Task done")

    expect(putaway.nth(2)).to_have_text("1", timeout=POLL)  # done today
    expect(putaway.nth(1)).to_have_text("0")
    workers = desk.locator('[data-tile="workers"]')
    expect(workers.locator('tr[data-worker="floor"]')).to_contain_text("60")
    expect(desk.locator('[data-tile="receipts"]')).to_contain_text("0 units on the dock")
    assert desk.evaluate("window.__sameDocument") is True
    assert desk.locator('[data-testid="updated"]').inner_text() != first_update
    settled(phone)
    screenshot(desk, "dashboard-after")

    task = Task.objects.get(pk=site.putaway.pk)
    assert (task.status, task.assignee.username) == ("done", "floor")
    assert ScanRefusal.objects.filter(code="wrong_location", task=task).count() == 1


def test_the_map_shows_a_bins_contents_on_hover_and_focus(
    browser, login, supervisor, live_server, screenshot
):
    site = site_build()
    desk = login(browser, "sup", device=DESKTOP)

    desk.get_by_role("link", name="Warehouse map").click()
    expect(desk).to_have_url(re.compile(r"/supervisor/map/$"))
    detail = desk.locator("#bin-detail")
    bin_ = desk.get_by_role("button", name=re.compile(r"^P-01-02: 24 units"))
    bin_.hover()
    expect(detail).to_contain_text("MAIN-MILK-1L")
    expect(detail).to_contain_text("MAIN-L2406")
    expect(detail).to_contain_text("24")
    screenshot(desk, "map-occupancy")

    # Keyboard: focus alone shows a bin (tabbing through the map).
    desk.get_by_role("button", name=re.compile(r"^A-01-01: 120 units")).focus()
    expect(detail).to_contain_text("MAIN-BOLT-M8")
    expect(detail).to_contain_text("120")

    # The other colouring, without leaving the page.
    desk.evaluate("window.__sameDocument = true")
    desk.get_by_role("link", name="Picks, last 30 days").click()
    expect(desk).to_have_url(re.compile(r"colour=picks"))
    expect(desk.get_by_role("button", name=re.compile(r"^A-01-01: 0 picks"))).to_be_visible()
    assert desk.evaluate("window.__sameDocument") is True

    # Finding a bin by its code.
    desk.get_by_label("Find a bin").fill("p-01-01")
    desk.get_by_role("button", name="Show").click()
    expect(detail).to_contain_text("MAIN-BOLT-M8")
    expect(detail).to_contain_text("35")
    desk.get_by_label("Find a bin").fill("NOPE")
    desk.get_by_role("button", name="Show").click()
    expect(detail.get_by_role("alert")).to_contain_text("No bin “NOPE” in MAIN.")
    screenshot(desk, "map-picks")
    assert site.bins["P-01-01"].pk  # the site the map drew
