"""Reads for the outbound pages: the supervisor's order list and detail, a released wave, the
handheld's pick screen (the pick, its batch's progress, the next stop) and the packing bench.

The API's reads (``warehouse.selectors.orders``) are reused where a page shows the same thing;
what is here is shaped for a screen: totals per order for progress bars, a picker's position in
a batch, what of an order is still to pack.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Product, Warehouse
from warehouse.models import Allocation, Lot, Order, Package, PackageItem, Task, Wave
from warehouse.selectors.orders import orders_list, waves_list

PACKABLE = (Order.Status.PICKING, Order.Status.PICKED)


def _units(field: str) -> Coalesce:
    return Coalesce(Sum(f"lines__{field}"), Value(0), output_field=IntegerField())


def _packed_units() -> Subquery:
    packed = (
        PackageItem.objects.filter(package__order=OuterRef("pk"))
        .order_by()
        .values("package__order")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Coalesce(Subquery(packed, output_field=IntegerField()), Value(0))


def _open_picks() -> Subquery:
    picks = (
        Task.objects.filter(
            order=OuterRef("pk"), kind=Task.Kind.PICK, status__in=Task.ACTIVE_STATUSES
        )
        .order_by()
        .values("order")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(picks, output_field=IntegerField()), Value(0))


# --- the supervisor's orders -----------------------------------------------------------------


DUE_CHOICES = (("today", "Due today"), ("late", "Late"))


def day_start(now: datetime) -> datetime:
    """Midnight of ``now``'s local day, aware."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def order_due_filters(now: datetime) -> dict[str, Q]:
    """Open orders that are late (ship date or carrier cut-off passed) or due today (ship date
    today, or the cut-off later today) and not late: the dashboard counts these, the orders
    page filters by them."""
    today = timezone.localdate(now)
    tomorrow = day_start(now) + timedelta(days=1)
    late = Q(requested_ship_date__lt=today) | Q(carrier_cutoff_at__lt=now)
    due = Q(requested_ship_date=today) | Q(
        carrier_cutoff_at__gte=now, carrier_cutoff_at__lt=tomorrow
    )
    return {"late": late, "today": due & ~late}


def orders_page(
    *, warehouse_id: int, status: str = "", search: str = "", due: str = ""
) -> QuerySet[Order]:
    """Orders of one warehouse, newest first, each with its units ordered, allocated, picked and
    shipped summed over its lines (``units_*``) and its line count: one query a page. ``due``
    (``today``, ``late``): open orders due today or late (``order_due_filters``)."""
    orders = (
        Order.objects.filter(warehouse_id=warehouse_id)
        .select_related("wave")
        .annotate(
            line_count=Count("lines"),
            units_ordered=_units("quantity"),
            units_allocated=_units("allocated_quantity"),
            units_picked=_units("picked_quantity"),
            units_shipped=_units("shipped_quantity"),
        )
    )
    if status:
        orders = orders.filter(status=status)
    if search:
        orders = orders.filter(Q(reference__icontains=search) | Q(customer__icontains=search))
    if due:
        orders = orders.exclude(status__in=Order.CLOSED_STATUSES).filter(
            order_due_filters(timezone.now())[due]
        )
    return orders.order_by("-created_at", "-id")


def order_status_counts(*, warehouse_id: int) -> dict[str, int]:
    """Orders per status in one query (the filter's counts)."""
    counts = Order.objects.filter(warehouse_id=warehouse_id).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in Order.Status.values}
    )
    return {status: counts[status] for status in Order.Status.values}


def order_page_get(*, warehouses: QuerySet[Warehouse], order_id: int) -> Order | None:
    """One order with its lines, allocations (bin, lot), pick tasks and packages, and its
    units packed and open picks (``units_packed``, ``open_picks``)."""
    return (
        orders_list(warehouses=warehouses)
        .filter(pk=order_id)
        .annotate(units_packed=_packed_units(), open_picks=_open_picks())
        .first()
    )


def wave_page_get(*, warehouses: QuerySet[Warehouse], wave_id: int) -> Wave | None:
    """A wave with its orders and batches (each batch's picks in route order, ``route``)."""
    return waves_list(warehouses=warehouses).filter(pk=wave_id).first()


def references_taken(*, references: Iterable[str]) -> dict[str, int]:
    """Which of ``references`` name an order already, and the warehouse of each: one query."""
    references = set(references)
    if not references:
        return {}
    rows = Order.objects.filter(reference__in=references).values_list("reference", "warehouse_id")
    return dict(rows)


def order_in_warehouse(*, warehouse_id: int, reference: str) -> Order | None:
    return Order.objects.filter(warehouse_id=warehouse_id, reference=reference).first()


# --- the handheld's pick screen --------------------------------------------------------------


def pick_for_screen(*, task_id: int, warehouse_id: int) -> Task | None:
    """A pick task of the warehouse with everything its screen shows; one query."""
    return (
        Task.objects.filter(pk=task_id, warehouse_id=warehouse_id)
        .select_related(
            "product",
            "lot",
            "source_location",
            "destination_location",
            "assignee",
            "order",
            "batch__wave",
        )
        .first()
    )


