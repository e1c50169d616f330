"""Purchase orders: create, send, cancel, and receive against their lines.

``on_order`` of a stock level is the open quantity of sent purchase orders: sending adds each
line's quantity, receiving takes off what arrived (never more than was open), cancelling takes
off what was still open.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.errors import Conflict, DomainError, InvalidQuantity, OverReceipt
from inventory.locks import purchase_order_lock, stock_levels_lock
from inventory.models import Product, PurchaseOrder, PurchaseOrderLine, Supplier, Warehouse
from inventory.services.levels import stock_levels_apply
from wms.db import rows_update


@dataclass(frozen=True)
class OrderLineInput:
    product: Product
    quantity: int
    unit_cost: Decimal | None = None


@transaction.atomic(durable=True)
def purchase_order_create(
    *,
    supplier: Supplier,
    warehouse: Warehouse,
    lines: Sequence[OrderLineInput],
    expected_date: date | None = None,
    notes: str = "",
    created_by_id: int | None = None,
) -> PurchaseOrder:
    """A draft purchase order; nothing is on order until it is sent."""
    if not lines:
        raise DomainError("A purchase order needs at least one line.", field="lines")
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise InvalidQuantity(
                f"Line {index + 1}: quantity must be a positive whole number.", field="lines"
            )
        if line.product.pk in seen:
            raise DomainError(
                f"Line {index + 1}: {line.product.sku} is already on this order.", field="lines"
            )
        seen.add(line.product.pk)
    order = PurchaseOrder.objects.create(
        number=f"~{timezone.now().timestamp()}",  # replaced below, once the id is known
        supplier=supplier,
        warehouse=warehouse,
        expected_date=expected_date,
        notes=notes,
        created_by_id=created_by_id,
    )
    order.number = f"PO-{order.pk:06d}"
    order.save(update_fields=["number"])
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=order,
            product=line.product,
            quantity=line.quantity,
            unit_cost=line.unit_cost if line.unit_cost is not None else line.product.unit_cost,
        )
        for line in lines
    )
    return order


@transaction.atomic(durable=True)
def purchase_order_send(*, purchase_order_id: int) -> PurchaseOrder:
    """Draft -> sent: its lines now count as on order. Sending a sent order changes nothing."""
    order = purchase_order_lock(purchase_order_id=purchase_order_id)
    if order.status == PurchaseOrder.Status.SENT:
        return order
    if order.status != PurchaseOrder.Status.DRAFT:
        raise Conflict(
            f"{order.number} is {order.get_status_display().lower()}; only drafts can be sent.",
            field="status",
        )
    lines = list(order.lines.all())
    stock_levels_lock(keys=[(line.product_id, order.warehouse_id) for line in lines])
    stock_levels_apply(
        deltas={
            (line.product_id, order.warehouse_id): {"on_order": line.quantity} for line in lines
        }
    )
    order.status = PurchaseOrder.Status.SENT
    order.sent_at = timezone.now()
    order.save(update_fields=["status", "sent_at", "updated_at"])
    return order


@transaction.atomic(durable=True)
def purchase_order_cancel(*, purchase_order_id: int) -> PurchaseOrder:
    """Cancel an order that is not fully received; what was still open leaves on order."""
    order = purchase_order_lock(purchase_order_id=purchase_order_id)
    if order.status == PurchaseOrder.Status.CANCELLED:
        return order
    if order.status == PurchaseOrder.Status.RECEIVED:
        raise Conflict(f"{order.number} is received and cannot be cancelled.", field="status")
    if order.is_open:
        lines = list(order.lines.all())
        stock_levels_lock(keys=[(line.product_id, order.warehouse_id) for line in lines])
        stock_levels_apply(
            deltas={
                (line.product_id, order.warehouse_id): {"on_order": -line.open_quantity}
                for line in lines
            }
        )
    order.status = PurchaseOrder.Status.CANCELLED
    order.closed_at = timezone.now()
    order.save(update_fields=["status", "closed_at", "updated_at"])
    return order


def over_receipt_limit(quantity: int) -> int:
    """The most units a line of ``quantity`` may receive, with the over-receipt tolerance."""
    percent = settings.WMS_OVER_RECEIPT_TOLERANCE_PERCENT
    return quantity + (quantity * percent) // 100


def purchase_order_receivable(*, purchase_order: PurchaseOrder) -> None:
    """Raise unless goods may be received against the order now."""
    if not purchase_order.is_open:
        raise Conflict(
            f"{purchase_order.number} is {purchase_order.get_status_display().lower()}; goods "
            "are received only against sent orders.",
            field="purchase_order",
        )


def purchase_order_lines_receive(
    *, purchase_order_id: int, received: dict[int, int]
) -> PurchaseOrder:
    """Book units received per product id against the order's lines.

    Caller is in a transaction and holds its receipt's lock; this takes the order's lock and
    its levels' locks (the global order: document -> level). Refuses (OverReceipt) a line
    that would pass its quantity plus the tolerance, and a product the order does not have.
    """
    order = purchase_order_lock(purchase_order_id=purchase_order_id)
    # A fully received order still takes the rest of a delivery within the tolerance.
    if order.status != PurchaseOrder.Status.RECEIVED:
        purchase_order_receivable(purchase_order=order)
    lines = {line.product_id: line for line in order.lines.all()}
    deltas: dict[tuple[int, int], dict[str, int]] = {}
    for product_id, quantity in received.items():
        line = lines.get(product_id)
        if line is None:
            raise DomainError(f"{order.number} has no line for this product.", field="product")
        limit = over_receipt_limit(line.quantity)
        if line.received_quantity + quantity > limit:
            raise OverReceipt(
                f"{order.number} ordered {line.quantity} (up to {limit} with the tolerance); "
                f"{line.received_quantity} already received, so {quantity} more is too many.",
                field="quantity",
                ordered=line.quantity,
                received=line.received_quantity,
                limit=limit,
            )
        deltas[(product_id, order.warehouse_id)] = {"on_order": -min(quantity, line.open_quantity)}
        line.received_quantity += quantity
    stock_levels_lock(keys=deltas)
    stock_levels_apply(deltas=deltas)
    received_lines = [lines[product_id] for product_id in received]
    rows_update(  # one statement; bulk_update's CASE per row grows with the square of the lines
        table=PurchaseOrderLine._meta.db_table,
        ids=[line.pk for line in received_lines],
        columns={
            "received_quantity": ("integer", [line.received_quantity for line in received_lines])
        },
    )
    all_in = all(line.received_quantity >= line.quantity for line in lines.values())
    order.status = (
        PurchaseOrder.Status.RECEIVED if all_in else PurchaseOrder.Status.PARTIALLY_RECEIVED
    )
    if all_in:
        order.closed_at = timezone.now()
    order.save(update_fields=["status", "closed_at", "updated_at"])
    return order
