"""A cycle count in headless Chromium, with the real Celery worker: the supervisor flags a bin
at a desktop, a floor worker counts it blind on a 360 x 740 phone (the scans typed into the
focused field as a keyboard-wedge scanner does), and the supervisor approves the difference
with a reason; the ledger and the stock level follow."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import StockLevel
from tests.browser.nav import open_from_menu
from tests.browser.test_inbound_journeys import feedback, fits_the_phone, scan, settled
from tests.conftest import DESKTOP, PHONE
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import BinCount, Quant, StockMove, Task, Zone
from warehouse.selectors.ledger import stock_drift
from warehouse.services.intake import stock_receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOKS = 7919  # what the books say: it must never reach the counter's screen


def test_a_floor_worker_counts_blind_and_the_supervisor_approves(
    browser, login, supervisor, floor_user, live_server, screenshot, celery_worker_process
):
    warehouse = WarehouseFactory(code="MAIN", name="Main warehouse")
    zone = Zone.objects.create(warehouse=warehouse, code="R1", name="Reserve 1")
    bin_ = LocationFactory(warehouse=warehouse, code="R1-02-03", zone=zone, aisle="02")
    bolt = ProductFactory(sku="BOLT-M8", name="Hex bolt M8 x 40, zinc")
    stock_receive(location=bin_, product_id=bolt.pk, quantity=BOOKS)

    # The supervisor flags the bin: a count task follows.
    desk = login(browser, "sup", device=DESKTOP)
    open_from_menu(desk, "Stock", "Counts")
    expect(desk.get_by_role("heading", name="Cycle counts")).to_be_visible()
    desk.get_by_label("Flag a bin").fill("R1-02-03")
    desk.get_by_label("Why").fill("Box looked opened")
    desk.get_by_role("button", name="Count this bin").click()
    expect(desk.locator(".notice")).to_contain_text("1 count task created for bin R1-02-03.")
    task = Task.objects.get(kind="count")

    # The counter claims it on the phone and counts blind.
    phone = login(browser, "floor", device=PHONE)
    phone.goto(f"{live_server.url}/floor/")
    phone.get_by_role("button", name="Claim next task").click()
    expect(phone).to_have_url(re.compile(rf"/floor/counts/{task.pk}/$"))
    expect(phone.locator("#next-title")).to_contain_text("Go to R1-02-03")
    fits_the_phone(phone)
    scan(phone, bin_.barcode)
    feedback(phone, "success")
    expect(phone.locator("#next-title")).to_contain_text("Scan BOLT-M8")
    scan(phone, bolt.barcode)
    expect(phone.locator("#next-title")).to_contain_text("How many BOLT-M8?")
    quantity = phone.get_by_label("Units counted")
    expect(quantity).to_be_focused()
    expect(quantity).to_have_value("")  # no hint of the books
    assert str(BOOKS) not in phone.content()
    settled(phone)
    screenshot(phone, "count-blind")
    quantity.fill(str(BOOKS - 1))
    phone.keyboard.press("Enter")
    expect(phone.locator("#done-title")).to_have_text("Count recorded")
    expect(phone.locator(".done-card__facts")).to_contain_text(str(BOOKS - 1))
    fits_the_phone(phone)
    assert str(BOOKS) not in phone.content()
    settled(phone)
    screenshot(phone, "count-recorded")

    # The supervisor sees the difference and approves it with a reason.
    count = BinCount.objects.get(task=task)
    assert (count.status, count.expected_quantity) == ("pending", BOOKS)
    desk.reload()
    row = desk.locator(f"#count-{count.pk}")
    expect(row).to_contain_text("R1-02-03")
    expect(row).to_contain_text("-1")
    row.get_by_label(f"Reason for count #{count.pk}").fill("One unit broken, thrown away")
    settled(desk)
    screenshot(desk, "counts-desk")
    row.get_by_role("button", name="Approve").click()
    expect(desk.locator(".notice")).to_contain_text(f"Approved count #{count.pk}")
    expect(desk.locator(".empty-state").first).to_contain_text("No differences wait")
    expect(desk.locator("[data-accuracy]")).to_have_text("0.0 %")

    assert Quant.objects.get(location=bin_, product=bolt).quantity == BOOKS - 1
    assert StockLevel.objects.get(product=bolt, warehouse=warehouse).on_hand == BOOKS - 1
    move = StockMove.objects.get(kind="adjustment")
    assert (move.quantity, move.actor, move.reason) == (
        1,
        supervisor,
        f"Count #{count.pk}: One unit broken, thrown away",
    )
    assert stock_drift().is_clean
