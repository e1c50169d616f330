"""Deliveries the floor can receive when the demo opens: purchase orders and a notice for MAIN.

Made through the real services, each step a transaction of its own, after the history (whose
orders are only the ledger's past): three sent orders, each with its expected receipt at a
dock (one of medicines, inspected on arrival and tracked by lot and expiry; one of fasteners;
one of dry food by lot and expiry), a draft order the purchaser has not sent yet, and an
advance shipping notice from the garden supplier.

Idempotent, also after a run that stopped half way: an order is found by the marker in its
notes (``[demo:MAIN:po:pharmacy]``), and each step (create, send, expect) is done only if it
is not done yet. The notice is found by its supplier (the demo makes no other notices).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from inventory.models import Product, PurchaseOrder, Supplier, Warehouse
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_create,
    purchase_order_send,
)
from warehouse.models import Location, Receipt
from warehouse.services.receiving import ExpectedLine, receipt_create


@dataclass(frozen=True)
class DemoOrder:
    name: str  # in the marker: [demo:<warehouse>:po:<name>]
    supplier: str
    sku_prefix: str  # the category ordered from
    quantities: tuple[int, ...]  # one line per quantity, as many as the category has products
    notes: str
    send: bool = True  # sent orders get an expected receipt at a dock
    due_in_days: int = 0
    dock: int = 0  # which of the site's docks the truck is expected at


DEMO_ORDERS = (
    DemoOrder("pharmacy", "MEDIPH", "PH", (96, 48, 144), "Weekly pharmacy restock"),
    DemoOrder("hardware", "FERROX", "HW", (40, 20, 60, 30), "Fasteners and fixings", dock=1),
    DemoOrder("grocery", "FRESHF", "GR", (48, 24, 36), "Dry goods", due_in_days=1),
    DemoOrder("electrical", "VOLTA", "EL", (48, 24), "Spring range of bulbs, to check", send=False),
)
# The advance shipping notice: goods announced by the supplier without a purchase order here.
NOTICE = DemoOrder("notice", "GREENT", "GD", (8, 20, 12), "Garden season starter pack", dock=1)


@dataclass
class DeliveriesResult:
    orders_created: int = 0
    orders_sent: int = 0
    receipts_created: int = 0


def marker(warehouse: Warehouse, spec: DemoOrder) -> str:
    return f"[demo:{warehouse.code}:po:{spec.name}]"


def demo_deliveries_ensure(
    *,
    warehouse: Warehouse,
    purchaser_id: int | None,
    clerk_id: int | None,
    orders: Sequence[DemoOrder] = DEMO_ORDERS,
    notice: DemoOrder | None = NOTICE,
) -> DeliveriesResult:
    """Create whatever of the orders, their sending, their expected receipts and the notice
    is missing."""
    result = DeliveriesResult()
    docks = list(
        Location.objects.filter(warehouse=warehouse, kind=Location.Kind.RECEIVING).order_by("code")
    )
    if not docks:
        return result
    wanted = [*orders, *([notice] if notice else [])]
    suppliers = Supplier.objects.in_bulk([spec.supplier for spec in wanted], field_name="code")
    for spec in orders:
        if spec.supplier in suppliers:
            _order_ensure(
                spec, warehouse, suppliers[spec.supplier], docks, purchaser_id, clerk_id, result
            )
    if notice and notice.supplier in suppliers:
        _notice_ensure(notice, warehouse, suppliers[notice.supplier], docks, clerk_id, result)
    return result


def _order_ensure(
    spec: DemoOrder,
    warehouse: Warehouse,
    supplier: Supplier,
    docks: list[Location],
    purchaser_id: int | None,
    clerk_id: int | None,
    result: DeliveriesResult,
) -> None:
    """Each step only if not done yet: create, send, expect the truck at a dock."""
    order = PurchaseOrder.objects.filter(
        warehouse=warehouse, notes__contains=marker(warehouse, spec)
    ).first()
    if order is None:
        lines = _lines(spec)
        if not lines:
            return  # a catalogue without this category: no such order
        due = timezone.localdate() + timedelta(days=spec.due_in_days if spec.send else 10)
        order = purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            lines=[OrderLineInput(product, quantity) for product, quantity in lines],
            expected_date=due,
            notes=f"{spec.notes} {marker(warehouse, spec)}",
            created_by_id=purchaser_id,
        )
        result.orders_created += 1
    if spec.send and order.status == PurchaseOrder.Status.DRAFT:
        order = purchase_order_send(purchase_order_id=order.pk)
        result.orders_sent += 1
    if spec.send and order.is_open and not order.receipts.exists():
        receipt_create(
            warehouse=warehouse,
            purchase_order=order,
            dock=docks[spec.dock % len(docks)],
            created_by_id=clerk_id,
        )
        result.receipts_created += 1


def _notice_ensure(
    spec: DemoOrder,
    warehouse: Warehouse,
    supplier: Supplier,
    docks: list[Location],
    clerk_id: int | None,
    result: DeliveriesResult,
) -> None:
    notices = Receipt.objects.filter(
        warehouse=warehouse, kind=Receipt.Kind.ADVANCE_NOTICE, supplier=supplier
    )
    lines = _lines(spec)
    if notices.exists() or not lines:
        return
    receipt_create(
        warehouse=warehouse,
        supplier=supplier,
        expected=[ExpectedLine(product, quantity) for product, quantity in lines],
        dock=docks[spec.dock % len(docks)],
        expected_date=timezone.localdate(),
        created_by_id=clerk_id,
    )
    result.receipts_created += 1


def _lines(spec: DemoOrder) -> list[tuple[Product, int]]:
    """Products of the category, spread over its SKUs, one per quantity (fewer if it is small)."""
    products = list(
        Product.objects.filter(sku__startswith=f"{spec.sku_prefix}-", is_active=True).order_by(
            "sku"
        )
    )
    count = min(len(spec.quantities), len(products))
    chosen = [products[n * len(products) // count] for n in range(count)] if count else []
    return list(zip(chosen, spec.quantities, strict=False))
