"""Inbound states for the page tests, made through the real services: a sent purchase order
with its expected receipt, goods waiting for QC, goods in quarantine."""

from datetime import date

from inventory.models import Product, PurchaseOrder, Supplier, Warehouse
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_create,
    purchase_order_send,
)
from tests.factories.inventory import ProductFactory, SupplierFactory
from tests.factories.warehouse import dock
from warehouse.models import Quant, Receipt, Task
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.qc import qc_task_record
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive
from warehouse.services.tasks import task_claim


def sent_order(
    warehouse: Warehouse, *lines: tuple[Product, int], supplier: Supplier | None = None
) -> PurchaseOrder:
    order = purchase_order_create(
        supplier=supplier or SupplierFactory(name="Acme Fasteners"),
        warehouse=warehouse,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
        expected_date=date(2031, 1, 15),
    )
    return purchase_order_send(purchase_order_id=order.pk)


def expected_receipt(warehouse: Warehouse, *lines: tuple[Product, int]) -> Receipt:
    """A sent PO for ``lines`` and the receipt that expects them."""
    return receipt_create(warehouse=warehouse, purchase_order=sent_order(warehouse, *lines))


def gs1_label(product: Product, *, lot: str, expiry: date, count: int | None = None) -> str:
    """The GS1-128 element string as printed under the bars (what a person or test types)."""
    label = f"(01){product.barcode.zfill(14)}(17){expiry:%y%m%d}(10){lot}"
    return label + (f"(37){count}" if count else "")


def qc_task_for(warehouse: Warehouse, product: Product, quantity: int, user_id: int) -> Task:
    """``quantity`` of a QC product received on an unplanned receipt, its QC task planned and
    claimed by the user."""
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, quantity)])
    (task,) = [t for t in receipt_plan(receipt_id=receipt.pk) if t.kind == Task.Kind.QC]
    claimed = task_claim(user_id=user_id, warehouse_id=warehouse.pk, kinds=[Task.Kind.QC])
    assert claimed == task
    return task


def quarantined(
    warehouse: Warehouse, quantity: int, user_id: int, reason: str, product: Product | None = None
) -> Quant:
    """Units of a QC product (a new one by default) that failed inspection, in quarantine."""
    product = product or ProductFactory(sku="CUP-250", name="Paper cup 250 ml", requires_qc=True)
    task = qc_task_for(warehouse, product, quantity, user_id)
    qc_task_record(
        task_id=task.pk,
        user_id=user_id,
        result="fail",
        reason=reason,
        scanned_location=dock(warehouse).code,
        scanned_product=product.sku,
    )
    return Quant.objects.get(product=product, location__kind="quarantine")
