"""Inbound services: purchase order -> receipt -> scans at the dock -> plan -> QC -> putaway."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.errors import (
    Conflict,
    DomainError,
    Expired,
    NotAllowed,
    NotOnOrder,
    OverReceipt,
    WrongLocation,
    WrongProduct,
)
from inventory.models import PurchaseOrder, StockLevel
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
)
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from warehouse.models import Location, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.inbound_planning import qc_inspection_plan, receipt_plan, release_plan
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.qc import qc_task_record, qc_task_to_bench
from warehouse.services.quarantine import quarantine_release, quarantine_scrap
from warehouse.services.receiving import (
    ExpectedLine,
    ReceivedEntry,
    receipt_create,
    receipt_receive,
)
from warehouse.services.tasks import task_claim


@pytest.fixture
def site(db):
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(warehouse=warehouse, code=f"B-{i}", capacity_units=50, x=5 + i, y=0)
        for i in range(4)
    ]
    return warehouse, bins


def level(product, warehouse):
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def sent_order(warehouse, *lines, supplier=None):
    order = purchase_order_create(
        supplier=supplier or SupplierFactory(),
        warehouse=warehouse,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
    )
    return purchase_order_send(purchase_order_id=order.pk)


def test_sending_a_po_puts_its_lines_on_order_and_cancelling_takes_them_off(site):
    warehouse, _ = site
    product = ProductFactory()
    order = sent_order(warehouse, (product, 40))
    assert level(product, warehouse).on_order == 40
    purchase_order_cancel(purchase_order_id=order.pk)
    assert level(product, warehouse).on_order == 0


def test_receiving_against_a_po_puts_stock_on_the_dock_and_updates_the_po(site):
    warehouse, _ = site
    product = ProductFactory()
    order = sent_order(warehouse, (product, 40))
    receipt = receipt_create(warehouse=warehouse, purchase_order=order)
    floor = _user("receiver", "floor")

    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 25)], user_id=floor.pk)

    stock = level(product, warehouse)
    assert (stock.on_hand, stock.in_receiving, stock.available, stock.on_order) == (25, 25, 0, 15)
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
    assert order.lines.get().received_quantity == 25
    assert StockMove.objects.get(kind="receipt").actor == floor


def test_over_receipt_beyond_the_tolerance_is_refused_and_changes_nothing(site):
    warehouse, _ = site
    product = ProductFactory()
    order = sent_order(warehouse, (product, 40))  # tolerance 10%: up to 44
    receipt = receipt_create(warehouse=warehouse, purchase_order=order)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 44)])

    with pytest.raises(OverReceipt) as error:
        receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 1)])

    assert "44" in error.value.message
    assert level(product, warehouse).on_hand == 44
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RECEIVED
    assert level(product, warehouse).on_order == 0


def test_a_product_not_on_the_po_is_refused(site):
    warehouse, _ = site
    order = sent_order(warehouse, (ProductFactory(), 5))
    receipt = receipt_create(warehouse=warehouse, purchase_order=order)
    with pytest.raises(NotOnOrder):
        receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(ProductFactory(), 1)])


def test_a_draft_po_cannot_be_received(site):
    warehouse, _ = site
    product = ProductFactory()
    draft = purchase_order_create(
        supplier=SupplierFactory(), warehouse=warehouse, lines=[OrderLineInput(product, 5)]
    )
    with pytest.raises(Conflict):
        receipt_create(warehouse=warehouse, purchase_order=draft)


def test_expired_goods_are_refused_at_the_dock(site):
    warehouse, _ = site
    product = ProductFactory(tracking="lot_expiry")
    receipt = receipt_create(warehouse=warehouse)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(Expired):
        receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 3, "L1", yesterday)])
    with pytest.raises(DomainError) as no_expiry:
        receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 3, "L1")])
    assert no_expiry.value.field == "expiry"
    assert not Quant.objects.filter(product=product).exists()


def test_a_repeated_scan_with_its_key_receives_once(site):
    warehouse, _ = site
    product = ProductFactory()
    receipt = receipt_create(warehouse=warehouse)
    first = receipt_receive(
        receipt_id=receipt.pk, entries=[ReceivedEntry(product, 3)], idempotency_key="scan-1"
    )
    again = receipt_receive(
        receipt_id=receipt.pk, entries=[ReceivedEntry(product, 3)], idempotency_key="scan-1"
    )
    assert [i.pk for i in first] == [i.pk for i in again]
    assert level(product, warehouse).on_hand == 3


def test_planning_makes_putaway_tasks_split_by_capacity_and_runs_once(site):
    warehouse, bins = site
    product = ProductFactory()
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 120)])

    tasks = receipt_plan(receipt_id=receipt.pk)

    assert [(t.destination_location.code, t.quantity) for t in tasks] == [
        ("B-0", 50),
        ("B-1", 50),
        ("B-2", 20),
    ]
    assert receipt_plan(receipt_id=receipt.pk) == []
    assert Task.objects.filter(kind="putaway").count() == 3


def test_putaway_moves_stock_into_the_bin_and_a_double_submit_moves_once(site):
    warehouse, bins = site
    product = ProductFactory()
    floor = _user("putter", "floor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 30)])
    (task,) = receipt_plan(receipt_id=receipt.pk)
    kwargs = {
        "task_id": task.pk,
        "user_id": floor.pk,
        "scanned_location": dock(warehouse).code,
        "scanned_product": product.barcode,
        "destination": "B-0",
        "expected_done": 0,
    }

    putaway_task_complete(**kwargs)
    done = putaway_task_complete(**kwargs)

    assert done.status == Task.Status.DONE
    assert Quant.objects.get(location__code="B-0").quantity == 30
    stock = level(product, warehouse)
    assert (stock.in_receiving, stock.available) == (0, 30)
    assert stock_drift().is_clean


def test_wrong_scans_are_refused_with_the_reason_and_change_nothing(site):
    warehouse, bins = site
    product = ProductFactory()
    floor = _user("putter", "floor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 5)])
    (task,) = receipt_plan(receipt_id=receipt.pk)
    task_claim(user_id=floor.pk, warehouse_id=warehouse.pk)
    good = {
        "task_id": task.pk,
        "user_id": floor.pk,
        "scanned_location": dock(warehouse).code,
        "scanned_product": product.sku,
        "destination": "B-0",
    }

    with pytest.raises(WrongLocation, match="this stock is in"):
        putaway_task_complete(**{**good, "scanned_location": "B-3"})
    with pytest.raises(WrongProduct, match=product.sku):
        putaway_task_complete(**{**good, "scanned_product": ProductFactory().barcode})
    with pytest.raises(NotAllowed):
        putaway_task_complete(**{**good, "user_id": _user("other", "floor").pk})
    task.refresh_from_db()
    assert task.quantity_done == 0
    assert Quant.objects.get(location=dock(warehouse)).quantity == 5


def test_another_bin_with_room_is_accepted_and_recorded(site):
    warehouse, bins = site
    product = ProductFactory()
    floor = _user("putter", "floor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 5)])
    (task,) = receipt_plan(receipt_id=receipt.pk)
    qc_bench = Location.objects.get(warehouse=warehouse, kind="qc")

    with pytest.raises(DomainError, match="not a storage bin"):
        putaway_task_complete(
            task_id=task.pk,
            user_id=floor.pk,
            scanned_location=dock(warehouse).code,
            scanned_product=product.sku,
            destination=qc_bench.code,
        )
    putaway_task_complete(
        task_id=task.pk,
        user_id=floor.pk,
        scanned_location=dock(warehouse).code,
        scanned_product=product.sku,
        destination="B-3",
    )

    move = StockMove.objects.get(kind="putaway")
    assert move.to_location.code == "B-3"
    assert "instead of the suggested B-0" in move.reason


def test_qc_pass_and_partial_fail_split_the_goods(site):
    warehouse, bins = site
    product = ProductFactory(requires_qc=True)
    floor = _user("inspector", "floor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 10)])
    (qc_task,) = receipt_plan(receipt_id=receipt.pk)
    assert qc_task.kind == Task.Kind.QC

    qc_task_to_bench(
        task_id=qc_task.pk,
        user_id=floor.pk,
        scanned_location=dock(warehouse).code,
        scanned_product=product.barcode,
        scanned_bench="QC-01",
    )
    assert level(product, warehouse).in_qc == 10
    with pytest.raises(DomainError, match="why"):
        qc_task_record(task_id=qc_task.pk, user_id=floor.pk, result="fail", failed_quantity=3)
    inspection = qc_task_record(
        task_id=qc_task.pk,
        user_id=floor.pk,
        result="fail",
        failed_quantity=3,
        reason="crushed cartons",
    )
    (putaway,) = qc_inspection_plan(inspection_id=inspection.pk)

    stock = level(product, warehouse)
    assert (stock.in_qc, stock.quarantined, stock.available) == (7, 3, 0)
    assert putaway.quantity == 7
    assert putaway.source_location.code == "QC-01"
    assert qc_inspection_plan(inspection_id=inspection.pk) == []


def test_quarantined_goods_are_released_or_scrapped_with_reasons_in_the_ledger(site):
    warehouse, bins = site
    product = ProductFactory(requires_qc=True)
    floor, boss = _user("inspector", "floor"), _user("boss", "supervisor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 6)])
    (qc_task,) = receipt_plan(receipt_id=receipt.pk)
    qc_task_record(
        task_id=qc_task.pk,
        user_id=floor.pk,
        result="fail",
        reason="wet",
        scanned_location=dock(warehouse).code,
        scanned_product=product.sku,
    )
    quant = Quant.objects.get(location__kind="quarantine", product=product)

    with pytest.raises(DomainError):
        quarantine_scrap(quant_id=quant.pk, quantity=2, reason=" ", actor_id=boss.pk)
    scrapped = quarantine_scrap(quant_id=quant.pk, quantity=2, reason="mould", actor_id=boss.pk)
    released = quarantine_release(
        quant_id=quant.pk, quantity=4, reason="dried, fine", actor_id=boss.pk
    )
    tasks = release_plan(move_id=released.pk)

    assert scrapped.to_location.kind == "scrap"
    assert "mould" in scrapped.reason
    assert released.to_location.kind == "receiving"
    assert "dried" in released.reason
    assert sum(t.quantity for t in tasks) == 4
    stock = level(product, warehouse)
    assert (stock.on_hand, stock.quarantined, stock.in_receiving) == (4, 0, 4)
    assert stock_drift().is_clean


def test_advance_notice_and_unplanned_receipts(site):
    warehouse, _ = site
    announced, surprise = ProductFactory(), ProductFactory()
    notice = receipt_create(warehouse=warehouse, expected=[ExpectedLine(announced, 10)])
    assert notice.kind == "advance_notice"
    with pytest.raises(NotOnOrder):
        receipt_receive(receipt_id=notice.pk, entries=[ReceivedEntry(surprise, 1)])
    unplanned = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=unplanned.pk, entries=[ReceivedEntry(surprise, 7)])
    assert unplanned.lines.get().received_quantity == 7
