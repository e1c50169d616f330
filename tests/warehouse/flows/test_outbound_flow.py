"""The outbound flow end to end, with a real Celery worker process consuming from Redis.

Nothing runs eagerly: ``order_create`` commits and its on-commit hook puts
``order_allocate_task`` on the broker; the worker (tests/conftest.py ``celery_worker_process``)
allocates on its own connection and, after its own commit, enqueues ``pick_tasks_create_task``
and makes the pick tasks. Stock put away into a bin enqueues ``backorders_allocate_task`` on
commit. The tests wait for the worker's results in the database, as a handheld would see them.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.models import DemandRecord, StockLevel
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Allocation, Location, Lot, Order, OrderLine, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.picking import pick_task_complete
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive
from warehouse.services.shipping import PackedItem, order_ship, order_unpacked, package_close
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release
from warehouse.tasks import order_allocate_task, pick_tasks_create_task

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker_process"),
]

WORKER_TIMEOUT = 30  # seconds; the worker usually answers in well under one
T = TypeVar("T")


def wait_for(what: str, condition: Callable[[], T]) -> T:
    """Poll the database until ``condition`` holds (the worker commits on its own connection)."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(
                f"the worker did not {what} within {WORKER_TIMEOUT} s; "
                "see test-artifacts/celery-worker.log"
            )
        time.sleep(0.05)
    return value


def allocated(*orders) -> Callable[[], bool]:
    """The worker allocated the orders (none is still ``open``)."""
    ids = [o.pk for o in orders]
    return lambda: not Order.objects.filter(pk__in=ids, status=Order.Status.OPEN).exists()


