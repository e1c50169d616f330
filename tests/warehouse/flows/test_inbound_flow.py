"""The inbound flow end to end, with a real Celery worker process consuming from Redis.

Nothing runs eagerly: the services commit, ``transaction.on_commit`` puts the planning task on
the broker, and the worker (tests/conftest.py ``celery_worker_process``) plans on its own
database connection. The tests wait for the worker's result in the database, as a handheld
would see it, with a timeout.
"""

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db.models import Sum

from inventory.models import PurchaseOrder, StockLevel
from inventory.services.purchasing import OrderLineInput, purchase_order_create, purchase_order_send
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from warehouse.models import Location, Quant, ReceiptItem, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.qc import qc_task_record, qc_task_to_bench
from warehouse.services.quarantine import quarantine_release
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive
from warehouse.services.tasks import task_claim
from warehouse.tasks import qc_inspection_plan_task, receipt_plan_task, release_plan_task

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker_process"),
]

WORKER_TIMEOUT = 20  # seconds; the worker usually answers in well under one
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


def receipt_planned(receipt) -> Callable[[], bool]:
    items = ReceiptItem.objects.filter(line__receipt=receipt)
    return lambda: items.exists() and not items.filter(planned_at__isnull=True).exists()


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


@pytest.fixture
def site():
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(warehouse=warehouse, code=f"B-{i}", capacity_units=50, x=5 + i, y=0)
        for i in range(4)
    ]
    return warehouse, bins


def put_everything_away(warehouse, user) -> list[Task]:
    """A floor worker claims putaway tasks one by one and scans them through."""
    done = []
    while task := task_claim(user_id=user.pk, warehouse_id=warehouse.pk, kinds=["putaway"]):
        done.append(
            putaway_task_complete(
                task_id=task.pk,
                user_id=user.pk,
                scanned_location=task.source_location.code,
                scanned_product=task.product.barcode or task.product.sku,
                lot_code=task.lot.code if task.lot else None,
            )
        )
    return done


def bins_within_capacity(warehouse) -> bool:
    for location in Location.objects.filter(warehouse=warehouse, capacity_units__isnull=False):
        held = Quant.objects.filter(location=location).aggregate(n=Sum("quantity"))["n"] or 0
        if held > location.capacity_units:
            return False
    return True


def test_a_delivery_against_a_purchase_order_is_planned_by_the_worker_and_put_away(site):
    warehouse, bins = site
    plain, tracked = ProductFactory(), ProductFactory(tracking="lot")
    order = purchase_order_create(
        supplier=SupplierFactory(),
        warehouse=warehouse,
        lines=[OrderLineInput(plain, 60), OrderLineInput(tracked, 30)],
    )
    order = purchase_order_send(purchase_order_id=order.pk)
    receipt = receipt_create(warehouse=warehouse, purchase_order=order)
    floor = _user("floor", "floor")

    receipt_receive(
        receipt_id=receipt.pk,
        entries=[ReceivedEntry(plain, 60), ReceivedEntry(tracked, 20, lot_code="LOT-7")],
        user_id=floor.pk,
    )
    # On the dock at once: on hand, not available; the PO's open quantity is no longer on order.
    stock = level(plain, warehouse)
    assert (stock.on_hand, stock.in_receiving, stock.available, stock.on_order) == (60, 60, 0, 0)

    wait_for("plan the receipt", receipt_planned(receipt))

    tasks = list(Task.objects.filter(warehouse=warehouse).order_by("id"))
    assert {t.kind for t in tasks} == {Task.Kind.PUTAWAY}
    assert {t.reference for t in tasks} == {receipt.reference}
    planned = [(t.product_id, t.destination_location.code, t.quantity) for t in tasks]
    # 60 fills B-0 and spills into B-1, where the tracked lot joins it: nearest bins first.
    assert planned == [(plain.pk, "B-0", 50), (plain.pk, "B-1", 10), (tracked.pk, "B-1", 20)]

    done = put_everything_away(warehouse, floor)

    assert [t.status for t in done] == [Task.Status.DONE] * 3
    for product, received, still_on_order in ((plain, 60, 0), (tracked, 20, 10)):
        stock = level(product, warehouse)
        assert (stock.on_hand, stock.in_receiving, stock.available) == (received, 0, received)
        assert stock.on_order == still_on_order
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
    assert {line.product_id: line.received_quantity for line in order.lines.all()} == {
        plain.pk: 60,
        tracked.pk: 20,
    }
    assert StockMove.objects.filter(kind="receipt", reference=receipt.reference).count() == 2
    assert StockMove.objects.filter(kind="putaway", actor=floor).count() == 3
    assert not Quant.objects.filter(location=dock(warehouse), quantity__gt=0).exists()
    assert Quant.objects.get(location=bins[1], product=tracked).lot.code == "LOT-7"
    assert bins_within_capacity(warehouse)
    assert stock_drift().is_clean


