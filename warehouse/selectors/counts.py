"""Read paths for cycle counts: inventory record accuracy, the supervisor's counts page."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from inventory.models import Warehouse
from warehouse.models import BinCount, Location, Task, Zone


@dataclass(frozen=True)
class RecordAccuracy:
    """Of the bins counted, how many matched the books exactly; ``share`` is None when none
    were counted (no figure rather than a misleading 0 % or 100 %)."""

    counted: int
    exact: int
    share: float | None


def record_accuracy(*, warehouse_id: int, since: datetime) -> RecordAccuracy:
    """Inventory record accuracy of one warehouse: counts finished since ``since`` that found
    exactly what the books said, over all counts finished since then.

    A count that asked for a recount is not a result of its own: its recount is (a first
    count off by a slip of the counter but recounted exactly is an accurate record).
    """
    totals = (
        BinCount.objects.filter(warehouse_id=warehouse_id, counted_at__gte=since)
        .exclude(status=BinCount.Status.RECOUNT)
        .aggregate(
            counted=Count("pk"),
            exact=Count("pk", filter=Q(counted_quantity=F("expected_quantity"))),
        )
    )
    counted, exact = totals["counted"], totals["exact"]
    return RecordAccuracy(counted=counted, exact=exact, share=exact / counted if counted else None)


_RELATED = ("warehouse", "location", "product", "lot", "counted_by", "decided_by", "task")


def counts_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    status: str = "",
    location_code: str = "",
    product_sku: str = "",
    since: datetime | None = None,
) -> QuerySet[BinCount]:
    """Counts in the given warehouses, newest first, with what a row shows."""
    counts = BinCount.objects.filter(warehouse__in=warehouses).select_related(
        *_RELATED, "recount_of"
    )
    if warehouse_code:
        counts = counts.filter(warehouse__code=warehouse_code)
    if status:
        counts = counts.filter(status=status)
    if location_code:
        counts = counts.filter(location__code=location_code)
    if product_sku:
        counts = counts.filter(product__sku=product_sku)
    if since is not None:
        counts = counts.filter(counted_at__gte=since)
    return counts.order_by("-counted_at", "-id")


def counts_waiting(*, warehouse_id: int) -> list[BinCount]:
    """Differences waiting for the supervisor, oldest first (with the first count of a
    recount, which the page shows beside it)."""
    return list(
        BinCount.objects.filter(warehouse_id=warehouse_id, status=BinCount.Status.PENDING)
        .select_related(*_RELATED, "recount_of", "recount_of__counted_by")
        .order_by("counted_at", "id")
    )


def counts_recent(*, warehouse_id: int, limit: int = 30) -> list[BinCount]:
    """The latest counts that are settled or being recounted."""
    return list(
        BinCount.objects.filter(warehouse_id=warehouse_id)
        .exclude(status=BinCount.Status.PENDING)
        .select_related(*_RELATED)
        .order_by("-counted_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class CountQueue:
    """Count tasks not done yet in a warehouse: waiting in the queue, in a counter's hands."""

    open: int
    assigned: int


def count_queue(*, warehouse_id: int) -> CountQueue:
    totals = Task.objects.filter(
        warehouse_id=warehouse_id, kind=Task.Kind.COUNT, status__in=Task.ACTIVE_STATUSES
    ).aggregate(
        open=Count("pk", filter=Q(status=Task.Status.OPEN)),
        assigned=Count("pk", filter=Q(status=Task.Status.ASSIGNED)),
    )
    return CountQueue(open=totals["open"], assigned=totals["assigned"])


def count_zones(*, warehouse_id: int) -> list[Zone]:
    """Zones with bins a count covers (storage and pick faces; not docks or staging)."""
    bins = Location.objects.filter(
        zone_id=OuterRef("pk"), kind__in=(Location.Kind.STORAGE, Location.Kind.PICK)
    )
    return list(
        Zone.objects.filter(warehouse_id=warehouse_id).filter(Exists(bins)).order_by("code")
    )


def count_task_for_screen(*, task_id: int, warehouse_id: int) -> Task | None:
    """A count task of one warehouse with what the handheld shows (never a quantity)."""
    return (
        Task.objects.filter(pk=task_id, warehouse_id=warehouse_id, kind=Task.Kind.COUNT)
        .select_related("product", "lot", "source_location", "warehouse")
        .first()
    )


def count_of_task(*, task_id: int) -> BinCount | None:
    return BinCount.objects.filter(task_id=task_id).select_related("product", "lot").first()
