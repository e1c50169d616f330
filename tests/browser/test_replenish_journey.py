"""Replenishing a pick face on a 360 x 740 phone in headless Chromium.

The replenish task comes from the planner (``pick_faces_replenish``, what the worker runs);
the floor user claims it on the floor page and scans it through like a putaway: the reserve
bin, the product, the pick face. A wrong bin is refused and changes nothing.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import PHONE
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.intake import stock_receive
from warehouse.services.pick_faces import pick_face_rule_create
from warehouse.services.replenish import pick_faces_replenish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = PHONE["viewport"]["width"]


def scan(page: Page, code: str) -> None:
    """A keyboard-wedge scanner: type into the focused field, then Enter."""
    expect(page.locator(".htmx-request, .htmx-settling")).to_have_count(0, timeout=30_000)
    expect(page.locator("#scan-code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def settled(page: Page) -> None:
    expect(page.locator('#flash[class*="flash--"]')).to_have_count(0, timeout=30_000)


def test_a_floor_user_replenishes_a_pick_face_on_the_phone(
    browser, login, floor_user, live_server, screenshot
):
    warehouse = WarehouseFactory(code="MAIN", name="Main warehouse")
    face = LocationFactory(
        warehouse=warehouse, code="P-01-01", kind=Location.Kind.PICK, capacity_units=60
    )
    LocationFactory(warehouse=warehouse, code="A-07-03", capacity_units=300)
    reserve = LocationFactory(warehouse=warehouse, code="A-07-04", capacity_units=300)
    product = ProductFactory(sku="GLOVE-L", name="Nitrile gloves, size L, box of 100")
    pick_face_rule_create(
        location_id=face.pk, product_id=product.pk, min_quantity=12, max_quantity=48
    )
    old = timezone.now() - timedelta(days=5)
    stock_receive(location=face, product_id=product.pk, quantity=6, received_at=old)
    stock_receive(location=reserve, product_id=product.pk, quantity=200, received_at=old)
    (planned,) = pick_faces_replenish(warehouse_id=warehouse.pk)

    page = login(browser, "floor", device=PHONE)
    page.goto(f"{live_server.url}/floor/")
    expect(page.locator(".claim")).to_contain_text("1 task waiting")
    page.get_by_role("button", name="Claim next task").click()
    expect(page).to_have_url(re.compile(rf"/floor/tasks/{planned.pk}/$"))
    expect(page.locator(".task-head")).to_contain_text("Replenish")
    expect(page.locator(".task-head")).to_contain_text("42 × GLOVE-L")
    expect(page.locator(".next")).to_contain_text("Go to A-07-04")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "replenish-source")

    # The neighbouring bin is refused at once, and nothing moves.
    scan(page, "A-07-03")
    expect(page.get_by_role("alert")).to_contain_text(
        "You scanned A-07-03; this stock is in A-07-04."
    )
    scan(page, "A-07-04")
    expect(page.locator(".next")).to_contain_text("Scan the product")
    scan(page, product.barcode)
    expect(page.locator(".next")).to_contain_text("Put 42 into P-01-01")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "replenish-destination")

    scan(page, "P-01-01")
    done = page.locator(".done-card")
    expect(done).to_contain_text("Task done")
    expect(done).to_contain_text("42 of 42")
    expect(done).to_contain_text("P-01-01")
    fits_the_phone(page)
    settled(page)
    screenshot(page, "replenish-done")

    task = Task.objects.get(pk=planned.pk)
    assert (task.status, task.assignee.username) == ("done", "floor")
    on_face = Quant.objects.filter(location=face, product=product).values_list(
        "quantity", flat=True
    )
    assert sum(on_face) == 48  # back at the maximum
    move = StockMove.objects.get(task=task)
    assert (move.kind, move.from_location_id, move.quantity) == ("replenish", reserve.pk, 42)
    assert stock_drift().is_clean
    # The face is full: the planner has nothing more to do.
    assert pick_faces_replenish(warehouse_id=warehouse.pk) == []