def test_a_qc_product_is_inspected_first_and_only_what_passed_is_put_away(site):
    warehouse, _ = site
    product = ProductFactory(requires_qc=True)
    receipt = receipt_create(warehouse=warehouse)
    inspector = _user("inspector", "floor")
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 10)])

    wait_for("plan the receipt", receipt_planned(receipt))

    (qc_task,) = Task.objects.filter(warehouse=warehouse)
    assert (qc_task.kind, qc_task.quantity, qc_task.status) == (Task.Kind.QC, 10, "open")
    claimed = task_claim(user_id=inspector.pk, warehouse_id=warehouse.pk)
    assert claimed.pk == qc_task.pk
    qc_task_to_bench(
        task_id=qc_task.pk,
        user_id=inspector.pk,
        scanned_location=dock(warehouse).code,
        scanned_product=product.barcode,
        scanned_bench="QC-01",
    )
    qc_task_record(
        task_id=qc_task.pk,
        user_id=inspector.pk,
        result="fail",
        failed_quantity=3,
        reason="crushed cartons",
    )

    (putaway,) = wait_for(
        "plan the passed units",
        lambda: list(Task.objects.filter(parent=qc_task, kind=Task.Kind.PUTAWAY)),
    )
    assert (putaway.quantity, putaway.source_location.code) == (7, "QC-01")
    stock = level(product, warehouse)
    assert (stock.on_hand, stock.in_qc, stock.quarantined, stock.available) == (10, 7, 3, 0)

    put_everything_away(warehouse, inspector)

    stock = level(product, warehouse)
    assert (stock.on_hand, stock.in_qc, stock.quarantined, stock.available) == (10, 0, 3, 7)
    assert StockMove.objects.get(kind="quarantine").reason == "failed QC: crushed cartons"
    assert stock_drift().is_clean


def test_a_supplier_that_requires_inspection_sends_every_product_to_qc(site):
    warehouse, _ = site
    product = ProductFactory()  # needs no QC of its own
    order = purchase_order_create(
        supplier=SupplierFactory(requires_qc=True),
        warehouse=warehouse,
        lines=[OrderLineInput(product, 5)],
    )
    receipt = receipt_create(
        warehouse=warehouse, purchase_order=purchase_order_send(purchase_order_id=order.pk)
    )
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 5)])

    wait_for("plan the receipt", receipt_planned(receipt))

    assert [t.kind for t in Task.objects.filter(warehouse=warehouse)] == [Task.Kind.QC]


def test_planning_tasks_run_again_by_the_worker_create_nothing_new(site):
    """Redelivery (a worker died after the commit, a duplicate message) changes nothing."""
    warehouse, _ = site
    checked, inspected = ProductFactory(requires_qc=True), ProductFactory()
    supervisor = _user("boss", "supervisor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(
        receipt_id=receipt.pk,
        entries=[ReceivedEntry(checked, 30), ReceivedEntry(inspected, 60)],
    )
    wait_for("plan the receipt", receipt_planned(receipt))
    qc_task = Task.objects.get(kind=Task.Kind.QC)
    inspection = qc_task_record(
        task_id=qc_task.pk,
        user_id=supervisor.pk,
        result="fail",
        failed_quantity=30,
        reason="wet",
        scanned_location=dock(warehouse).code,
        scanned_product=checked.sku,
    )
    quarantined = Quant.objects.get(location__kind="quarantine", product=checked)
    # The 60 took B-0 and 10 of B-1, so the 30 released units fit into B-1. Planned again,
    # they would find B-1 promised and split 10 + 20: a second task for the same units.
    released = quarantine_release(
        quant_id=quarantined.pk, quantity=30, reason="dried, fine", actor_id=supervisor.pk
    )
    wait_for("plan the released units", lambda: Task.objects.filter(notes__contains="dried"))

    def snapshot():
        return sorted(Task.objects.values_list("origin_key", "quantity", "destination_location_id"))

    before = snapshot()

    assert receipt_plan_task.delay(receipt_id=receipt.pk).get(timeout=WORKER_TIMEOUT) == 0
    assert (
        qc_inspection_plan_task.delay(inspection_id=inspection.pk).get(timeout=WORKER_TIMEOUT) == 0
    )
    again = release_plan_task.delay(move_id=released.pk).get(timeout=WORKER_TIMEOUT)

    assert again == 1  # it answers with the task it planned the first time
    assert snapshot() == before
    released_tasks = Task.objects.filter(notes__contains="dried")
    assert sum(released_tasks.values_list("quantity", flat=True)) == 30


def test_planners_running_at_once_plan_each_received_item_once(site):
    """The worker's planning of a receipt races two in-process planners and a duplicate
    message; the receipt lock and the items' planned marks let one of them plan each item."""
    warehouse, _ = site
    products = [ProductFactory() for _ in range(5)]
    receipt = receipt_create(warehouse=warehouse)

    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(p, 45) for p in products])
    results = run_together(
        [
            lambda: receipt_plan(receipt_id=receipt.pk),
            lambda: receipt_plan(receipt_id=receipt.pk),
            lambda: receipt_plan_task.delay(receipt_id=receipt.pk).get(timeout=WORKER_TIMEOUT),
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    wait_for("plan the receipt", receipt_planned(receipt))
    for item in ReceiptItem.objects.filter(line__receipt=receipt):
        assert item.tasks.aggregate(n=Sum("quantity"))["n"] == item.quantity == 45
    placed = Task.objects.filter(destination_location__isnull=False)
    waiting = Task.objects.filter(destination_location__isnull=True)
    assert placed.aggregate(n=Sum("quantity"))["n"] == 4 * 50  # 225 received, 200 fit
    assert waiting.aggregate(n=Sum("quantity"))["n"] == 25
    assert bins_within_capacity(warehouse)
