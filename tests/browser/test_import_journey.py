"""A supervisor at a desktop imports products from a CSV file in headless Chromium, with the
real Celery worker: a file with one bad row is refused whole, the row named on the page
(row, column, value, problem) while htmx polls the import's progress; the corrected file
then goes in, and the counts say what it did."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import Product
from tests.browser.nav import open_from_menu
from tests.conftest import DESKTOP
from tests.factories.inventory import ProductFactory, WarehouseFactory, ean13

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "sku,name,barcode,unit_cost\n"
GOOD_ROWS = ["NEW-1,Cable tie 200 mm,,0.03", "KEEP,Kept and renamed,,1.00"]
LAST_ROW = "NEW-3,Hose clamp 20 mm,,0.40"


def csv_file(rows: list[str]) -> dict:
    return {
        "name": "products.csv",
        "mimeType": "text/csv",
        "buffer": (HEADER + "\n".join(rows) + "\n").encode(),
    }


def test_an_import_with_one_bad_row_is_refused_whole_with_the_row_named(
    browser, login, supervisor, live_server, screenshot, celery_worker_process
):
    WarehouseFactory(code="MAIN", name="Main warehouse")
    ProductFactory(sku="KEEP", name="Kept as it was")
    page = login(browser, "sup")
    open_from_menu(page, "Data", "Data")
    expect(page).to_have_url(re.compile(r"/supervisor/data/$"))
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()

    # Row 4 carries a barcode whose check digit is wrong.
    bad = csv_file([*GOOD_ROWS, "NEW-2,Spring washer M8,4006381333932,0.02", LAST_ROW])
    page.get_by_label("CSV file of products").set_input_files(bad)
    page.get_by_role("button", name="Import products").click()

    expect(page).to_have_url(re.compile(r"/supervisor/data/imports/[0-9a-f]{32}/$"))
    job = page.locator("#import-job")
    # The page asks for the worker's progress until the result is there.
    expect(job).to_have_attribute("data-status", "refused", timeout=20_000)
    expect(job.get_by_role("alert")).to_contain_text("Nothing was imported: 1 problem")
    rows = job.locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text("4")
    expect(cells.nth(1)).to_have_text("barcode")
    expect(cells.nth(2)).to_have_text("4006381333932")
    expect(cells.nth(3)).to_contain_text("check digit")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["viewport"]["width"]
    screenshot(page, "import-refused")
    # Nothing of the file was written: not the good rows before the bad one, nor after it.
    assert not Product.objects.filter(sku__startswith="NEW-").exists()
    assert Product.objects.get(sku="KEEP").name == "Kept as it was"

    # The corrected file goes in whole.
    good = csv_file([*GOOD_ROWS, f"NEW-2,Spring washer M8,{ean13(42)},0.02", LAST_ROW])
    page.get_by_label("CSV file of products").set_input_files(good)
    page.get_by_role("button", name="Import products").click()
    expect(job).to_have_attribute("data-status", "done", timeout=20_000)
    expect(job.get_by_role("status")).to_contain_text("3 created, 1 updated, 0 unchanged")
    screenshot(page, "import-done")
    assert Product.objects.filter(sku__startswith="NEW-").count() == 3
    assert Product.objects.get(sku="KEEP").name == "Kept and renamed"
