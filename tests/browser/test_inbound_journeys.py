"""Inbound on a 360 x 740 phone in headless Chromium, with the real Celery worker planning.

Every scan is typed into the focused field as a keyboard-wedge scanner does (the characters,
then Enter). The worker plans QC and putaway a moment after each commit; the floor page's queue
refreshes itself until the work is there.
"""

import re
import time
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from inventory.models import Product, StockLevel, Supplier, Warehouse
from tests.browser.nav import open_from_menu
from tests.conftest import DESKTOP, PHONE
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.inbound_scenario import gs1_label, quarantined, sent_order
from warehouse.models import Location, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.receiving import receipt_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = PHONE["viewport"]["width"]


@dataclass
class Dock:
    warehouse: Warehouse
    bolt: Product
    milk: Product
    cup: Product
    mug: Product
    supplier: Supplier


def _dock() -> Dock:
    """A warehouse with a dock, a QC bench, quarantine and a row of reserve bins."""
    warehouse = WarehouseFactory(code="MAIN", name="Main warehouse")
    for n in range(1, 7):
        LocationFactory(
            warehouse=warehouse, code=f"A-01-{n:02d}", capacity_units=100, x=4.0 + n, y=2.0
        )
    return Dock(
        warehouse=warehouse,
        bolt=ProductFactory(sku="BOLT-M8", name="Hex bolt M8 x 40, zinc"),
        milk=ProductFactory(
            sku="MILK-1L", name="Whole milk 1 l", tracking=Product.Tracking.LOT_EXPIRY
        ),
        cup=ProductFactory(sku="CUP-250", name="Paper cup 250 ml", requires_qc=True),
        mug=ProductFactory(sku="MUG-W", name="Mug, white stoneware", requires_qc=True),
        supplier=SupplierFactory(code="ACME", name="Acme Wholesale"),
    )


