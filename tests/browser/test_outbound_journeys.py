"""Outbound in headless Chromium with the real Celery worker: a supervisor at a desktop takes
an order and releases a wave; a picker on a 360 x 740 phone claims the batch, picks by scanning
(typed into the focused field as a keyboard-wedge scanner does), packs and ships.

The worker allocates each order and makes its pick tasks a moment after the order commits.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inventory.models import DemandRecord, Product, StockLevel, Warehouse
from tests.browser.test_inbound_journeys import (
    feedback,
    fits_the_phone,
    scan,
    settled,
    wait_for,
)
from tests.conftest import DESKTOP, PHONE
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Order, PickBatch, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.waves import wave_release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shop() -> tuple[Warehouse, Product, Product]:
    """Two aisles of bins; bolts in A-01-02 (the older receipt) and B-01-03, gloves in
    B-01-01."""
    warehouse = WarehouseFactory(code="MAIN", name="Main warehouse")
    bins = {}
    for aisle, x in (("A", 2.0), ("B", 6.0)):
        for n in range(1, 6):
            code = f"{aisle}-01-{n:02d}"
            bins[code] = LocationFactory(
                warehouse=warehouse, code=code, aisle=aisle, x=x, y=2.0 * n, pick_sequence=n
            )
    bolt = ProductFactory(sku="BOLT-M8", name="Hex bolt M8 x 40, zinc")
    glove = ProductFactory(sku="GLOVE-L", name="Nitrile gloves, size L")
    # The bolts in A-01-02 came first: FIFO takes them first.
    long_ago = timezone.now() - timedelta(days=30)
    stock_receive(location=bins["A-01-02"], product_id=bolt.pk, quantity=5, received_at=long_ago)
    stock_receive(location=bins["B-01-03"], product_id=bolt.pk, quantity=30)
    stock_receive(location=bins["B-01-01"], product_id=glove.pk, quantity=40)
    for sku, name, code in (
        ("TAPE-48", "Packing tape 48 mm", "B-01-05"),
        ("BOX-S", "Carton, small", "A-01-04"),
        ("LABEL-A6", "Shipping labels A6", "B-01-04"),
    ):
        product = ProductFactory(sku=sku, name=name)
        stock_receive(location=bins[code], product_id=product.pk, quantity=50)
    return warehouse, bolt, glove


def _background_order(warehouse: Warehouse) -> Order:
    """Another order waiting, its lines in an order that makes a picker zig-zag."""
    lines = [OrderLineInput(Product.objects.get(sku=sku), 2) for sku in ("TAPE-48", "BOX-S")]
    lines.append(OrderLineInput(Product.objects.get(sku="LABEL-A6"), 2))
    return order_create(warehouse=warehouse, reference="SO-0999", lines=lines).order


def _claim_batch(page: Page, live_server) -> None:
    """The floor page; claim as soon as its queue (refreshing itself) shows the released picks."""
    page.goto(f"{live_server.url}/floor/")
    expect(page.locator(".claim")).to_contain_text(
        re.compile(r"\d+ tasks? waiting"), timeout=20_000
    )
    fits_the_phone(page)
    page.get_by_role("button", name="Claim next task").click()
    expect(page).to_have_url(re.compile(r"/floor/picks/\d+/$"))


def _pick(page: Page, bin_code: str, product: Product, quantity: int, *, found: int | None = None):
    """One pick by scanning: the bin, the product, then Enter on the quantity (or fewer)."""
    next_action = page.locator(".next")
    expect(next_action).to_contain_text(f"Go to {bin_code}")
    fits_the_phone(page)
    scan(page, bin_code)
    expect(next_action).to_contain_text(f"Pick {quantity} × {product.sku}")
    feedback(page, "success")
    scan(page, product.barcode)
    expect(next_action).to_contain_text(f"Picked {quantity} × {product.sku}")
    amount = page.locator("#pick-quantity")
    expect(amount).to_be_focused()
    expect(amount).to_have_value(str(quantity))
    fits_the_phone(page)
    if found is not None:
        page.keyboard.type(str(found))  # the field's text is selected: typing replaces it
    page.keyboard.press("Enter")


def _pack_and_ship(
    page: Page, reference: str, items: list[tuple[Product, int]], screenshot, *, extra=None
):
    """At the packing bench: scan the order's slip, each item (and ``extra`` once more, which
    is refused), close the package, ship."""
    page.get_by_role("link", name="Packing").click()
    expect(page.locator(".pack-card").first).to_contain_text(reference)
    fits_the_phone(page)
    if screenshot:
        settled(page)
        screenshot(page, "packing-list")
    scan(page, reference)
    expect(page).to_have_url(re.compile(r"/floor/packing/\d+/$"))
    expect(page.locator(".next")).to_contain_text("Scan each item")
    fits_the_phone(page)
    for product, count in items:
        if count > 1:  # several of the same: say how many, Enter hands on to the scan field
            page.locator(".split > summary").click()
            page.locator("#pack-quantity").fill(str(count))
            page.locator("#pack-quantity").press("Enter")
        scan(page, product.barcode)
        expect(page.locator(".notice")).to_contain_text(f"{product.sku} ✓ {count} in this package")
        feedback(page, "success")
    if extra is not None:
        scan(page, extra.barcode)
        expect(page.get_by_role("alert")).to_contain_text("this one is extra")
        feedback(page, "error")
    if screenshot:
        settled(page)
        screenshot(page, "pack")
    page.get_by_role("button", name="Close package").click()
    expect(page.locator(".notice")).to_contain_text("Package 1 closed")
    expect(page.locator(".ship-card")).to_contain_text("Everything is packed")
    page.locator(".ship-card summary").click()
    fits_the_phone(page)
    if screenshot:
        settled(page)
        screenshot(page, "pack-ship")
    page.get_by_role("button", name=f"Yes, ship {reference} now").click()
    expect(page.locator(".done-card")).to_contain_text(f"{reference} shipped")
    feedback(page, "success")
    fits_the_phone(page)


# --- (a) from arrival to shipped --------------------------------------------------------------


def test_an_order_from_arrival_to_shipped(
    browser, login, supervisor, floor_user, live_server, screenshot, celery_worker_process
):
    warehouse, bolt, glove = _shop()
    waiting = _background_order(warehouse)
    desk = login(browser, "sup", device=DESKTOP)

    # A CSV file with mistakes first: every bad row named, nothing created.
    desk.get_by_role("link", name="Orders", exact=True).click()
    desk.get_by_role("link", name="Upload CSV").click()
    bad = desk.locator("#orders-file")
    bad.set_input_files(
        {
            "name": "orders.csv",
            "mimeType": "text/csv",
            "buffer": b"reference,sku,quantity\nSO-9001,BOLT-M8,two\nSO-9001,NO-SUCH,1\n",
        }
    )
    desk.get_by_role("button", name="Upload and create orders").click()
    report = desk.locator(".csv-report")
    expect(report).to_contain_text("Quantity “two” is not a whole number of at least 1.")
    expect(report).to_contain_text("No product has the SKU NO-SUCH.")
    expect(desk.get_by_role("alert").first).to_contain_text("2 rows to fix. Nothing was created")
    settled(desk)
    screenshot(desk, "order-csv-error")
    assert not Order.objects.filter(reference="SO-9001").exists()

    # The order, typed into the form: a fourth line added and left empty is ignored.
    desk.get_by_role("link", name="← Orders").click()
    desk.get_by_role("link", name="New order").click()
    desk.get_by_label("Reference").fill("SO-1001")
    desk.get_by_label("Customer").fill("Acme Bikes Ltd")
    desk.get_by_label("Priority (1–9)").fill("2")
    desk.get_by_label("Requested ship date").fill("2031-06-30")
    desk.get_by_label("SKU or barcode, line 1").fill("BOLT-M8")
    desk.get_by_label("Quantity, line 1").fill("8")
    desk.get_by_label("SKU or barcode, line 2").fill(glove.barcode)
    desk.get_by_label("Quantity, line 2").fill("5")
    desk.get_by_role("button", name="+ Add line").click()
    expect(desk.locator(".entry-line")).to_have_count(4)
    expect(desk.get_by_label("SKU or barcode, line 4")).to_be_focused()
    settled(desk)
    screenshot(desk, "order-new")
    desk.get_by_role("button", name="Take order").click()
    expect(desk.locator(".messages")).to_contain_text("Order SO-1001 taken")
    order = Order.objects.get(reference="SO-1001")

    # The worker allocates (bolts: 5 from A-01-02, the oldest, and 3 from B-01-03) and makes
    # the pick tasks.
    wait_for(lambda: Task.objects.filter(order=order, kind="pick").count() == 3)
    wait_for(lambda: Task.objects.filter(order=waiting, kind="pick").count() == 3)
    desk.get_by_role("link", name="Orders", exact=True).click()
    row = desk.locator(f"#order-{order.pk}")
    expect(row).to_contain_text("Allocated")
    expect(row).to_contain_text("Acme Bikes Ltd")
    settled(desk)
    screenshot(desk, "orders-list")

    # Both orders in one wave, by ship date (SO-1001's comes first), three picks a batch.
    row.get_by_role("checkbox").check()
    desk.locator(f"#order-{waiting.pk}").get_by_role("checkbox").check()
    desk.get_by_label("Order the wave by").select_option("ship_date")
    desk.get_by_label("Picks per batch").fill("3")
    desk.get_by_role("button", name="Release wave").click()
    expect(desk).to_have_url(re.compile(r"/supervisor/waves/\d+/$"))
    expect(desk.locator(".messages")).to_contain_text("released to the floor")
    expect(desk.locator("#batch-1")).to_contain_text("A-01-02 → B-01-03 → B-01-01")
    expect(desk.locator("#batch-2")).to_contain_text("A-01-04 → B-01-05 → B-01-04")
    batch = PickBatch.objects.get(tasks__order=waiting, tasks__route_sequence=1)
    assert batch.route_metres < batch.unrouted_metres  # the S-shape saves walking
    settled(desk)
    screenshot(desk, "wave-released")

    # The picker on a phone: the batch's three picks along the route.
    phone = login(browser, "floor", device=PHONE)
    _claim_batch(phone, live_server)
    expect(phone.locator(".batch-progress")).to_contain_text("Pick 1 of 3 · 0 of 13 units")
    settled(phone)
    screenshot(phone, "pick-bin")

    scan(phone, "B-01-03")  # the wrong bin: refused, red, nothing changes
    expect(phone.get_by_role("alert")).to_contain_text("Wrong bin: you scanned B-01-03.")
    feedback(phone, "error")
    expect(phone.locator("html")).to_have_attribute("data-feedback-sound", "played")
    scan(phone, "A-01-02")
    expect(phone.locator(".next")).to_contain_text("Pick 5 × BOLT-M8")
    fits_the_phone(phone)
    settled(phone)
    screenshot(phone, "pick-product")
    scan(phone, glove.barcode)  # the wrong product: refused
    expect(phone.get_by_role("alert")).to_contain_text("this task is for BOLT-M8")
    feedback(phone, "error")
    scan(phone, bolt.barcode)
    expect(phone.locator("#pick-quantity")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator(".notice")).to_contain_text("Picked 5 × BOLT-M8.")
    expect(phone.locator(".batch-progress")).to_contain_text("Pick 2 of 3 · 5 of 13 units")
    _pick(phone, "B-01-03", bolt, 3)  # S-shape: up aisle A, down aisle B
    _pick(phone, "B-01-01", glove, 5)
    done = phone.locator(".done-card")
    expect(done).to_contain_text("Batch done")
    expect(done).to_contain_text("Take the picks to STAGE-01")
    feedback(phone, "success")
    fits_the_phone(phone)
    settled(phone)
    screenshot(phone, "pick-batch-done")

    _pack_and_ship(phone, "SO-1001", [(bolt, 8), (glove, 5)], screenshot, extra=glove)

    desk.goto(f"{live_server.url}/supervisor/orders/{order.pk}/")
    expect(desk.locator(".page-head__title")).to_contain_text("Shipped")
    settled(desk)
    screenshot(desk, "order-detail")

    bolts = StockLevel.objects.get(product=bolt, warehouse=warehouse)
    assert (bolts.on_hand, bolts.reserved, bolts.in_outbound, bolts.available) == (27, 0, 0, 27)
    gloves = StockLevel.objects.get(product=glove, warehouse=warehouse)
    assert (gloves.on_hand, gloves.reserved, gloves.available) == (35, 0, 35)
    assert Quant.objects.get(product=bolt, location__code="A-01-02").quantity == 0
    picks = StockMove.objects.filter(kind="pick").order_by("id")
    assert [(m.from_location.code, m.quantity) for m in picks] == [
        ("A-01-02", 5),
        ("B-01-03", 3),
        ("B-01-01", 5),
    ]
    ships = StockMove.objects.filter(kind="ship")
    assert sorted((m.product.sku, m.quantity, m.to_location.kind) for m in ships) == [
        ("BOLT-M8", 8, "customer"),
        ("GLOVE-L", 5, "customer"),
    ]
    assert DemandRecord.objects.get(product=bolt).quantity == 8
    assert stock_drift().is_clean


# --- (b) a short pick -------------------------------------------------------------------------


def test_a_short_pick_is_replaced_from_another_bin_and_the_order_still_ships(
    browser, login, floor_user, live_server, screenshot, celery_worker_process
):
    warehouse, bolt, glove = _shop()
    order = order_create(
        warehouse=warehouse,
        reference="SO-2001",
        lines=[OrderLineInput(bolt, 4), OrderLineInput(glove, 2)],
    ).order
    wait_for(lambda: Task.objects.filter(order=order, kind="pick").count() == 2)
    wave_release(warehouse_id=warehouse.pk, order_ids=[order.pk])
    phone = login(browser, "floor", device=PHONE)
    _claim_batch(phone, live_server)
    # The floor page shows the batch held as one card; it leads back to the next stop.
    phone.locator(".back-link").click()
    expect(phone.locator(".task-card__batch")).to_contain_text("2 picks left, this one first.")
    fits_the_phone(phone)
    settled(phone)
    screenshot(phone, "floor-pick-batch")
    phone.get_by_role("link", name="Continue picking").click()
    expect(phone).to_have_url(re.compile(r"/floor/picks/\d+/$"))

    # Only 1 of the 4 bolts is in A-01-02: the picker says so, and confirms.
    _pick(phone, "A-01-02", bolt, 4, found=1)
    short = phone.locator(".short-card")
    expect(short).to_contain_text("Short pick: only found 1")
    expect(short).to_contain_text("The missing 3 are looked for in another bin")
    fits_the_phone(phone)
    settled(phone)
    screenshot(phone, "pick-short")
    assert StockMove.objects.filter(kind="pick").count() == 0  # nothing until confirmed
    phone.get_by_role("button", name="Yes, only 1 found").click()

    notice = phone.locator(".notice")
    expect(notice).to_contain_text(
        "Short pick recorded: 1 of 4 × BOLT-M8. A-01-02 will be counted."
    )
    expect(notice).to_contain_text("3 more to pick from B-01-03: added to your batch.")
    feedback(phone, "info")
    expect(phone.locator(".batch-progress")).to_contain_text("Pick 2 of 3")
    _pick(phone, "B-01-01", glove, 2)
    _pick(phone, "B-01-03", bolt, 3)  # the replacement: the last stop of the batch
    expect(phone.locator(".done-card")).to_contain_text("1 short pick: the bin will be counted.")
    fits_the_phone(phone)

    count = Task.objects.get(kind="count")
    assert (count.source_location.code, count.status, count.priority) == ("A-01-02", "open", 2)
    _pack_and_ship(phone, "SO-2001", [(bolt, 4), (glove, 2)], screenshot=None)

    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert [(line.quantity, line.shipped_quantity) for line in order.lines.order_by("id")] == [
        (4, 4),
        (2, 2),
    ]
    bolts = StockLevel.objects.get(product=bolt, warehouse=warehouse)
    assert (bolts.on_hand, bolts.reserved, bolts.available) == (31, 0, 31)
    assert stock_drift().is_clean
