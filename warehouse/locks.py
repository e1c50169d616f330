"""Row locks of the warehouse app: the only place besides inventory/locks.py that locks rows.

Order, everywhere: parent document (task, receipt, order) -> StockLevel rows (inventory.locks)
-> Location rows -> Quant rows by pk -> ledger insert. SKIP LOCKED is used for task claiming
only, never on stock rows: skipping a locked stock row would hide stock that exists.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, QuerySet

from warehouse.models import Location, Order, PickBatch, QcInspection, Quant, Receipt, Task

QuantKey = tuple[int, int, int | None]  # (product_id, location_id, lot_id)


def locations_lock(
    *, shared_ids: Iterable[int], exclusive_ids: Iterable[int] = ()
) -> dict[int, Location]:
    """Lock location rows by pk and return their current state.

    ``exclusive_ids`` (FOR NO KEY UPDATE) are bins whose capacity we are about to fill or whose
    blocked flag we change; the others are held FOR SHARE so that nobody blocks a bin under a
    move. Caller holds the StockLevel locks of every product it will touch.
    """
    exclusive = set(exclusive_ids)
    shared = set(shared_ids) - exclusive
    found: dict[int, Location] = {}
    if exclusive:
        rows = (
            Location.objects.filter(pk__in=exclusive)
            .select_for_update(of=("self",), no_key=True)
            .order_by("pk")
        )
        found.update((row.pk, row) for row in rows)
    if shared:
        # Shared and exclusive sets are disjoint, and each set is taken in pk order; a reader of
        # these rows takes only shared locks, which never wait on each other.
        # Django's ORM has no FOR SHARE; this is the one raw lock query.
        rows = Location.objects.raw(
            "SELECT * FROM warehouse_location WHERE id = ANY(%s) ORDER BY id FOR SHARE",
            [sorted(shared)],
        )
        found.update((row.pk, row) for row in rows)
    return found


def quants_lock(*, keys: Iterable[QuantKey]) -> dict[QuantKey, Quant]:
    """Create missing quants (empty), then lock them in pk order.

    Caller holds the StockLevel locks of the products and the location locks.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    warehouse_of = dict(
        Location.objects.filter(pk__in={loc for _, loc, _ in wanted}).values_list(
            "pk", "warehouse_id"
        )
    )
    Quant.objects.bulk_create(
        [
            Quant(product_id=p, location_id=loc, lot_id=lot, warehouse_id=warehouse_of[loc])
            for p, loc, lot in sorted(wanted, key=lambda k: (k[0], k[1], k[2] or 0))
        ],
        ignore_conflicts=True,
    )
    rows = (
        Quant.objects.filter(
            product_id__in={p for p, _, _ in wanted},
            location_id__in={loc for _, loc, _ in wanted},
        )
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )
    locked = {(q.product_id, q.location_id, q.lot_id): q for q in rows}
    return {key: locked[key] for key in wanted}


def quants_in_location_lock(*, location_id: int) -> list[Quant]:
    """Lock every quant in one location (pk order). Caller holds their products' level locks."""
    return list(
        Quant.objects.filter(location_id=location_id)
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )


def task_lock(*, task_id: int) -> Task:
    """Lock one task row: the parent document of the stock changes made for it."""
    return (
        Task.objects.select_for_update(of=("self",), no_key=True)
        .select_related("product", "lot", "source_location", "destination_location")
        .get(pk=task_id)
    )


def task_claim_lock(*, claim_queue: QuerySet[Task]) -> Task | None:
    """The first task of ``queue`` that no other transaction holds, locked; None if none.

    SKIP LOCKED: two handhelds claiming at once each get a different task, without waiting.
    """
    return claim_queue.select_for_update(of=("self",), skip_locked=True, no_key=True).first()


