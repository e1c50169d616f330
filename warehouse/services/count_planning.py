"""Planning cycle counts: count tasks by zone, by ABC class on a schedule, and for flagged bins.

A count task names one bin and one product (and the lot, for lot-tracked stock), never a
quantity: the counter counts blind. A bin and product never have two active count tasks: the
planner skips pairs that have one (a short pick's, a recount, an earlier plan), and its own
tasks carry the origin key ``count:open:<bin>:<product>:<lot>`` while active, so two planners
running at once insert one task (the key is UNIQUE). A finished task's key is renamed to
``count:closed:<task id>``, freeing the pair for the next plan.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import CharField, Count, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from inventory.errors import DomainError, NotFound
from inventory.models import DemandForecast, Product, Warehouse
from warehouse.models import BinCount, Location, Quant, Task, Zone
from warehouse.services.tasks import tasks_create_many

OPEN_KEY_PREFIX = "count:open:"
CLOSED_KEY_PREFIX = "count:closed:"
# How often each ABC class is counted: every (product, bin) of the class once per period.
CLASS_PERIOD_DAYS = {"A": 30, "B": 91, "C": 365}
COUNTED_KINDS = (Location.Kind.STORAGE, Location.Kind.PICK)
PLANNED_PRIORITY = 6  # after the day's putaways and picks
FLAGGED_PRIORITY = 3  # a supervisor doubts the bin: before routine counts
ZONE_LIMIT = 2_000  # one press of the button: a zone's worth, not the building


@dataclass(frozen=True)
class CountTarget:
    location_id: int
    product_id: int | None  # None: whatever the counter finds in the bin
    lot_id: int | None = None


@dataclass(frozen=True)
class CountPlan:
    """What a planning run did: ``created`` new tasks, ``skipped`` pairs already being counted."""

    created: list[Task]
    skipped: int


def open_key(target: CountTarget) -> str:
    return f"{OPEN_KEY_PREFIX}{target.location_id}:{target.product_id or 0}:{target.lot_id or 0}"


def closed_key(task_id: int) -> str:
    return f"{CLOSED_KEY_PREFIX}{task_id}"


def count_tasks_plan(
    *,
    warehouse_id: int,
    targets: list[CountTarget],
    priority: int = PLANNED_PRIORITY,
    created_by_id: int | None = None,
    notes: str = "",
    reference: str = "",
) -> CountPlan:
    """Open a count task for each target whose bin and product have no active count task.

    Caller is in a transaction. Takes no row locks: the UNIQUE origin key settles two planners
    racing; a short pick's count task made meanwhile may still join one of ours, and completing
    either count closes the other (``warehouse.services.counting``).
    """
    if not targets:
        return CountPlan(created=[], skipped=0)
    keys = [open_key(target) for target in targets]
    # Tasks finished or cancelled since they were planned free their key (cancelled ones are
    # renamed only here: task_cancel knows nothing of count keys).
    Task.objects.filter(origin_key__in=keys).exclude(status__in=Task.ACTIVE_STATUSES).update(
        origin_key=Concat(Value(CLOSED_KEY_PREFIX), Cast("id", CharField()))
    )
    busy = count_pairs_busy(location_ids={target.location_id for target in targets})
    fresh: dict[tuple[int, int | None], CountTarget] = {}
    for target in targets:
        pair = (target.location_id, target.product_id)
        if pair in busy or (target.location_id, None) in busy or pair in fresh:
            continue
        fresh[pair] = target
    if not fresh:
        return CountPlan(created=[], skipped=len(targets))
    stored = tasks_create_many(
        tasks=[
            Task(
                warehouse_id=warehouse_id,
                kind=Task.Kind.COUNT,
                product_id=target.product_id,
                lot_id=target.lot_id,
                source_location_id=target.location_id,
                priority=priority,
                created_by_id=created_by_id,
                notes=notes[:300],
                reference=reference,
                origin_key=open_key(target),
            )
            for target in fresh.values()
        ]
    )
    return CountPlan(created=stored, skipped=len(targets) - len(stored))


def count_pairs_busy(*, location_ids: set[int]) -> set[tuple[int, int | None]]:
    """(bin, product) pairs of these bins with an active count task; (bin, None) for a task
    that counts whatever is in the bin."""
    return set(
        Task.objects.filter(
            kind=Task.Kind.COUNT,
            status__in=Task.ACTIVE_STATUSES,
            source_location_id__in=location_ids,
        ).values_list("source_location_id", "product_id")
    )


def _stock_targets(quants) -> list[CountTarget]:
    return [
        CountTarget(location_id, product_id, lot_id)
        for location_id, product_id, lot_id in quants.values_list(
            "location_id", "product_id", "lot_id"
        )
    ]


def _stocked_quants(*, warehouse_id: int):
    return Quant.objects.filter(
        warehouse_id=warehouse_id, quantity__gt=0, location__kind__in=COUNTED_KINDS
    ).order_by("location__pick_sequence", "location__code", "product_id", "lot_id")


@transaction.atomic(durable=True)
def counts_plan_zone(*, warehouse_id: int, zone_id: int, user_id: int | None = None) -> CountPlan:
    """Count every product in every storage and pick bin of one zone, bin by bin along the
    pick path (at most ``ZONE_LIMIT`` at a time: press again for the rest)."""
    zone = Zone.objects.filter(pk=zone_id, warehouse_id=warehouse_id).first()
    if zone is None:
        raise NotFound("No such zone in this warehouse.", field="zone")
    quants = _stocked_quants(warehouse_id=warehouse_id).filter(location__zone_id=zone.pk)
    return count_tasks_plan(
        warehouse_id=warehouse_id,
        targets=_stock_targets(quants[:ZONE_LIMIT]),
        created_by_id=user_id,
        notes=f"Zone count {zone.code}",
    )


@transaction.atomic(durable=True)
def count_flag_bin(
    *,
    warehouse_id: int,
    location_id: int,
    user_id: int | None,
    reason: str,
    product: Product | None = None,
) -> CountPlan:
    """A supervisor doubts a bin: count it (one product of it, or everything the books have
    there). An empty bin gets one task that counts whatever the counter finds."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the bin should be counted.", field="reason")
    location = Location.objects.filter(pk=location_id, warehouse_id=warehouse_id).first()
    if location is None or location.is_virtual:
        raise NotFound("No such bin in this warehouse.", field="location")
    quants = Quant.objects.filter(location_id=location.pk, quantity__gt=0).order_by(
        "product_id", "lot_id"
    )
    if product is not None:
        quants = quants.filter(product_id=product.pk)
    targets = _stock_targets(quants)
    if not targets:
        targets = [CountTarget(location.pk, product.pk if product else None)]
    return count_tasks_plan(
        warehouse_id=warehouse_id,
        targets=targets,
        priority=FLAGGED_PRIORITY,
        created_by_id=user_id,
        notes=f"Flagged: {reason}",
    )


