"""The one-trip pick (the database function ``warehouse_pick_confirm``) against the full Python
path, which stays the specification: the same picks in two identical warehouses, one by GTIN
scans (the one-trip path) and one by typed SKUs (the Python path), must leave the same rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.errors import WrongLot, WrongProduct
from inventory.models import Product, StockLevel
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Allocation, Lot, Order, OrderLine, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release

BASE = timezone.now().replace(microsecond=0) - timedelta(days=30)


@pytest.fixture
def products(db):
    plain = ProductFactory()
    tracked = ProductFactory(tracking="lot_expiry")
    lot = Lot.objects.create(
        product=tracked, code="L-7", expiry_date=timezone.localdate() + timedelta(days=200)
    )
    return plain, tracked, lot


def _world(plain, tracked, lot, *, tag):
    """A warehouse with stock in two bins, older stock of ``plain`` already at staging, and
    two orders (three picks) allocated, their pick tasks claimed by one picker."""
    warehouse = WarehouseFactory(code=f"W{tag}")
    bins = [LocationFactory(warehouse=warehouse, code=f"{tag}-{i}") for i in range(2)]
    stock_receive(location=bins[0], product_id=plain.pk, quantity=10, received_at=BASE)
    stock_receive(
        location=bins[1], product_id=tracked.pk, quantity=6, lot_id=lot.pk, received_at=BASE
    )
    staging = warehouse.locations.get(kind="staging")
    stock_receive(location=staging, product_id=plain.pk, quantity=1, received_at=BASE)
    orders = [
        order_create(
            warehouse=warehouse,
            reference=f"{tag}-A",
            lines=[OrderLineInput(plain, 4), OrderLineInput(tracked, 3)],
        ).order,
        order_create(
            warehouse=warehouse, reference=f"{tag}-B", lines=[OrderLineInput(plain, 2)]
        ).order,
    ]
    orders_allocate(order_ids=[o.pk for o in orders])
    pick_tasks_create(order_ids=[o.pk for o in orders])
    picker = _user(f"picker{tag}", "floor")
    tasks = list(
        Task.objects.filter(warehouse=warehouse, kind="pick")
        .select_related("product", "source_location")
        .order_by("pk")
    )
    return warehouse, picker, tasks


def _snapshot(warehouse):
    """Every row the picks touch, without ids, times and the world's own names."""
    name = {warehouse.code[1:] + "-": "", warehouse.code: ""}

    def plain(text):
        for old, new in name.items():
            text = text.replace(old, new)
        return text

    return {
        "quants": sorted(
            (q.product.sku, plain(q.location.code), q.lot_id, q.quantity, q.reserved, q.received_at)
            for q in Quant.objects.filter(warehouse=warehouse).select_related("product", "location")
        ),
        "levels": sorted(
            StockLevel.objects.filter(warehouse=warehouse).values_list(
                "product__sku",
                "on_hand",
                "reserved",
                "in_outbound",
                "available",
                "blocked",
                "in_receiving",
            )
        ),
        "moves": sorted(
            (
                m.kind,
                m.product.sku,
                m.lot_id,
                plain(m.from_location.code),
                plain(m.to_location.code),
                m.quantity,
                m.actor.username[:6] if m.actor else None,
                plain(m.reference),
                m.idempotency_key.replace(str(m.task_id), "T") if m.idempotency_key else None,
                m.task.order_line.product.sku if m.task else None,
            )
            for m in StockMove.objects.filter(warehouse=warehouse, kind="pick").select_related(
                "product", "from_location", "to_location", "actor", "task__order_line__product"
            )
        ),
        "allocations": sorted(
            Allocation.objects.filter(line__order__warehouse=warehouse).values_list(
                "line__product__sku", "quantity", "picked_quantity"
            )
        ),
        "lines": sorted(
            OrderLine.objects.filter(order__warehouse=warehouse).values_list(
                "product__sku", "quantity", "allocated_quantity", "picked_quantity"
            )
        ),
        "orders": sorted(
            (plain(o.reference), o.status) for o in Order.objects.filter(warehouse=warehouse)
        ),
        "tasks": sorted(
            (
                t.product.sku,
                t.status,
                t.quantity,
                t.quantity_done,
                t.assignee.username[:6] if t.assignee else None,
                t.assigned_at is not None,
                t.started_at is not None,
                t.completed_at is not None and t.updated_at >= t.completed_at,
            )
            for t in Task.objects.filter(warehouse=warehouse, kind="pick").select_related(
                "product", "assignee"
            )
        ),
    }


def _statements(queries):
    """Statements sent, without the savepoints of the test's own transaction."""
    return len([q for q in queries if "SAVEPOINT" not in q["sql"]])


def _pick(task, picker, product_scan, **extra):
    return pick_task_complete(
        task_id=task.pk,
        user_id=picker.pk,
        scanned_location=task.source_location.barcode,
        scanned_product=product_scan,
        **extra,
    )


