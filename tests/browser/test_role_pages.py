"""The role pages in headless Chromium: a phone for the floor, a desktop for the others."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.nav import open_from_menu
from tests.conftest import DESKTOP, PHONE
from tests.factories.inventory import ProductFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.scenario import site_build
from warehouse.models import Location, Task
from warehouse.services.intake import stock_receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATALOGUE = [
    ("CABLE-CAT6-5M", "Patch cable Cat 6, 5 m, grey"),
    ("TAPE-PACK-48", "Packing tape 48 mm, clear"),
    ("LABEL-A6", "Shipping labels A6, roll of 500"),
    ("BOX-S-300", "Carton, small 300 x 200 x 150"),
    ("BOX-M-400", "Carton, medium 400 x 300 x 250"),
    ("SCREW-4x30", "Wood screw 4 x 30, box of 200"),
    ("WASHER-M8", "Washer M8, zinc, bag of 100"),
    ("GLUE-PVA-1L", "PVA wood glue 1 l"),
]


def _busy_site():
    """The page-test warehouse plus a shelf of everyday products, so pages look lived in."""
    site = site_build()
    for n, (sku, name) in enumerate(CATALOGUE):
        product = ProductFactory(sku=sku, name=name)
        location = LocationFactory(
            warehouse=site.warehouse,
            zone=site.reserve,
            code=f"A-02-{n + 1:02d}",
            kind=Location.Kind.STORAGE,
            pick_sequence=20 + n,
        )
        stock_receive(location=location, product_id=product.pk, quantity=(n + 3) * 12)
    return site


def _no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_login_page(browser, live_server, screenshot):
    for name, device in (("login", PHONE), ("login-desktop", DESKTOP)):
        context = browser.new_context(**device)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.get_by_label("Username")).to_be_focused()
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        expect(page.get_by_role("alert")).to_contain_text("correct username and password")
        screenshot(page, name)
        context.close()


def test_floor_home_on_a_phone_claims_and_scans(browser, login, floor_user, screenshot):
    site = _busy_site()
    page = login(browser, "floor", device=PHONE)

    expect(page).to_have_url(re.compile(r"/floor/$"))
    expect(page.locator("#scan-code")).to_be_focused()
    expect(page.locator(".claim")).to_contain_text("1 task waiting in MAIN")  # + 1 unreleased pick
    _no_horizontal_scroll(page, 360)
    screenshot(page, "floor-home")

    page.get_by_role("button", name="Claim next task").click()
    # The claimed task opens on its own screen; the floor page keeps a card linking to it.
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{site.putaway.pk}/$"))
    expect(page.locator(".next")).to_contain_text("Go to RECV-01")
    expect(page.get_by_role("status").filter(has_text="is yours")).to_be_visible()
    page.get_by_text("← Floor").click()
    card = page.locator(".task-card")
    expect(card).to_contain_text("Put away 60 MAIN-GLOVE-L")
    expect(card).to_contain_text("RECV-01")
    expect(card).to_contain_text("A-01-02")
    expect(card.get_by_role("link", name=f"Continue task #{site.putaway.pk}")).to_be_visible()
    _no_horizontal_scroll(page, 360)
    screenshot(page, "floor-task")
    site.putaway.refresh_from_db()
    assert site.putaway.status == Task.Status.ASSIGNED

    page.fill("#scan-code", "P-01-02")
    page.keyboard.press("Enter")
    result = page.locator("#scan-result")
    expect(result).to_contain_text("MAIN-MILK-1L")
    expect(result).to_contain_text("2031-06-30")
    expect(page.locator("#scan-code")).to_have_value("")
    expect(page.locator("#scan-code")).to_be_focused()
    _no_horizontal_scroll(page, 360)
    screenshot(page, "floor-scan-bin")

    # A scanner types into whatever has focus: after a tap on the page, keys still land in
    # the scan field.
    page.locator("#work-title").click()
    page.keyboard.type(site.bolt.barcode)
    page.keyboard.press("Enter")
    expect(result).to_contain_text("155 each in MAIN, 2 places")
    screenshot(page, "floor-scan-product")

    page.keyboard.type("NO-SUCH-BIN")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("No bin or product matches “NO-SUCH-BIN”")
    expect(page.locator("#scan-code")).to_have_value("")
    expect(page.locator("#scan-code")).to_be_focused()
    _no_horizontal_scroll(page, 360)
    screenshot(page, "floor-scan-unknown")

    page.get_by_role("button", name="Release to queue").click()
    expect(page.get_by_role("button", name="Claim next task")).to_be_visible()
    expect(page.locator(".claim")).to_contain_text("1 task waiting in MAIN")  # + 1 unreleased pick
    site.putaway.refresh_from_db()
    assert site.putaway.status == Task.Status.OPEN


def test_floor_home_with_an_empty_queue(browser, login, floor_user, screenshot):
    site = site_build()
    site_build(code="WEST", name="West depot with a long name")  # the header shows a switcher
    Task.objects.filter(warehouse=site.warehouse).update(status=Task.Status.CANCELLED)
    page = login(browser, "floor", device=PHONE)

    page.get_by_role("button", name="Claim next task").click()

    expect(page.get_by_role("status").filter(has_text="No tasks are waiting")).to_be_visible()
    _no_horizontal_scroll(page, 360)
    screenshot(page, "floor-empty-queue")


def test_supervisor_search_narrows_the_table(browser, login, supervisor, screenshot):
    _busy_site()
    page = login(browser, "sup")

    expect(page).to_have_url(re.compile(r"/supervisor/dashboard/$"))  # supervisors land here
    open_from_menu(page, "Stock", "Stock")
    expect(page).to_have_url(re.compile(r"/supervisor/$"))
    rows = page.locator("#stock-results tbody tr")
    expect(rows).to_have_count(12)
    screenshot(page, "supervisor-home")

    page.get_by_role("searchbox", name="Search").fill("bolt")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"\?q=bolt"))
    expect(page.locator("#stock-results")).to_contain_text("On hand 155")
    screenshot(page, "supervisor-search")

    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_label("Zone").select_option("P")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"zone=P"))


def test_supervisor_switches_warehouse(browser, login, supervisor, screenshot):
    _busy_site()
    site_build(code="WEST", name="West depot")
    page = login(browser, "sup")
    open_from_menu(page, "Stock", "Stock")

    page.get_by_label("Warehouse").select_option(label="WEST · West depot")

    expect(page).to_have_url(re.compile(r"/supervisor/$"))
    expect(page.locator(".messages")).to_contain_text("now working in WEST West depot")
    expect(page.locator("#stock-results tbody tr")).to_have_count(4)
    expect(page.locator(".page-head")).to_contain_text("WEST · West depot")
    screenshot(page, "supervisor-switched")


def test_purchaser_sees_levels_and_sorts_by_available(browser, login, purchaser, screenshot):
    _busy_site()
    page = login(browser, "buyer")

    expect(page).to_have_url(re.compile(r"/purchasing/$"))
    rows = page.locator("#levels-results tbody tr")
    expect(rows).to_have_count(11)
    screenshot(page, "purchaser-home")

    page.get_by_role("link", name="Available").click()
    expect(rows.first).to_contain_text("MAIN-GLOVE-L")  # all of it still on the dock
    expect(page).to_have_url(re.compile(r"sort=available"))

    page.get_by_role("searchbox", name="Search").fill("carton")
    expect(rows).to_have_count(2)
    screenshot(page, "purchaser-search")


def test_a_purchaser_on_the_floor_page_gets_a_clear_refusal(
    browser, login, purchaser, screenshot, live_server
):
    site_build()
    page = login(browser, "buyer")

    response = page.goto(f"{live_server.url}/floor/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    screenshot(page, "forbidden")