def picks_made(*orders) -> Callable[[], bool]:
    """Every open allocation of the orders has its pick task, and they add up."""
    ids = [o.pk for o in orders]

    def check() -> bool:
        waiting = Allocation.objects.filter(line__order_id__in=ids, quantity__gt=0)
        if waiting.filter(tasks=None).exists():
            return False
        promised = waiting.aggregate(n=Sum("quantity"))["n"] or 0
        asked = (
            Task.objects.filter(
                order_id__in=ids, kind="pick", status__in=["open", "assigned"]
            ).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        return promised == asked

    return check


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def receive(bin_, product, quantity, *, days_ago=0, lot=None):
    stock_receive(
        location=bin_,
        product_id=product.pk,
        quantity=quantity,
        lot_id=lot.pk if lot else None,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def take(warehouse, reference, *lines, priority=5) -> Order:
    return order_create(
        warehouse=warehouse,
        reference=reference,
        priority=priority,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
    ).order


def scan_through(task, picker, quantity=None):
    return pick_task_complete(
        task_id=task.pk,
        user_id=picker.pk,
        scanned_location=task.source_location.code,
        scanned_product=task.product.barcode,
        quantity=quantity,
        lot_code=task.lot.code if task.lot else None,
    )


def put_everything_away(warehouse, user) -> list[Task]:
    done = []
    while task := task_claim(user_id=user.pk, warehouse_id=warehouse.pk, kinds=["putaway"]):
        done.append(
            putaway_task_complete(
                task_id=task.pk,
                user_id=user.pk,
                scanned_location=task.source_location.code,
                scanned_product=task.product.barcode,
                lot_code=task.lot.code if task.lot else None,
            )
        )
    return done


@pytest.fixture
def site():
    """Six bins in three aisles (x 0, 3, 6; y 1 and 5), capacity 100 each."""
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(
            warehouse=warehouse,
            code=f"A{i // 2}-{i % 2}",
            aisle=f"A{i // 2}",
            x=float(i // 2 * 3),
            y=1.0 + 4 * (i % 2),
            capacity_units=100,
        )
        for i in range(6)
    ]
    return warehouse, bins


# --- from arrival to shipped ---------------------------------------------------------------------


def test_an_order_goes_from_arrival_to_shipped_through_the_worker(site):
    warehouse, bins = site
    plain, fresh = ProductFactory(), ProductFactory(tracking="lot_expiry")
    today = timezone.localdate()
    receive(bins[4], plain, 10, days_ago=9)  # the oldest, far away
    receive(bins[1], plain, 10, days_ago=2)
    early = Lot.objects.create(product=fresh, code="EARLY", expiry_date=today + timedelta(20))
    late = Lot.objects.create(product=fresh, code="LATE", expiry_date=today + timedelta(90))
    receive(bins[0], fresh, 6, days_ago=30, lot=late)
    receive(bins[3], fresh, 6, days_ago=1, lot=early)
    picker, packer = _user("picker", "floor"), _user("packer", "supervisor")

    order = take(warehouse, "SO-FLOW-1", (plain, 14), (fresh, 8), priority=2)

    # Arrival: the worker allocates (FIFO, FEFO) and then makes the pick tasks.
    wait_for("allocate the order", allocated(order))
    wait_for("make the pick tasks", picks_made(order))
    order.refresh_from_db()
    assert order.status == Order.Status.ALLOCATED
    promised = sorted(
        Allocation.objects.filter(line__order=order).values_list("location__code", "quantity")
    )
    # plain: the oldest receipt (A2-0) first; fresh: the earliest expiry (A1-1) first.
    assert promised == [("A0-0", 2), ("A0-1", 4), ("A1-1", 6), ("A2-0", 10)]
    assert dict(
        Allocation.objects.filter(line__product=fresh).values_list("lot__code", "quantity")
    ) == {"EARLY": 6, "LATE": 2}
    stock = level(plain, warehouse)
    assert (stock.on_hand, stock.reserved, stock.available) == (20, 14, 6)
    assert task_claim(user_id=picker.pk, warehouse_id=warehouse.pk) is None  # no wave yet

    # Release: one batch, sorted along the S-shape path.
    wave = wave_release(warehouse_id=warehouse.pk, released_by_id=packer.pk)
    (batch,) = wave.batches.all()
    assert batch.route_metres <= batch.unrouted_metres

    # The picker claims the batch and walks it stop by stop, scanning bin and product.
    walked = []
    while task := task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"]):
        assert task.batch_id == batch.pk
        walked.append(task.source_location.code)
        scan_through(task, picker)
    # S-shape: up aisle A0, down A1, up A2; not the order lines' order (A2-0 was first).
    assert walked == ["A0-0", "A0-1", "A1-1", "A2-0"]
    order.refresh_from_db()
    assert order.status == Order.Status.PICKED
    stock = level(plain, warehouse)
    assert (stock.on_hand, stock.reserved, stock.in_outbound, stock.available) == (20, 0, 14, 6)

    # Packing checks the picked items into two packages; shipping moves them out.
    unpacked = order_unpacked(order=order)
    items = [PackedItem(p, lot, q) for (p, lot), q in sorted(unpacked.items(), key=str)]
    package_close(order_id=order.pk, user_id=packer.pk, items=items[:1])
    package_close(order_id=order.pk, user_id=packer.pk, items=items[1:])
    assert order_unpacked(order=order) == {}
    shipped = order_ship(order_id=order.pk, user_id=packer.pk)

    assert shipped.status == Order.Status.SHIPPED
    assert {ln.product_id: ln.shipped_quantity for ln in shipped.lines.all()} == {
        plain.pk: 14,
        fresh.pk: 8,
    }
    for product, left in ((plain, 6), (fresh, 4)):
        stock = level(product, warehouse)
        assert (stock.on_hand, stock.reserved, stock.in_outbound, stock.available) == (
            left,
            0,
            0,
            left,
        )
    assert dict(
        DemandRecord.objects.filter(warehouse=warehouse, date=today).values_list(
            "product_id", "quantity"
        )
    ) == {plain.pk: 14, fresh.pk: 8}
    # The ledger: four picks from the bins to staging, then the staged units to the customer.
    picks = StockMove.objects.filter(kind="pick", reference="order:SO-FLOW-1")
    assert picks.count() == 4
    assert {m.to_location.kind for m in picks} == {Location.Kind.STAGING}
    ships = StockMove.objects.filter(kind="ship", reference="order:SO-FLOW-1")
    assert {m.to_location.kind for m in ships} == {Location.Kind.CUSTOMER}
    assert sum(m.quantity for m in ships) == 22
    assert ships.filter(lot=early).aggregate(n=Sum("quantity"))["n"] == 6
    assert not Quant.objects.filter(location__kind="staging", quantity__gt=0).exists()
    assert stock_drift().is_clean


def test_redelivered_allocation_and_picking_messages_change_nothing(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[2], product, 5)
    order = take(warehouse, "SO-AGAIN", (product, 8))
    wait_for("allocate the order", allocated(order))
    wait_for("make the pick tasks", picks_made(order))

    def snapshot():
        return (
            sorted(Allocation.objects.values_list("quant_id", "quantity")),
            sorted(Task.objects.values_list("origin_key", "quantity", "status")),
            list(Quant.objects.order_by("pk").values_list("quantity", "reserved")),
        )

    before = snapshot()
    assert order_allocate_task.delay(order_id=order.pk).get(timeout=WORKER_TIMEOUT) == 0
    assert pick_tasks_create_task.delay(order_ids=[order.pk]).get(timeout=WORKER_TIMEOUT) == 0
    assert snapshot() == before
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_ALLOCATED


# --- no oversell through the worker --------------------------------------------------------------


def test_many_orders_allocated_by_the_worker_and_by_callers_at_once_never_oversell(site):
    """30 orders committed from 6 threads: each commit sends one allocation to the worker,
    while two more threads allocate the same orders in-process. 45 units for 90 wanted."""
    warehouse, bins = site
    a, b = ProductFactory(), ProductFactory()
    for i, bin_ in enumerate(bins[:3]):
        receive(bin_, a, 10, days_ago=i)
    for i, bin_ in enumerate(bins[3:]):
        receive(bin_, b, 5, days_ago=i)
    orders: list[Order] = []

    def take_five(thread: int) -> None:
        for n in range(5):
            lines = [(a, 2), (b, 1)] if n % 2 else [(b, 1), (a, 2)]
            orders.append(take(warehouse, f"SO-{thread}-{n}", *lines, priority=1 + n))

    def allocate_whatever_exists() -> None:
        for _ in range(10):
            ids = list(Order.objects.filter(warehouse=warehouse).values_list("pk", flat=True))
            orders_allocate(order_ids=ids)

    results = run_together(
        [lambda t=t: take_five(t) for t in range(6)] + [allocate_whatever_exists] * 2
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(orders) == 30
    wait_for("allocate every order", allocated(*orders))
    wait_for("make every pick task", picks_made(*orders))
    for product, stock in ((a, 30), (b, 15)):
        promised = Allocation.objects.filter(line__product=product).aggregate(n=Sum("quantity"))
        assert promised["n"] == stock  # every unit promised, none twice
        assert level(product, warehouse).reserved == stock
        assert level(product, warehouse).available == 0
    for quant in Quant.objects.filter(warehouse=warehouse):
        assert quant.reserved == quant.quantity  # all promised, never beyond
    for line in OrderLine.objects.filter(order__in=orders):
        given = line.allocations.aggregate(n=Sum("quantity"))["n"] or 0
        assert line.allocated_quantity == given <= line.quantity
    assert stock_drift().is_clean


# --- backorders filled when stock arrives ---------------------------------------------------------


def test_backorders_are_filled_by_the_worker_when_received_stock_is_put_away(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 4)
    floor = _user("floor", "floor")
    normal = take(warehouse, "SO-NORMAL", (product, 10), priority=5)
    wait_for("allocate the first order", allocated(normal))
    urgent = take(warehouse, "SO-URGENT", (product, 6), priority=1)
    wait_for("allocate the second order", allocated(urgent))
    assert normal.lines.get().allocated_quantity == 4
    urgent.refresh_from_db()
    assert urgent.status == Order.Status.BACKORDERED

    # A delivery of 8: received at the dock (not available there), planned by the worker...
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 8)], user_id=floor.pk)
    assert urgent.lines.get().allocated_quantity == 0  # the dock is not allocated from
    wait_for("plan the putaway", lambda: Task.objects.filter(kind="putaway").exists())
    # ...and once it is in a bin, the worker gives it to the waiting orders, most urgent first.
    put_everything_away(warehouse, floor)

    wait_for("fill the urgent backorder", lambda: urgent.lines.get().allocated_quantity == 6)
    wait_for("fill the rest", lambda: normal.lines.get().allocated_quantity == 6)
    wait_for("make the new pick tasks", picks_made(normal, urgent))
    urgent.refresh_from_db()
    normal.refresh_from_db()
    assert (urgent.status, normal.status) == (
        Order.Status.ALLOCATED,
        Order.Status.PARTIALLY_ALLOCATED,
    )
    stock = level(product, warehouse)
    assert (stock.on_hand, stock.reserved, stock.available, stock.in_receiving) == (12, 12, 0, 0)
    assert stock_drift().is_clean