def receipt_lock(*, receipt_id: int, warehouse_id: int | None = None) -> Receipt:
    """Lock a receipt: the parent document of everything received on it. With
    ``warehouse_id``, only a receipt of that warehouse (else Receipt.DoesNotExist)."""
    receipts = Receipt.objects.filter(pk=receipt_id)
    if warehouse_id is not None:
        receipts = receipts.filter(warehouse_id=warehouse_id)
    return (
        receipts.select_for_update(of=("self",), no_key=True)
        .select_related("dock", "purchase_order", "supplier", "warehouse")
        .get()
    )


def putaway_planning_lock(*, warehouse_id: int) -> None:
    """Serialise putaway planning in one warehouse (a transaction-scoped advisory lock).

    Two planners choosing bins at the same moment would both count the same free room; taking
    turns keeps the planned room honest. Completion re-checks capacity under row locks anyway.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [PUTAWAY_PLANNING_LOCK, warehouse_id]
        )


PUTAWAY_PLANNING_LOCK = 7_301  # advisory lock namespace: putaway planning


def pick_faces_planning_lock(*, warehouse_ids: Iterable[int]) -> None:
    """Serialise pick-face replenishment planning (and pick-face rule changes) with putaway
    planning, per warehouse, in id order: the same advisory lock as ``putaway_planning_lock``.

    Both planners count the room left in bins (a pick face is also a putaway home bin) and
    replenishment also counts the reserve units open replenish tasks already take; planning
    at the same moment, two of them would promise the same room or the same units. Taken
    first, before any row lock (it stands for the parent document).
    """
    with connection.cursor() as cursor:
        for warehouse_id in sorted(set(warehouse_ids)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [PUTAWAY_PLANNING_LOCK, warehouse_id]
            )


def qc_inspection_lock(*, inspection_id: int) -> QcInspection:
    """Lock an inspection while its passed units are planned (once)."""
    return (
        QcInspection.objects.select_for_update(of=("self",), no_key=True)
        .select_related("task", "location")
        .get(pk=inspection_id)
    )


def orders_lock(*, order_ids: Iterable[int]) -> list[Order]:
    """Lock orders (parent documents of their lines and allocations) in pk order."""
    return list(
        Order.objects.filter(pk__in=set(order_ids))
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )


def quants_allocatable_lock(*, keys: Iterable[tuple[int, int]]) -> list[Quant]:
    """Lock every quant that could be allocated for (product_id, warehouse_id) ``keys``: stock
    with unreserved units in unblocked storage or pick bins, in pk order, with the lot's expiry.

    Caller holds the keys' StockLevel locks; a bin cannot be blocked under it (blocking takes
    the same level locks first).
    """
    keys = set(keys)
    if not keys:
        return []
    rows = (
        Quant.objects.filter(
            product_id__in={p for p, _ in keys},
            warehouse_id__in={w for _, w in keys},
            quantity__gt=F("reserved"),
            location__kind__in=Location.ALLOCATABLE_KINDS,
            location__is_blocked=False,
        )
        # Only what choosing needs (the FIFO key, the lot's expiry): loading every column of
        # the quant, lot and location cost 0.5 s for 6,000 quants.
        .select_related("lot")
        .only(*_ALLOCATION_FIELDS)
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )
    return [q for q in rows if (q.product_id, q.warehouse_id) in keys]


_ALLOCATION_FIELDS = (
    "product",
    "location",
    "lot__expiry_date",
    "warehouse",
    "quantity",
    "reserved",
    "received_at",
)


def order_pick_tasks_lock(*, order_id: int) -> list[Task]:
    """Lock an order's open pick tasks (pk order) before the order itself: a picker completing
    one holds the task, then the order, and so must everyone."""
    return list(
        Task.objects.filter(order_id=order_id, kind=Task.Kind.PICK, status__in=Task.ACTIVE_STATUSES)
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )


def pick_batch_claim_lock(*, claim_queue: QuerySet[PickBatch]) -> PickBatch | None:
    """The first batch of ``queue`` nobody is claiming right now (SKIP LOCKED), locked."""
    return claim_queue.select_for_update(of=("self",), skip_locked=True, no_key=True).first()