# --- helpers: a scanner, and the checks every handheld page gets ---------------------------


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into the focused field, then Enter. (A person
    scans the next label once the screen has answered the last one.)"""
    expect(page.locator(".htmx-request, .htmx-settling")).to_have_count(0, timeout=30_000)
    expect(page.locator("#scan-code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def type_and_enter(page: Page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def feedback(page: Page, level: str, count: int | None = None) -> None:
    """The last notice flashed and beeped with this level (app.js records it on <html>)."""
    html = page.locator("html")
    expect(html).to_have_attribute("data-feedback-last", level)
    if count is not None:
        expect(html).to_have_attribute("data-feedback-count", str(count))


def settled(page: Page) -> None:
    """The green or red flash is over (screenshots show the screen, not the flash)."""
    expect(page.locator('#flash[class*="flash--"]')).to_have_count(0, timeout=30_000)


def wait_for(condition, timeout: float = 20.0) -> None:
    """Until the worker has done its part (it runs in another process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the Celery worker did not plan the work in time")
        time.sleep(0.2)


def claim_when_planned(page: Page, live_server) -> None:
    """Open the floor page and claim as soon as its queue (refreshing itself) shows work."""
    page.goto(f"{live_server.url}/floor/")
    expect(page.locator(".claim")).to_contain_text(
        re.compile(r"\d+ tasks? waiting"), timeout=20_000
    )
    page.get_by_role("button", name="Claim next task").click()
    expect(page).to_have_url(re.compile(r"/floor/tasks/\d+/$"))


def put_away(page: Page, task: Task, *, into: str | None = None) -> None:
    """The putaway screen, step by step, by scanning; ``into`` another bin than suggested."""
    expect(page.locator(".next")).to_contain_text(f"Go to {task.source_location.code}")
    fits_the_phone(page)
    scan(page, task.source_location.code)
    expect(page.locator(".next")).to_contain_text("Scan the product")
    scan(page, task.product.barcode)
    suggested = task.destination_location.code
    expect(page.locator(".next")).to_contain_text(f"Put {task.quantity} into {suggested}")
    scan(page, into or suggested)
    expect(page.locator(".done-card")).to_contain_text("Task done")


# --- (a) a delivery against a purchase order, put away ----------------------------------------


def test_receive_a_po_delivery_and_put_it_away(
    browser, login, floor_user, live_server, screenshot, celery_worker_process
):
    dock = _dock()
    order = sent_order(dock.warehouse, (dock.bolt, 40), (dock.milk, 12), supplier=dock.supplier)
    receipt = receipt_create(warehouse=dock.warehouse, purchase_order=order)
    page = login(browser, "floor", device=PHONE)

    page.get_by_role("link", name="Receive goods").click()
    expect(page.locator(".receipt-card")).to_contain_text(receipt.reference)
    expect(page.locator(".receipt-card")).to_contain_text("Acme Wholesale")
    expect(page.locator(".receipt-card")).to_contain_text("0 of 2 lines done · 0 / 52 units")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "receiving-list")

    scan(page, order.number)  # the PO number on the delivery note
    expect(page).to_have_url(re.compile(rf"/floor/receiving/{receipt.pk}/$"))
    expect(page.locator(".line-row")).to_have_count(2)

    # The bolts: a plain EAN, then the count typed over the suggested 1.
    scan(page, dock.bolt.barcode)
    quantity = page.locator("#receive-quantity")
    expect(quantity).to_be_focused()
    expect(quantity).to_have_value("1")
    expect(page.locator(".count-card")).to_contain_text("Expected 40 · received 0 · 40 to go")
    type_and_enter(page, "40")
    expect(page.get_by_role("status").filter(has_text="Received 40 × BOLT-M8.")).to_be_visible()
    feedback(page, "success")
    expect(page.locator("#scan-code")).to_be_focused()  # ready for the next product
    expect(page.locator(".line-row").first).to_contain_text("Complete")

    # The milk: a GS1-128 label brings its lot and expiry; 20 is too many for 12 ordered.
    scan(page, gs1_label(dock.milk, lot="L-2406", expiry=date(2031, 6, 30)))
    expect(page.locator("#receive-lot")).to_have_value("L-2406")
    expect(page.locator("#receive-expiry")).to_have_value("2031-06-30")
    expect(quantity).to_be_focused()
    fits_the_phone(page)
    settled(page)
    screenshot(page, "receiving-scan")
    type_and_enter(page, "20")
    error = page.get_by_role("alert")
    expect(error).to_contain_text("ordered 12 (up to 13 with the tolerance)")
    feedback(page, "error")
    # The error buzz went out through Web Audio (the page was touched, so sound is allowed).
    expect(page.locator("html")).to_have_attribute("data-feedback-sound", "played")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "receiving-error")
    assert not Quant.objects.filter(product=dock.milk).exists()  # the refusal changed nothing

    expect(quantity).to_be_focused()
    type_and_enter(page, "12")
    expect(
        page.get_by_role("status").filter(has_text="Received 12 × MILK-1L, lot L-2406.")
    ).to_be_visible()
    feedback(page, "success")
    expect(page.locator(".lines__count")).to_contain_text("2 of 2 lines · 52 / 52 units")

    page.locator(".confirm > summary").click()
    page.get_by_role("button", name=f"Yes, close {receipt.reference}").click()
    expect(page.locator(".messages")).to_contain_text(f"Receipt {receipt.reference} is closed.")

    # The worker plans a putaway task per line; the floor page shows them when they are there.
    wait_for(lambda: Task.objects.filter(kind="putaway").count() == 2)
    claim_when_planned(page, live_server)
    bolts = Task.objects.select_related("source_location", "destination_location", "product").get(
        product=dock.bolt
    )
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{bolts.pk}/$"))
    expect(page.locator(".next")).to_contain_text("Go to RECV-01")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "putaway-source")

    scan(page, "RECV-01")
    expect(page.locator(".next")).to_contain_text("Scan the product")
    feedback(page, "success")
    scan(page, dock.bolt.barcode)
    expect(page.locator(".next")).to_contain_text(f"Put 40 into {bolts.destination_location.code}")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "putaway-destination")
    scan(page, bolts.destination_location.code)
    done = page.locator(".done-card")
    expect(done).to_contain_text("Task done")
    expect(done).to_contain_text("40 of 40 put away")
    feedback(page, "success")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "putaway-done")

    # Next task: the milk. A wrong source is refused at once; another bin is fine, recorded.
    page.get_by_role("button", name="Next task").click()
    milk = Task.objects.select_related("source_location", "destination_location", "product").get(
        product=dock.milk
    )
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{milk.pk}/$"))
    scan(page, "A-01-06")
    expect(page.get_by_role("alert")).to_contain_text(
        "You scanned A-01-06; this stock is in RECV-01."
    )
    feedback(page, "error")
    other_bin = "A-01-06" if milk.destination_location.code != "A-01-06" else "A-01-05"
    put_away(page, milk, into=other_bin)
    expect(page.locator(".notice")).to_contain_text(
        f"instead of the suggested {milk.destination_location.code}"
    )

    assert Quant.objects.get(product=dock.bolt, location=bolts.destination_location).quantity == 40
    assert Quant.objects.get(product=dock.milk, location__code=other_bin).quantity == 12
    level = StockLevel.objects.get(product=dock.milk)
    assert (level.on_hand, level.in_receiving, level.available, level.on_order) == (12, 0, 12, 0)
    assert stock_drift().is_clean