@dataclass(frozen=True)
class BatchProgress:
    """Where a picker stands in their batch: picks done of all, units picked of all to pick.

    A short pick counts the units found; its missing units are either on a new pick of the
    batch (counted there) or backordered (counted nowhere)."""

    picks: int
    picks_done: int
    shorts: int
    units: int
    units_done: int

    @property
    def position(self) -> int:
        """The number of the pick on screen now (1-based)."""
        return min(self.picks_done + 1, self.picks)

    @property
    def percent(self) -> int:
        return self.units_done * 100 // self.units if self.units else 100


def _batch_tasks(task: Task, user_id: int) -> QuerySet[Task]:
    if task.batch_id is None:  # a pick outside any batch is a batch of one
        return Task.objects.filter(pk=task.pk)
    return Task.objects.filter(batch_id=task.batch_id, kind=Task.Kind.PICK, assignee_id=user_id)


def batch_progress(*, task: Task, user_id: int) -> BatchProgress:
    """The picker's progress through ``task``'s batch, in one query."""
    done = Q(status=Task.Status.DONE)
    active = Q(status__in=Task.ACTIVE_STATUSES)
    totals = (
        _batch_tasks(task, user_id)
        .exclude(status=Task.Status.CANCELLED)
        .aggregate(
            picks=Count("id"),
            picks_done=Count("id", filter=done),
            shorts=Count("id", filter=done & Q(quantity_done__lt=F("quantity"))),
            units_done=Coalesce(Sum("quantity_done", filter=done), 0),
            units_open=Coalesce(Sum("quantity", filter=active), 0),
        )
    )
    return BatchProgress(
        picks=totals["picks"],
        picks_done=totals["picks_done"],
        shorts=totals["shorts"],
        units=totals["units_done"] + totals["units_open"],
        units_done=totals["units_done"],
    )


def next_pick(*, task: Task, user_id: int) -> Task | None:
    """The picker's next stop in ``task``'s batch (route order), or None when it is done."""
    if task.batch_id is None:
        return None
    return (
        Task.objects.filter(
            batch_id=task.batch_id,
            kind=Task.Kind.PICK,
            assignee_id=user_id,
            status=Task.Status.ASSIGNED,
        )
        .order_by("route_sequence", "id")
        .first()
    )


def picks_held(*, task: Task, user_id: int) -> set[int]:
    """Ids of the picks of ``task``'s batch the picker still holds (to tell new ones apart)."""
    return set(
        _batch_tasks(task, user_id).filter(status=Task.Status.ASSIGNED).values_list("id", flat=True)
    )


def picks_by_ids(*, ids: Iterable[int]) -> list[Task]:
    return list(
        Task.objects.filter(pk__in=set(ids)).select_related("source_location").order_by("id")
    )


# --- the packing bench -----------------------------------------------------------------------


def orders_to_pack(*, warehouse_id: int, limit: int = 50) -> list[Order]:
    """Orders being picked or picked, most urgent first, each with units picked and packed
    and its open picks (``units_picked``, ``units_packed``, ``open_picks``): one query."""
    return list(
        Order.objects.filter(warehouse_id=warehouse_id, status__in=PACKABLE)
        .annotate(
            units_picked=_units("picked_quantity"),
            units_packed=_packed_units(),
            open_picks=_open_picks(),
        )
        .order_by("priority", "requested_ship_date", "created_at", "id")[:limit]
    )


def order_for_packing(*, warehouse_id: int, order_id: int) -> Order | None:
    return (
        Order.objects.filter(warehouse_id=warehouse_id, pk=order_id)
        .annotate(open_picks=_open_picks())
        .first()
    )


@dataclass(frozen=True)
class PackLine:
    """One product (and lot) of an order at the packing bench."""

    product: Product
    lot: Lot | None
    picked: int
    packed: int

    @property
    def unpacked(self) -> int:
        return self.picked - self.packed

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.product.pk, self.lot.pk if self.lot else None)


def pack_lines(*, order: Order) -> list[PackLine]:
    """What of the order is picked, and how much of it is packed, per product and lot (as
    ``warehouse.services.shipping.order_unpacked`` counts it): four queries."""
    picked: dict[tuple[int, int | None], int] = defaultdict(int)
    packed: dict[tuple[int, int | None], int] = defaultdict(int)
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
        packed[(row["product_id"], row["lot_id"])] += row["units"]
    keys = set(picked) | set(packed)
    products = Product.objects.in_bulk({p for p, _ in keys})
    lots = Lot.objects.in_bulk({lot for _, lot in keys if lot is not None})
    lines = [
        PackLine(products[p], lots.get(lot) if lot else None, picked[(p, lot)], packed[(p, lot)])
        for p, lot in keys
    ]
    return sorted(lines, key=lambda ln: (ln.product.sku, ln.lot.code if ln.lot else ""))


def packages_of_order(*, order_id: int) -> list[Package]:
    """The order's closed packages, each with its units (``units``): one query."""
    return list(
        Package.objects.filter(order_id=order_id)
        .annotate(units=Coalesce(Sum("items__quantity"), 0))
        .order_by("number")
    )