def test_a_short_pick_backorders_and_the_next_delivery_fills_it(site):
    warehouse, bins = site
    product = ProductFactory(tracking="lot")
    receive(bins[5], product, 6, days_ago=5, lot=Lot.objects.create(product=product, code="OLD"))
    picker, floor = _user("picker", "floor"), _user("floor", "floor")
    order = take(warehouse, "SO-SHORT", (product, 6))
    wait_for("allocate the order", allocated(order))
    wait_for("make the pick task", picks_made(order))
    wave_release(warehouse_id=warehouse.pk)
    task = task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"])

    scan_through(task, picker, quantity=2)  # only 2 of 6 in the bin

    line = order.lines.get()
    assert (line.picked_quantity, line.allocated_quantity, line.backordered_quantity) == (2, 2, 4)
    count = Task.objects.get(kind="count")
    assert (count.source_location_id, count.parent_id) == (bins[5].pk, task.pk)
    assert level(product, warehouse).reserved == 0  # nothing else to promise

    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(
        receipt_id=receipt.pk,
        entries=[ReceivedEntry(product, 10, lot_code="NEW")],
        user_id=floor.pk,
    )
    wait_for("plan the putaway", lambda: Task.objects.filter(kind="putaway").exists())
    (putaway,) = put_everything_away(warehouse, floor)
    assert putaway.destination_location_id != bins[5].pk  # another lot: not consolidated

    wait_for("fill the backorder", lambda: order.lines.get().allocated_quantity == 6)
    wait_for("make the replacement pick", picks_made(order))
    (replacement,) = Task.objects.filter(order=order, kind="pick", status="open")
    assert replacement.quantity == 4
    # From the delivery, not from the bin that came up short (older, so FIFO would prefer
    # it): the 4 units the picker did not find there wait for the count.
    assert (replacement.source_location_id, replacement.lot.code) == (
        putaway.destination_location_id,
        "NEW",
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PICKING
    assert stock_drift().is_clean
