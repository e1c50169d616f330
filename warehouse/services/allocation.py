"""Allocation: promising stock in bins to order lines, FIFO or FEFO, never twice.

Set-based: however many orders and lines, one call locks their stock levels in one statement,
locks every candidate quant in one statement, chooses in memory, and writes reservations,
allocations, lines and order statuses in one statement each. The StockLevel locks serialise
all allocation of one SKU in one warehouse, so concurrent callers can never oversell.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from inventory.locks import stock_levels_lock
from inventory.models import Product
from inventory.services.levels import stock_levels_apply
from warehouse.locks import orders_lock, quants_allocatable_lock
from warehouse.models import Allocation, Order, OrderLine, Quant, Task
from wms.db import rows_insert, rows_update
from wms.outbox import enqueue_on_commit

# The origin key of the count task a short pick leaves on its bin (picking.py makes them).
SHORT_PICK_COUNT_PREFIX = "count:short:"


def choose_stock(
    *,
    product: Product,
    candidates: Sequence[Quant],
    wanted: int,
    free: dict[int, int],
    today: date,
) -> list[tuple[Quant, int]]:
    """Which quants, and how many units of each, a line of ``wanted`` units gets.

    FIFO (oldest receipt first) for most products; FEFO (earliest expiry first, never expired,
    never inside the product's minimum remaining shelf life) for expiry-tracked ones. ``free``
    maps quant id to unreserved units and is spent here.
    """
    if product.tracks_expiry:
        usable_from = today + timedelta(days=product.min_shelf_life_days)
        pool = [
            q
            for q in candidates
            if q.lot and q.lot.expiry_date and q.lot.expiry_date >= usable_from
        ]
        pool.sort(key=lambda q: (q.lot.expiry_date, q.received_at, q.pk))
    else:
        pool = sorted(candidates, key=lambda q: (q.received_at, q.pk))
    chosen = []
    for quant in pool:
        if wanted == 0:
            break
        units = min(wanted, free[quant.pk])
        if units:
            chosen.append((quant, units))
            free[quant.pk] -= units
            wanted -= units
    return chosen


# What choosing stock needs of a line's product (FIFO or FEFO, minimum shelf life).
_PRODUCT_RULES = ("product__tracking", "product__min_shelf_life_days")


def orders_allocate_apply(
    *,
    order_ids: Iterable[int],
    product_ids: set[int] | None = None,
    exclude_location_ids: Iterable[int] = (),
) -> list[Allocation]:
    """Allocate what the orders' lines still lack. Caller is in a transaction.

    ``product_ids`` limits it to those products (a backorder retry); ``exclude_location_ids``
    leaves bins out (one a picker just found short). Closed orders are skipped. Returns the new
    allocations; lines that get less than they lack stay backordered.
    """
    orders = {o.pk: o for o in orders_lock(order_ids=order_ids) if not o.is_closed}
    lines = [
        line
        for line in OrderLine.objects.filter(order_id__in=orders)
        .select_related("product")
        .only("order_id", "quantity", "allocated_quantity", *_PRODUCT_RULES)
        if line.allocated_quantity < line.quantity
        and (product_ids is None or line.product_id in product_ids)
    ]
    if not lines:
        order_statuses_refresh(orders.values())
        return []
    keys = {(line.product_id, orders[line.order_id].warehouse_id) for line in lines}
    stock_levels_lock(keys=keys)
    excluded = set(exclude_location_ids)
    held = _short_bins(keys)
    by_key: dict[tuple[int, int], list[Quant]] = defaultdict(list)
    for quant in quants_allocatable_lock(keys=keys):
        if quant.location_id not in excluded and (quant.product_id, quant.location_id) not in held:
            by_key[(quant.product_id, quant.warehouse_id)].append(quant)
    free = {q.pk: q.quantity - q.reserved for qs in by_key.values() for q in qs}

    def urgency(line: OrderLine) -> tuple:
        order = orders[line.order_id]
        return (
            order.priority,
            order.requested_ship_date or date.max,
            order.created_at,
            order.pk,
            line.pk,
        )

    today = timezone.localdate()
    allocations: list[Allocation] = []
    reserved: dict[int, Quant] = {}
    level_deltas: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: {"reserved": 0})
    for line in sorted(lines, key=urgency):
        key = (line.product_id, orders[line.order_id].warehouse_id)
        for quant, units in choose_stock(
            product=line.product,
            candidates=by_key[key],
            wanted=line.quantity - line.allocated_quantity,
            free=free,
            today=today,
        ):
            allocations.append(
                Allocation(
                    line=line,
                    quant=quant,
                    location_id=quant.location_id,
                    lot_id=quant.lot_id,
                    quantity=units,
                )
            )
            quant.reserved += units
            reserved[quant.pk] = quant
            line.allocated_quantity += units
            level_deltas[key]["reserved"] += units
    _reservations_write(reserved.values())
    stock_levels_apply(deltas=level_deltas)
    _allocations_insert(allocations)
    rows_update(
        table="warehouse_orderline",
        ids=[line.pk for line in lines],
        columns={"allocated_quantity": ("integer", [ln.allocated_quantity for ln in lines])},
    )
    order_statuses_refresh(orders.values())
    return allocations


def _short_bins(keys: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """(product_id, location_id) of bins a picker found short of the product, until counted.

    Their remaining units are on the books but maybe not on the shelf: promising them again
    would send the next picker (or the short line's own backorder) back to the same gap. Read
    under the keys' level locks, so a short pick that committed before them is seen.
    """
    return set(
        Task.objects.filter(
            kind=Task.Kind.COUNT,
            status__in=Task.ACTIVE_STATUSES,
            origin_key__startswith=SHORT_PICK_COUNT_PREFIX,
            product_id__in={p for p, _ in keys},
            warehouse_id__in={w for _, w in keys},
        ).values_list("product_id", "source_location_id")
    )


def _allocations_insert(allocations: list[Allocation]) -> None:
    """Insert the allocations in one statement with a parameter per column (``bulk_create``
    spent a second assembling one per value for 10,000 lines) and give them their ids."""
    stored = {
        (line_id, quant_id): (pk, created_at)
        for pk, line_id, quant_id, created_at in rows_insert(
            objs=allocations, returning=("id", "line_id", "quant_id", "created_at")
        )
    }
    for allocation in allocations:  # one allocation per line and quant in a call
        allocation.pk, allocation.created_at = stored[(allocation.line_id, allocation.quant_id)]
        allocation._state.adding, allocation._state.db = False, "default"


def _reservations_write(quants: Iterable[Quant]) -> None:
    quants = list(quants)
    rows_update(
        table="warehouse_quant",
        ids=[q.pk for q in quants],
        columns={"reserved": ("integer", [q.reserved for q in quants])},
    )


def order_status_of(lines: Sequence[OrderLine], current: str) -> str:
    """An open order's status, from its lines' progress."""
    return order_status_from(
        quantity=sum(line.quantity for line in lines),
        allocated=sum(line.allocated_quantity for line in lines),
        picked=sum(line.picked_quantity for line in lines),
        current=current,
    )


def order_status_from(*, quantity: int, allocated: int, picked: int, current: str) -> str:
    """An open order's status, from the totals of its lines."""
    if quantity and picked == quantity:
        return Order.Status.PICKED
    if picked:
        return Order.Status.PICKING
    if quantity and allocated == quantity:
        return Order.Status.ALLOCATED
    if allocated:
        return Order.Status.PARTIALLY_ALLOCATED
    return Order.Status.BACKORDERED if quantity else current


def order_statuses_refresh(orders: Iterable[Order]) -> None:
    """Recompute the status of locked, open orders from their lines (one read, one write)."""
    orders = [o for o in orders if not o.is_closed]
    if not orders:
        return
    # Totals per order from the database: no line objects to build (10,000 lines took 0.2 s).
    totals = {
        row["order_id"]: row
        for row in OrderLine.objects.filter(order__in=orders)
        .values("order_id")
        .annotate(
            quantity=Sum("quantity"),
            allocated=Sum("allocated_quantity"),
            picked=Sum("picked_quantity"),
        )
    }
    for order in orders:
        row = totals.get(order.pk, {})
        order.status = order_status_from(
            quantity=row.get("quantity", 0),
            allocated=row.get("allocated", 0),
            picked=row.get("picked", 0),
            current=order.status,
        )
    rows_update(
        table="warehouse_order",
        ids=[o.pk for o in orders],
        columns={"status": ("text", [o.status for o in orders])},
    )


@transaction.atomic(durable=True)
def orders_allocate(*, order_ids: Sequence[int]) -> list[Allocation]:
    """Allocate the orders now; their pick tasks are made by the worker after commit."""
    allocations = orders_allocate_apply(order_ids=order_ids)
    if allocations:
        from warehouse.tasks import pick_tasks_create_task  # the tasks module imports services

        enqueue_on_commit(
            pick_tasks_create_task, order_ids=sorted({a.line.order_id for a in allocations})
        )
    return allocations


@transaction.atomic(durable=True)
def backorders_allocate(*, product_id: int, warehouse_id: int) -> list[Allocation]:
    """Stock of a product arrived: give it to the open orders still waiting for it, most
    urgent first."""
    waiting = (
        OrderLine.objects.filter(product_id=product_id, order__warehouse_id=warehouse_id)
        .exclude(order__status__in=Order.CLOSED_STATUSES)
        .filter(allocated_quantity__lt=F("quantity"))
        .values_list("order_id", flat=True)
    )
    order_ids = sorted(set(waiting))
    if not order_ids:
        return []
    allocations = orders_allocate_apply(order_ids=order_ids, product_ids={product_id})
    if allocations:
        from warehouse.tasks import pick_tasks_create_task

        enqueue_on_commit(
            pick_tasks_create_task, order_ids=sorted({a.line.order_id for a in allocations})
        )
    return allocations


def backorders_retry_on_commit(*, product_id: int, warehouse_id: int) -> None:
    """Stock of the product became available: if orders wait for it, retry them after commit.

    One cheap query on the hot path; the allocation itself runs in the worker.
    """
    waiting = (
        OrderLine.objects.filter(
            product_id=product_id,
            order__warehouse_id=warehouse_id,
            allocated_quantity__lt=F("quantity"),
        )
        .exclude(order__status__in=Order.CLOSED_STATUSES)
        .exists()
    )
    if waiting:
        from warehouse.tasks import backorders_allocate_task

        enqueue_on_commit(
            backorders_allocate_task, product_id=product_id, warehouse_id=warehouse_id
        )