@transaction.atomic(durable=True)
def counts_plan_by_class(
    *, warehouse_id: int, today: date | None = None, user_id: int | None = None
) -> CountPlan:
    """Tonight's share of the ABC schedule: each class's stocked (bin, product, lot) records
    are counted once per ``CLASS_PERIOD_DAYS`` period, spread evenly over it.

    A record's class is its product's ``DemandForecast.abc_class`` in this warehouse (C without
    a forecast). Each day takes ceil(records of the class / period) of those not counted
    within the period, the longest uncounted first, then along the pick path (a walkable run
    of bins). Records already being counted are left out; a second run on the same day adds
    only what the first left of the day's share.
    """
    today = today or timezone.localdate()
    classes = dict(
        DemandForecast.objects.filter(warehouse_id=warehouse_id).values_list(
            "product_id", "abc_class"
        )
    )
    # The last count of the bin and product, any lot: a bin counted is a bin counted.
    last_counted = (
        BinCount.objects.filter(
            location_id=OuterRef("location_id"), product_id=OuterRef("product_id")
        )
        .order_by("-counted_at")
        .values("counted_at")[:1]
    )
    rows = _stocked_quants(warehouse_id=warehouse_id).annotate(last=Subquery(last_counted))
    by_class: dict[str, list[tuple]] = {"A": [], "B": [], "C": []}
    for location_id, product_id, lot_id, last in rows.values_list(
        "location_id", "product_id", "lot_id", "last"
    ):
        by_class[classes.get(product_id, "C")].append((location_id, product_id, lot_id, last))
    busy = count_pairs_busy(
        location_ids={row[0] for records in by_class.values() for row in records}
    )
    planned_today = dict(
        Task.objects.filter(
            warehouse_id=warehouse_id,
            kind=Task.Kind.COUNT,
            reference__in=[_schedule_reference(abc, today) for abc in CLASS_PERIOD_DAYS],
        )
        .order_by()
        .values_list("reference")
        .annotate(n=Count("pk"))
    )
    created: list[Task] = []
    skipped = 0
    for abc, records in by_class.items():
        period = CLASS_PERIOD_DAYS[abc]
        reference = _schedule_reference(abc, today)
        # A second run the same day (the supervisor's button after the night's) adds nothing.
        quota = math.ceil(len(records) / period) - planned_today.get(reference, 0)
        since = today - timedelta(days=period)
        due = [
            row
            for row in records
            if (row[3] is None or timezone.localdate(row[3]) <= since)
            and (row[0], row[1]) not in busy
            and (row[0], None) not in busy
        ]
        # Stable sort: never-counted first, then the oldest count; ties keep pick-path order.
        due.sort(key=lambda row: (row[3] is not None, row[3] or timezone.now()))
        plan = count_tasks_plan(
            warehouse_id=warehouse_id,
            targets=[CountTarget(row[0], row[1], row[2]) for row in due[: max(quota, 0)]],
            created_by_id=user_id,
            notes=f"Cycle count, class {abc}",
            reference=reference,
        )
        created += plan.created
        skipped += plan.skipped
    return CountPlan(created=created, skipped=skipped)


def _schedule_reference(abc: str, day: date) -> str:
    return f"cycle:{abc}:{day:%Y-%m-%d}"


def counts_plan_nightly(*, today: date | None = None) -> dict[str, int]:
    """The nightly ABC run over every warehouse, each in a transaction of its own; returns the
    tasks created per warehouse code."""
    return {
        code: len(counts_plan_by_class(warehouse_id=pk, today=today).created)
        for pk, code in Warehouse.objects.order_by("code").values_list("pk", "code")
    }
