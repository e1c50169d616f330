"""Packing picked goods into packages, and shipping orders out of the building."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.errors import Conflict, DomainError, InvalidQuantity
from inventory.locks import stock_levels_lock
from inventory.services.demand import demand_record
from warehouse.locks import order_pick_tasks_lock, orders_lock
from warehouse.models import (
    Allocation,
    Location,
    Order,
    OrderLine,
    Package,
    PackageItem,
    StockMove,
    Task,
)
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.request_keys import (
    request_key_find,
    request_key_insert,
    request_key_repeat,
)
from warehouse.services.reservations import quant_unreserve_apply
from warehouse.services.virtual import virtual_location

ItemKey = tuple[int, int | None]  # (product_id, lot_id)


@dataclass(frozen=True)
class PackedItem:
    product_id: int
    lot_id: int | None
    quantity: int


def order_unpacked(*, order: Order) -> dict[ItemKey, int]:
    """Picked units of the order not yet in a closed package, per product and lot."""
    picked: dict[ItemKey, int] = defaultdict(int)
    for row in (
        Allocation.objects.filter(line__order=order, picked_quantity__gt=0)
        .values("line__product_id", "lot_id")
        .annotate(units=Sum("picked_quantity"))
    ):
        picked[(row["line__product_id"], row["lot_id"])] += row["units"]
    for row in (
        PackageItem.objects.filter(package__order=order)
        .values("product_id", "lot_id")
        .annotate(units=Sum("quantity"))
    ):
        picked[(row["product_id"], row["lot_id"])] -= row["units"]
    return {key: units for key, units in picked.items() if units > 0}


@transaction.atomic(durable=True)
def package_close(
    *,
    order_id: int,
    user_id: int,
    items: Sequence[PackedItem],
    idempotency_key: str | None = None,
) -> Package:
    """Close a package of checked items; only picked, not yet packed units may go in.

    With ``idempotency_key`` (at most 64 characters, stored on the package), a repeat returns
    the package the first call closed and changes nothing, whatever happened to the order
    since; it is looked up under the order's lock, so a repeat racing the first call waits for
    it. The same key for another order or user raises Conflict.
    """
    order_pick_tasks_lock(order_id=order_id)
    (order,) = orders_lock(order_ids=[order_id])
    if done := request_key_find(Package, request_key=idempotency_key):
        return _same_package(done, order_id, user_id)
    if order.is_closed:
        raise Conflict(f"Order {order.reference} is {order.status}.", field="status")
    if not items:
        raise DomainError("Scan at least one item into the package.", field="items")
    unpacked = order_unpacked(order=order)
    wanted: dict[ItemKey, int] = defaultdict(int)
    for item in items:
        if item.quantity <= 0:
            raise InvalidQuantity("Quantities must be positive.", field="items")
        wanted[(item.product_id, item.lot_id)] += item.quantity
    for key, units in wanted.items():
        if units > unpacked.get(key, 0):
            raise InvalidQuantity(
                f"Only {unpacked.get(key, 0)} of that item are picked and not yet packed.",
                field="items",
            )
    number = (order.packages.count() or 0) + 1
    package, made = request_key_insert(
        Package,
        request_key=idempotency_key,
        create=partial(
            Package.objects.create,
            order=order,
            number=number,
            packed_by_id=user_id,
            request_key=idempotency_key,
        ),
    )
    if not made:  # the key was used on another order, whose lock we do not hold
        return _same_package(package, order_id, user_id)
    PackageItem.objects.bulk_create(
        PackageItem(package=package, product_id=p, lot_id=lot, quantity=q)
        for (p, lot), q in wanted.items()
    )
    return package


def _same_package(package: Package, order_id: int, user_id: int) -> Package:
    return request_key_repeat(
        package,
        what=f"package {package.number}",
        order_id=order_id,
        packed_by_id=user_id,
    )


@transaction.atomic(durable=True)
def order_ship(*, order_id: int, user_id: int | None = None) -> Order:
    """Ship what is picked: ledger rows from staging to the customers location, lines'
    shipped quantities, the day's demand in inventory; what was never picked is released.

    Refused while picks are still open (finish or cancel them first) or when nothing is
    picked. Shipping a shipped order changes nothing.
    """
    open_picks = order_pick_tasks_lock(order_id=order_id)
    (order,) = orders_lock(order_ids=[order_id])
    if order.status == Order.Status.SHIPPED:
        return order
    if order.is_closed:
        raise Conflict(f"Order {order.reference} is {order.status}.", field="status")
    if open_picks:
        raise Conflict(
            f"{len(open_picks)} picks of {order.reference} are still open.", field="status"
        )
    # Every level this touches, locked up front in the one global order.
    stock_levels_lock(
        keys={(p, order.warehouse_id) for p in order.lines.values_list("product_id", flat=True)}
    )
    staged: dict[tuple[int, int | None, int], int] = defaultdict(int)
    for allocation in Allocation.objects.filter(line__order=order).select_related("line"):
        if allocation.quantity:
            quant_unreserve_apply(quant_id=allocation.quant_id, quantity=allocation.quantity)
            allocation.quantity = 0
            allocation.save(update_fields=["quantity"])
        if allocation.picked_quantity:
            staging_id = (
                Task.objects.filter(allocation=allocation, status=Task.Status.DONE)
                .values_list("destination_location_id", flat=True)
                .first()
            )
            staged[(allocation.line.product_id, allocation.lot_id, staging_id)] += (
                allocation.picked_quantity
            )
    if not staged:
        raise Conflict(f"Nothing of {order.reference} is picked yet.", field="status")
    customers = virtual_location(warehouse_id=order.warehouse_id, kind=Location.Kind.CUSTOMER)
    moves_apply(
        lines=[
            MoveLine(p, q, staging, customers.pk, lot)
            for (p, lot, staging), q in sorted(
                staged.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
            )
        ],
        kind=StockMove.Kind.SHIP,
        actor_id=user_id,
        reference=f"order:{order.reference}",
        idempotency_key=f"ship:{order.pk}",
    )
    shipped: dict[tuple[int, int], int] = defaultdict(int)
    lines = list(OrderLine.objects.filter(order=order))
    for line in lines:
        line.shipped_quantity = line.picked_quantity
        line.allocated_quantity = line.picked_quantity
        shipped[(line.product_id, order.warehouse_id)] += line.shipped_quantity
    OrderLine.objects.bulk_update(lines, ["shipped_quantity", "allocated_quantity"])
    demand_record(shipped=shipped, on=timezone.localdate())
    order.status, order.shipped_at = Order.Status.SHIPPED, timezone.now()
    order.save(update_fields=["status", "shipped_at", "updated_at"])
    return order