# --- (b) QC: fail some units, pass the rest and another product, put the passed away ---------


def test_qc_fail_some_pass_others_then_put_the_passed_away(
    browser, login, floor_user, live_server, screenshot, celery_worker_process
):
    dock = _dock()
    page = login(browser, "floor", device=PHONE)

    # An unplanned delivery from a known supplier: ten cups and five mugs, both inspected.
    page.get_by_role("link", name="Receive goods").click()
    page.locator(".unplanned > summary").click()
    page.get_by_label("Supplier (if you know it)").select_option(label="Acme Wholesale (ACME)")
    page.get_by_role("button", name="Start receiving").click()
    expect(page.locator(".floor-head")).to_contain_text("Acme Wholesale")
    for product, count in ((dock.cup, "10"), (dock.mug, "5")):
        scan(page, product.sku)  # typed by hand: the SKU works as well as the barcode
        expect(page.locator(".count-card")).to_contain_text("Not announced")
        page.locator("#receive-quantity").fill(count)
        page.get_by_role("button", name="Receive", exact=True).click()
        expect(
            page.get_by_role("status").filter(has_text=f"Received {count} × {product.sku}.")
        ).to_be_visible()

    wait_for(lambda: Task.objects.filter(kind="qc").count() == 2)
    claim_when_planned(page, live_server)
    cups = Task.objects.get(kind="qc", product=dock.cup)
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{cups.pk}/$"))
    expect(page.locator(".next")).to_contain_text("Bring 10 × CUP-250 from RECV-01 to QC-01.")
    scan(page, "RECV-01")
    expect(page.locator(".next")).to_contain_text("Scan the product")
    scan(page, dock.cup.barcode)
    expect(page.locator(".next")).to_contain_text("Bring 10 × CUP-250 to QC-01")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "qc-bench")
    scan(page, "QC-01")
    expect(page.get_by_role("button", name="Pass all 10")).to_be_visible()
    fits_the_phone(page)

    # Three cups are crushed: fewer than all fail, with a quick-pick reason and a note.
    page.get_by_role("button", name="One less").click()
    for _ in range(6):
        page.get_by_role("button", name="One less").click()
    expect(page.locator("#failed-quantity")).to_have_value("3")
    page.get_by_text("Damaged packaging").click()
    page.get_by_label("Or say what is wrong").fill("outer carton crushed")
    settled(page)
    screenshot(page, "qc-inspect")
    page.get_by_role("button", name="Fail these units").click()
    done = page.locator(".done-card")
    expect(done).to_contain_text("Task done")
    expect(page.locator(".notice")).to_contain_text(
        "3 failed (Damaged packaging: outer carton crushed): they go to quarantine. "
        "7 passed: putaway follows."
    )
    feedback(page, "success")
    fits_the_phone(page)

    # The mugs are fine: pass them all.
    page.get_by_role("button", name="Next task").click()
    mugs = Task.objects.get(kind="qc", product=dock.mug)
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{mugs.pk}/$"))
    scan(page, "RECV-01")
    expect(page.locator(".next")).to_contain_text("Scan the product")
    scan(page, dock.mug.barcode)
    expect(page.locator(".next")).to_contain_text("Bring 5 × MUG-W to QC-01")
    scan(page, "QC-01")
    page.get_by_role("button", name="Pass all 5").click()
    expect(page.locator(".notice")).to_contain_text("Passed all 5. Putaway follows.")

    # The worker plans putaway of the 7 passed cups and the 5 mugs, from the bench.
    wait_for(lambda: Task.objects.filter(kind="putaway").count() == 2)
    for _ in range(2):
        claim_when_planned(page, live_server)
        task_id = int(re.search(r"/floor/tasks/(\d+)/$", page.url).group(1))
        task = Task.objects.select_related(
            "source_location", "destination_location", "product"
        ).get(pk=task_id)
        assert task.source_location.code == "QC-01"
        put_away(page, task)
        fits_the_phone(page)

    cup_level = StockLevel.objects.get(product=dock.cup)
    assert (cup_level.on_hand, cup_level.quarantined, cup_level.available) == (10, 3, 7)
    assert StockLevel.objects.get(product=dock.mug).available == 5
    move = StockMove.objects.get(kind="quarantine", product=dock.cup)
    assert move.reason == "failed QC: Damaged packaging: outer carton crushed"
    assert stock_drift().is_clean


