"""Outbound services: orders, FIFO/FEFO allocation, waves, picking, short picks, ship, cancel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.errors import Conflict, InsufficientStock, NotAllowed, WrongLocation
from inventory.models import DemandRecord, StockLevel
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Allocation, Lot, Order, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import backorders_allocate, orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_cancel, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.shipping import PackedItem, order_ship, package_close
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release


@pytest.fixture
def site(db):
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(
            warehouse=warehouse, code=f"A-{i}", aisle=f"{i // 3}", x=(i // 3) * 3, y=i % 3
        )
        for i in range(9)
    ]
    return warehouse, bins


def receive(bin_, product, quantity, *, days_ago=0, lot=None):
    return stock_receive(
        location=bin_,
        product_id=product.pk,
        quantity=quantity,
        lot_id=lot.pk if lot else None,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def order(warehouse, *lines, reference=None, priority=5):
    reference = reference or f"SO-{Order.objects.count() + 1}"
    taken = order_create(
        warehouse=warehouse,
        reference=reference,
        priority=priority,
        lines=[OrderLineInput(p, q) for p, q in lines],
    )
    return taken.order


def test_fifo_takes_the_oldest_receipts_first_across_bins(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5, days_ago=1)
    receive(bins[1], product, 5, days_ago=9)
    receive(bins[2], product, 5, days_ago=4)
    so = order(warehouse, (product, 8))

    allocations = orders_allocate(order_ids=[so.pk])

    assert [(a.location.code, a.quantity) for a in allocations] == [("A-1", 5), ("A-2", 3)]
    so.refresh_from_db()
    assert so.status == Order.Status.ALLOCATED


def test_fefo_takes_the_earliest_expiry_never_expired_nor_too_short_lived(site):
    warehouse, bins = site
    product = ProductFactory(tracking="lot_expiry")
    product.min_shelf_life_days = 10
    product.save(update_fields=["min_shelf_life_days"])
    today = timezone.localdate()
    lots = {
        name: Lot.objects.create(product=product, code=name, expiry_date=today + timedelta(d))
        for name, d in [("EXPIRED", -1), ("SOON", 5), ("LATE", 90), ("MID", 30)]
    }
    for i, lot in enumerate(lots.values()):
        receive(bins[i], product, 4, days_ago=50 - i, lot=lot)
    so = order(warehouse, (product, 6))

    allocations = orders_allocate(order_ids=[so.pk])

    assert [(a.lot.code, a.quantity) for a in allocations] == [("MID", 4), ("LATE", 2)]


def test_blocked_bins_and_the_dock_are_never_allocated(site):
    warehouse, bins = site
    product = ProductFactory()
    from tests.factories.warehouse import dock
    from warehouse.services.layout import location_set_blocked

    receive(dock(warehouse), product, 10)
    receive(bins[0], product, 3)
    location_set_blocked(location_id=bins[0].pk, blocked=True, reason="damaged")
    so = order(warehouse, (product, 5))

    assert orders_allocate(order_ids=[so.pk]) == []
    so.refresh_from_db()
    assert so.status == Order.Status.BACKORDERED


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_promise_more_than_the_stock():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    for _ in range(3):
        receive(LocationFactory(warehouse=warehouse), product, 10)
    orders = [order(warehouse, (product, 7), reference=f"RACE-{i}") for i in range(8)]

    results = run_together([lambda o=o: orders_allocate(order_ids=[o.pk]) for o in orders])

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(a.quantity for a in Allocation.objects.all()) == 30
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.reserved, level.available) == (30, 0)
    assert all(q.reserved <= q.quantity for q in Quant.objects.all())
    assert stock_drift().is_clean


def _released_picks(warehouse, so, picker):
    pick_tasks_create(order_ids=[so.pk])
    wave_release(warehouse_id=warehouse.pk)
    return task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"])


def test_picks_wait_for_their_wave_then_go_bin_to_staging(site):
    warehouse, bins = site
    product = ProductFactory()
    picker = _user("picker", "floor")
    receive(bins[4], product, 10)
    so = order(warehouse, (product, 4))
    orders_allocate(order_ids=[so.pk])
    pick_tasks_create(order_ids=[so.pk])
    assert task_claim(user_id=picker.pk, warehouse_id=warehouse.pk) is None  # not released

    wave_release(warehouse_id=warehouse.pk)
    task = task_claim(user_id=picker.pk, warehouse_id=warehouse.pk)
    with pytest.raises(WrongLocation):
        pick_task_complete(
            task_id=task.pk,
            user_id=picker.pk,
            scanned_location="A-0",
            scanned_product=product.barcode,
        )
    with pytest.raises(NotAllowed):
        pick_task_complete(
            task_id=task.pk,
            user_id=_user("x", "floor").pk,
            scanned_location="A-4",
            scanned_product=product.barcode,
        )
    pick_task_complete(
        task_id=task.pk, user_id=picker.pk, scanned_location="A-4", scanned_product=product.barcode
    )
    pick_task_complete(
        task_id=task.pk, user_id=picker.pk, scanned_location="A-4", scanned_product=product.barcode
    )  # a double tap

    so.refresh_from_db()
    assert so.status == Order.Status.PICKED
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved, level.in_outbound, level.available) == (10, 0, 4, 6)
    assert StockMove.objects.filter(kind="pick").count() == 1


def test_a_short_pick_reallocates_elsewhere_and_flags_the_bin_for_counting(site):
    warehouse, bins = site
    product = ProductFactory()
    picker = _user("picker", "floor")
    receive(bins[0], product, 5, days_ago=5)
    receive(bins[7], product, 5, days_ago=1)
    so = order(warehouse, (product, 5))
    orders_allocate(order_ids=[so.pk])
    task = _released_picks(warehouse, so, picker)
    assert task.source_location.code == "A-0"

    pick_task_complete(
        task_id=task.pk,
        user_id=picker.pk,
        scanned_location="A-0",
        scanned_product=product.sku,
        quantity=3,
    )

    replacement = Task.objects.get(kind="pick", status="assigned")
    assert (replacement.source_location.code, replacement.quantity) == ("A-7", 2)
    count = Task.objects.get(kind="count")
    assert count.source_location.code == "A-0"
    line = so.lines.get()
    assert (line.allocated_quantity, line.picked_quantity) == (5, 3)
    assert stock_drift().is_clean


def test_a_short_pick_with_no_other_stock_backorders_until_stock_arrives(site):
    warehouse, bins = site
    product = ProductFactory()
    picker = _user("picker", "floor")
    receive(bins[0], product, 5)
    so = order(warehouse, (product, 5))
    orders_allocate(order_ids=[so.pk])
    task = _released_picks(warehouse, so, picker)
    pick_task_complete(
        task_id=task.pk,
        user_id=picker.pk,
        scanned_location="A-0",
        scanned_product=product.sku,
        quantity=1,
    )
    so.refresh_from_db()
    assert so.lines.get().backordered_quantity == 4

    receive(bins[5], product, 10)
    backorders_allocate(product_id=product.pk, warehouse_id=warehouse.pk)

    assert so.lines.get().backordered_quantity == 0


def test_pack_and_ship_moves_stock_out_and_records_demand(site):
    warehouse, bins = site
    product = ProductFactory()
    picker = _user("picker", "floor")
    receive(bins[2], product, 10)
    so = order(warehouse, (product, 6))
    orders_allocate(order_ids=[so.pk])
    task = _released_picks(warehouse, so, picker)
    pick_task_complete(
        task_id=task.pk, user_id=picker.pk, scanned_location="A-2", scanned_product=product.sku
    )

    with pytest.raises(Exception, match="picked and not yet packed"):
        package_close(order_id=so.pk, user_id=picker.pk, items=[PackedItem(product.pk, None, 7)])
    package_close(order_id=so.pk, user_id=picker.pk, items=[PackedItem(product.pk, None, 6)])
    order_ship(order_id=so.pk, user_id=picker.pk)
    order_ship(order_id=so.pk, user_id=picker.pk)  # again: nothing more

    so.refresh_from_db()
    assert so.status == Order.Status.SHIPPED
    assert so.lines.get().shipped_quantity == 6
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.in_outbound, level.available) == (4, 0, 4)
    assert DemandRecord.objects.get(product=product).quantity == 6
    assert StockMove.objects.get(kind="ship").to_location.kind == "customer"
    assert stock_drift().is_clean


def test_cancel_releases_reservations_cancels_picks_and_returns_picked_goods(site):
    warehouse, bins = site
    a, b = ProductFactory(), ProductFactory()
    picker = _user("picker", "floor")
    receive(bins[0], a, 5)
    receive(bins[8], b, 5)
    so = order(warehouse, (a, 2), (b, 3))
    orders_allocate(order_ids=[so.pk])
    first = _released_picks(warehouse, so, picker)
    pick_task_complete(
        task_id=first.pk,
        user_id=picker.pk,
        scanned_location=first.source_location.code,
        scanned_product=first.product.sku,
    )

    order_cancel(order_id=so.pk, reason="customer changed mind")

    so.refresh_from_db()
    assert so.status == Order.Status.CANCELLED
    assert not Task.objects.filter(kind="pick", status__in=["open", "assigned"]).exists()
    assert StockLevel.objects.filter(warehouse=warehouse, reserved__gt=0).count() == 0
    back = Task.objects.get(kind="putaway")
    assert back.source_location.kind == "staging"
    with pytest.raises(Conflict):
        order_ship(order_id=so.pk)
    assert stock_drift().is_clean


def test_an_order_reference_posted_twice_is_one_order(site):
    warehouse, _ = site
    product = ProductFactory()
    first = order_create(warehouse=warehouse, reference="SO-X", lines=[OrderLineInput(product, 1)])
    again = order_create(warehouse=warehouse, reference="SO-X", lines=[OrderLineInput(product, 9)])
    assert (first.created, again.created) == (True, False)
    assert first.order.pk == again.order.pk


def test_wave_batches_follow_the_s_shape_and_save_walking(site):
    warehouse, bins = site
    products = [ProductFactory() for _ in range(9)]
    for product, bin_ in zip(products, reversed(bins), strict=True):
        receive(bin_, product, 5)
    so = order(warehouse, *[(p, 1) for p in products])
    orders_allocate(order_ids=[so.pk])
    pick_tasks_create(order_ids=[so.pk])
    wave = wave_release(warehouse_id=warehouse.pk, picks_per_batch=20)

    (batch,) = wave.batches.all()
    route = list(
        batch.tasks.order_by("route_sequence").values_list("source_location__code", flat=True)
    )
    assert route == ["A-0", "A-1", "A-2", "A-5", "A-4", "A-3", "A-6", "A-7", "A-8"]
    assert batch.route_metres <= batch.unrouted_metres


def test_pick_confirmation_cannot_take_reserved_stock_twice(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 2)
    so1, so2 = order(warehouse, (product, 2)), order(warehouse, (product, 2))
    orders_allocate(order_ids=[so1.pk, so2.pk])
    from warehouse.services.moves import stock_move

    with pytest.raises(InsufficientStock):
        stock_move(
            product_id=product.pk,
            quantity=1,
            from_location_id=bins[0].pk,
            to_location_id=bins[1].pk,
        )
    so2.refresh_from_db()
    assert so2.status == Order.Status.BACKORDERED
