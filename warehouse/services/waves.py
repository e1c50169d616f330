"""Waves: releasing orders to the floor, batching their picks per picker, routing each batch."""

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from inventory.errors import DomainError, NothingToRelease
from warehouse.locks import orders_lock
from warehouse.models import Allocation, Location, Order, PickBatch, Task, Wave
from warehouse.services.picking import pick_tasks_for, staging_location
from warehouse.services.replenish import pick_faces_check_on_commit
from warehouse.services.request_keys import (
    request_key_find,
    request_key_insert,
    request_key_repeat,
)
from warehouse.services.routing import Layout, Stop, route_metres, s_shape
from wms.db import rows_update

RELEASE_ORDERINGS = {
    "priority": ("priority", "requested_ship_date", "created_at", "id"),
    "ship_date": ("requested_ship_date", "priority", "created_at", "id"),
    "cutoff": ("carrier_cutoff_at", "priority", "created_at", "id"),
}
RELEASABLE = (Order.Status.ALLOCATED, Order.Status.PARTIALLY_ALLOCATED, Order.Status.PICKING)


@transaction.atomic(durable=True)
def wave_release(
    *,
    warehouse_id: int,
    order_ids: Sequence[int] | None = None,
    by: str = "priority",
    limit: int = 50,
    picks_per_batch: int = 20,
    released_by_id: int | None = None,
    idempotency_key: str | None = None,
) -> Wave:
    """Release orders (the ones named, or the first ``limit`` by priority, ship date or carrier
    cut-off) as one wave: their pick tasks are grouped into batches of at most
    ``picks_per_batch`` (an order's picks stay together where they fit), and each batch is
    sorted along the S-shape pick path.

    With ``idempotency_key`` (at most 64 characters, stored on the wave), a repeat returns the
    wave the first call released and changes nothing. It is looked up under the orders' locks,
    so a repeat racing the first call waits for it and then finds its wave; the same key for
    another warehouse or user raises Conflict.
    """
    if by not in RELEASE_ORDERINGS:
        raise DomainError(f"Release by one of {', '.join(RELEASE_ORDERINGS)}.", field="by")
    if not 1 <= picks_per_batch <= 200:
        raise DomainError("A batch holds 1 to 200 picks.", field="picks_per_batch")
    candidates = Order.objects.filter(
        warehouse_id=warehouse_id, wave__isnull=True, status__in=RELEASABLE
    )
    if order_ids is not None:
        candidates = candidates.filter(pk__in=order_ids)
    chosen = list(candidates.order_by(*RELEASE_ORDERINGS[by]).values_list("pk", flat=True)[:limit])
    orders = [o for o in orders_lock(order_ids=chosen) if o.wave_id is None and not o.is_closed]
    if done := request_key_find(Wave, request_key=idempotency_key):
        return _same_wave(done, warehouse_id, released_by_id)
    if not orders:
        raise NothingToRelease("No allocated orders are waiting to be released.", field="orders")
    _missing_pick_tasks(orders)
    wave, made = request_key_insert(
        Wave,
        request_key=idempotency_key,
        create=partial(
            Wave.objects.create,
            warehouse_id=warehouse_id,
            number=f"~{timezone.now().timestamp()}",
            released_by_id=released_by_id,
            request_key=idempotency_key,
        ),
    )
    if not made:  # released meanwhile with the same key, on orders whose locks we do not hold
        return _same_wave(wave, warehouse_id, released_by_id)
    wave.number = f"W-{wave.pk:06d}"
    wave.save(update_fields=["number"])
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(wave=wave)
    ranked = sorted(orders, key=lambda o: [_value(getattr(o, f)) for f in RELEASE_ORDERINGS[by]])
    urgency = {order.pk: rank for rank, order in enumerate(ranked)}
    tasks = list(
        Task.objects.filter(
            order__in=orders, kind=Task.Kind.PICK, status=Task.Status.OPEN, batch__isnull=True
        )
        .select_related("source_location")
        .order_by("order_line_id", "pk")
    )
    _batches_build(wave, tasks, urgency, picks_per_batch)
    # The pick faces the wave draws from are looked at after the commit (replenishment).
    pick_faces_check_on_commit(
        location_ids={
            t.source_location_id for t in tasks if t.source_location.kind == Location.Kind.PICK
        }
    )
    return wave


def _same_wave(wave: Wave, warehouse_id: int, released_by_id: int | None) -> Wave:
    return request_key_repeat(
        wave,
        what=f"wave {wave.number}",
        warehouse_id=warehouse_id,
        released_by_id=released_by_id,
    )


class _Last:
    """Sorts after every date and number (orders without a ship date or cut-off go last)."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_LAST = _Last()


def _value(value: object) -> object:
    return _LAST if value is None else value


def _missing_pick_tasks(orders: Sequence[Order]) -> None:
    """Make pick tasks the worker has not made yet, so a release never waits for it."""
    allocations = list(
        Allocation.objects.filter(
            line__order__in=orders, quantity__gt=0, tasks=None
        ).select_related("line", "line__order")
    )
    pick_tasks_for(allocations=allocations)


def _batches_build(wave: Wave, tasks: list[Task], urgency: dict[int, int], size: int) -> None:
    by_order: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        by_order[task.order_id].append(task)
    groups: list[list[Task]] = [[]]
    for order_id in sorted(by_order, key=urgency.__getitem__):
        picks = by_order[order_id]
        if groups[-1] and len(groups[-1]) + len(picks) > size:
            groups.append([])
        for pick in picks:
            if len(groups[-1]) == size:
                groups.append([])
            groups[-1].append(pick)
    groups = [g for g in groups if g]
    if not groups:
        return
    layout = _layout(wave.warehouse_id)
    batches = PickBatch.objects.bulk_create(
        PickBatch(wave=wave, warehouse_id=wave.warehouse_id, sequence=n + 1)
        for n in range(len(groups))
    )
    ids, batch_ids, sequences = [], [], []
    for batch, group in zip(batches, groups, strict=True):
        stops = {t.pk: _stop(t) for t in group}
        routed = s_shape(list(stops.values()), layout)
        batch.route_metres = route_metres(routed, layout)
        batch.unrouted_metres = route_metres(list(stops.values()), layout)
        for position, stop in enumerate(routed, start=1):
            ids.append(stop.key)
            batch_ids.append(batch.pk)
            sequences.append(position)
    PickBatch.objects.bulk_update(batches, ["route_metres", "unrouted_metres"])
    rows_update(
        table="warehouse_task",
        ids=ids,
        columns={"batch_id": ("bigint", batch_ids), "route_sequence": ("integer", sequences)},
    )


def _stop(task: Task) -> Stop:
    bin_ = task.source_location
    return Stop(
        key=task.pk, aisle=bin_.aisle or bin_.code, x=bin_.x, y=bin_.y, sequence=bin_.pick_sequence
    )


def _layout(warehouse_id: int) -> Layout:
    bounds = Location.objects.filter(
        warehouse_id=warehouse_id, kind__in=Location.ALLOCATABLE_KINDS
    ).aggregate(front=Min("y"), back=Max("y"))
    depot = staging_location(warehouse_id=warehouse_id)
    return Layout(
        front=bounds["front"] or 0.0, back=bounds["back"] or 0.0, depot=(depot.x, depot.y)
    )