# --- (c) the supervisor decides on quarantined goods --------------------------------------------


def test_supervisor_releases_and_scraps_quarantined_goods(
    browser, login, supervisor, floor_user, live_server, screenshot, celery_worker_process
):
    dock = _dock()
    cage = quarantined(dock.warehouse, 8, floor_user.pk, "Wet or contaminated", product=dock.cup)
    page = login(browser, "sup", device=DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())  # "Scrap these units? ..." confirm

    open_from_menu(page, "Stock", "Quarantine")
    row = page.locator(f"#quarantine-{cage.pk}")
    expect(row).to_contain_text("CUP-250")
    expect(row).to_contain_text("failed QC: Wet or contaminated")
    expect(row).to_contain_text("8")
    settled(page)
    screenshot(page, "quarantine")

    row.locator("input[name=quantity]").fill("3")
    row.locator("input[name=reason]").fill("dried out, boxes fine")
    row.get_by_role("button", name="Release").click()
    expect(page.locator(".notice")).to_contain_text(
        "Released 3 × CUP-250 to the dock; putaway follows."
    )
    expect(row).to_contain_text("5")

    row.locator("input[name=quantity]").fill("5")
    row.locator("input[name=reason]").fill("mould on the rest")
    row.get_by_role("button", name="Scrap").click()
    expect(page.locator(".notice")).to_contain_text("Scrapped 5 × CUP-250.")
    expect(page.locator(".empty-state")).to_contain_text("Nothing in quarantine in MAIN.")
    settled(page)
    screenshot(page, "quarantine-done")

    # The worker plans the released units' putaway from the dock.
    wait_for(lambda: Task.objects.filter(kind="putaway", status="open").exists())
    task = Task.objects.get(kind="putaway", status="open")
    assert (task.quantity, task.source_location.kind) == (3, Location.Kind.RECEIVING)
    level = StockLevel.objects.get(product=dock.cup)
    assert (level.on_hand, level.quarantined, level.in_receiving) == (3, 0, 3)
    assert (
        StockMove.objects.get(kind="scrap").reason == "scrapped from quarantine: mould on the rest"
    )
    assert stock_drift().is_clean
