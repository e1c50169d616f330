"""Customer orders: taking them in (idempotent by reference) and cancelling them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.errors import Conflict, DomainError, InvalidQuantity
from inventory.locks import stock_levels_lock
from inventory.models import Product, Warehouse
from warehouse.locks import order_pick_tasks_lock, orders_lock
from warehouse.models import Allocation, Location, Order, OrderLine, Task
from warehouse.services.putaway import PutawayNeed, putaway_tasks_plan
from warehouse.services.reservations import quant_unreserve_apply
from wms.outbox import enqueue_on_commit


@dataclass(frozen=True)
class OrderLineInput:
    product: Product
    quantity: int


@dataclass(frozen=True)
class OrderTaken:
    order: Order
    created: bool


def order_create(
    *,
    warehouse: Warehouse,
    reference: str,
    lines: Sequence[OrderLineInput],
    priority: int = 5,
    requested_ship_date: date | None = None,
    customer: str = "",
    carrier: str = "",
    carrier_cutoff_at: datetime | None = None,
    created_by_id: int | None = None,
) -> OrderTaken:
    """Take an order; allocation follows on commit. A reference seen before returns that
    order unchanged (``created`` False), so a client may safely post twice."""
    reference = reference.strip()
    if not reference:
        raise DomainError("Give the order's reference.", field="reference")
    if existing := Order.objects.filter(reference=reference).first():
        return OrderTaken(existing, False)
    _check_lines(lines)
    if not 1 <= priority <= 9:
        raise DomainError("Priority runs from 1 (most urgent) to 9.", field="priority")
    try:
        with transaction.atomic(durable=True):
            order = Order.objects.create(
                warehouse=warehouse,
                reference=reference,
                priority=priority,
                requested_ship_date=requested_ship_date,
                customer=customer,
                carrier=carrier,
                carrier_cutoff_at=carrier_cutoff_at,
                created_by_id=created_by_id,
            )
            OrderLine.objects.bulk_create(
                OrderLine(order=order, product=line.product, quantity=line.quantity)
                for line in lines
            )
            from warehouse.tasks import order_allocate_task  # the tasks module imports services

            enqueue_on_commit(order_allocate_task, order_id=order.pk)
    except IntegrityError:  # the same reference, posted at the same moment
        return OrderTaken(Order.objects.get(reference=reference), False)
    return OrderTaken(order, True)


def _check_lines(lines: Sequence[OrderLineInput]) -> None:
    if not lines:
        raise DomainError("An order needs at least one line.", field="lines")
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise InvalidQuantity(
                f"Line {index + 1}: quantity must be a positive whole number.", field="lines"
            )
        if line.product.pk in seen:
            raise DomainError(
                f"Line {index + 1}: {line.product.sku} is on the order twice.", field="lines"
            )
        seen.add(line.product.pk)


@transaction.atomic(durable=True)
def order_cancel(*, order_id: int, reason: str = "") -> Order:
    """Cancel: reservations released, open pick tasks cancelled, picked goods in staging go
    back to storage by putaway tasks. A shipped order cannot be cancelled."""
    order_pick_tasks_lock(order_id=order_id)
    (order,) = orders_lock(order_ids=[order_id])
    if order.status == Order.Status.CANCELLED:
        return order
    if order.status == Order.Status.SHIPPED:
        raise Conflict(f"Order {order.reference} has shipped.", field="status")
    # Every level this touches, locked up front in the one global order.
    stock_levels_lock(
        keys={(p, order.warehouse_id) for p in order.lines.values_list("product_id", flat=True)}
    )
    now = timezone.now()
    open_tasks = Task.objects.filter(
        order=order, kind=Task.Kind.PICK, status__in=Task.ACTIVE_STATUSES
    )
    open_tasks.update(
        status=Task.Status.CANCELLED,
        cancelled_at=now,
        updated_at=now,
        notes=f"order cancelled {reason}".strip()[:300],
    )
    for allocation in Allocation.objects.filter(line__order=order, quantity__gt=0).order_by("pk"):
        quant_unreserve_apply(quant_id=allocation.quant_id, quantity=allocation.quantity)
        allocation.quantity = 0
        allocation.save(update_fields=["quantity"])
    _return_picked(order)
    OrderLine.objects.filter(order=order).update(allocated_quantity=0, picked_quantity=0)
    order.status, order.cancelled_at = Order.Status.CANCELLED, now
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


def _return_picked(order: Order) -> None:
    """Putaway tasks for the order's picked units, from the staging location they wait in."""
    picked = Allocation.objects.filter(line__order=order, picked_quantity__gt=0).select_related(
        "line"
    )
    needs_by_origin: dict[int, list[PutawayNeed]] = {}
    for allocation in picked:
        staged_in = (
            Task.objects.filter(allocation=allocation, status=Task.Status.DONE)
            .values_list("destination_location_id", flat=True)
            .first()
        )
        needs_by_origin.setdefault(staged_in, []).append(
            PutawayNeed(
                product_id=allocation.line.product_id,
                lot_id=allocation.lot_id,
                quantity=allocation.picked_quantity,
                origin_key=f"putaway:cancel:{allocation.pk}",
                reference=f"order:{order.reference}",
                notes="order cancelled: back to storage",
            )
        )
    for origin_id, needs in needs_by_origin.items():
        putaway_tasks_plan(origin=Location.objects.get(pk=origin_id), needs=needs)