@pytest.mark.parametrize("claim_first", [True, False], ids=["claimed", "open"])
def test_one_trip_picks_leave_the_same_rows_as_the_python_path(products, claim_first):
    _compare_paths(*products, claim_first=claim_first)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_pick_is_one_statement_and_still_the_same_rows():
    tracked = ProductFactory(tracking="lot_expiry")
    lot = Lot.objects.create(
        product=tracked, code="L-7", expiry_date=timezone.localdate() + timedelta(days=200)
    )
    _compare_paths(ProductFactory(), tracked, lot, claim_first=True)


def _compare_paths(plain, tracked, lot, *, claim_first):
    one_trip = _world(plain, tracked, lot, tag="1")
    python = _world(plain, tracked, lot, tag="2")
    for warehouse, picker, tasks in (one_trip, python):
        if claim_first:
            wave_release(warehouse_id=warehouse.pk)
            for _ in tasks:
                task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"])
    before = {w.code: (_snapshot(w)) for w, _, _ in (one_trip, python)}
    assert before["W1"] == before["W2"]

    warehouse, picker, tasks = one_trip
    for task in tasks:
        gtin = f"(01)0{task.product.barcode}" if task.lot_id else task.product.barcode
        with CaptureQueriesContext(connection) as queries:
            done = _pick(task, picker, gtin)
        assert _statements(queries) == 1  # one round trip, with BEGIN and COMMIT
        assert (done.pk, done.status, done.quantity_done) == (task.pk, "done", task.quantity)
    warehouse, picker, tasks = python
    for task in tasks:
        with CaptureQueriesContext(connection) as queries:
            _pick(task, picker, task.product.sku.lower())  # typed: the Python path
        assert _statements(queries) > 5

    after_one_trip, after_python = _snapshot(one_trip[0]), _snapshot(python[0])
    assert after_one_trip == after_python
    assert after_one_trip["orders"] == [("A", "picked"), ("B", "picked")]
    assert stock_drift().is_clean


def test_a_repeat_of_a_one_trip_pick_changes_nothing(products):
    plain, tracked, lot = products
    warehouse, picker, tasks = _world(plain, tracked, lot, tag="1")
    _pick(tasks[0], picker, plain.barcode)
    before = _snapshot(warehouse)

    again = _pick(tasks[0], picker, plain.barcode)  # a double tap

    assert again.status == "done"
    assert _snapshot(warehouse) == before


def test_what_the_one_trip_path_cannot_match_the_python_path_refuses_clearly(products):
    plain, tracked, lot = products
    warehouse, picker, tasks = _world(plain, tracked, lot, tag="1")
    tracked_task = next(t for t in tasks if t.lot_id)
    before = _snapshot(warehouse)

    with pytest.raises(WrongLot, match="lot L-9"):
        _pick(tracked_task, picker, f"(01)0{tracked.barcode}(10)L-9")
    with pytest.raises(WrongProduct):
        _pick(tracked_task, picker, plain.barcode)

    plain_task = next(t for t in tasks if not t.lot_id)
    Product.objects.filter(pk=plain.pk).update(barcode=None)  # a label never registered
    with pytest.raises(WrongProduct):
        _pick(plain_task, picker, plain.barcode)

    assert _snapshot(warehouse) == before
    done = _pick(tracked_task, picker, f"(01)0{tracked.barcode}(10)L-7")
    assert done.status == "done"


def test_a_short_pick_by_gtin_takes_the_python_path(products):
    plain, tracked, lot = products
    warehouse, picker, tasks = _world(plain, tracked, lot, tag="1")

    done = _pick(tasks[0], picker, plain.barcode, quantity=tasks[0].quantity - 1)

    assert done.quantity_done == tasks[0].quantity - 1
    assert Task.objects.filter(warehouse=warehouse, kind="count").count() == 1
    assert stock_drift().is_clean


@pytest.mark.parametrize("in_transaction", [True, False], ids=["savepoint", "autocommit"])
def test_a_pick_the_function_begins_then_declines_is_undone_and_done_in_python(
    products, in_transaction, request
):
    if not in_transaction:
        request.getfixturevalue("transactional_db")
    plain, tracked, lot = products
    warehouse, picker, tasks = _world(plain, tracked, lot, tag="1")
    source = tasks[0].source_location
    # Blocked under the allocation: the function sees it only after taking the level lock.
    location_set_blocked(location_id=source.pk, blocked=True, reason="rack damage")

    with CaptureQueriesContext(connection) as queries:
        done = _pick(tasks[0], picker, plain.barcode)

    assert "warehouse_pick_confirm" in queries[0]["sql"] or any(
        "warehouse_pick_confirm" in q["sql"] for q in queries[:3]
    )
    assert _statements(queries) > 5  # declined, then the Python path
    assert done.status == "done"
    assert StockMove.objects.filter(task=done).count() == 1
    assert stock_drift().is_clean
