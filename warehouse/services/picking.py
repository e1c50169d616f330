"""Picking: pick tasks from allocations, and confirming picks (short picks included)."""

from collections.abc import Sequence

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from inventory.errors import DomainError, InvalidQuantity
from inventory.gs1 import InvalidBarcode, gtin_candidates, parse_scan, scan_text
from warehouse.locks import orders_lock
from warehouse.models import Allocation, Location, Order, OrderLine, StockMove, Task
from warehouse.services.allocation import (
    SHORT_PICK_COUNT_PREFIX,
    order_status_from,
    order_statuses_refresh,
    orders_allocate_apply,
)
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.replenish import pick_face_below_min, pick_faces_check_on_commit
from warehouse.services.reservations import quant_unreserve_apply
from warehouse.services.scans import scans_check
from warehouse.services.tasks import task_for_worker, tasks_create_many

TASK_QUANTITY_LIMIT = 2**31 - 1  # the task's quantity is a PostgreSQL integer
COUNT_AFTER_SHORT_PRIORITY = 2  # a bin that came up short misleads every picker after


def staging_location(*, warehouse_id: int) -> Location:
    found = (
        Location.objects.filter(
            warehouse_id=warehouse_id, kind=Location.Kind.STAGING, is_blocked=False
        )
        .order_by("code")
        .first()
    )
    if found is None:
        raise DomainError(
            "This warehouse has no staging location for picked goods.", field="warehouse"
        )
    return found


def pick_tasks_for(*, allocations: Sequence[Allocation], batch_id: int | None = None) -> list[Task]:
    """One pick task per allocation (idempotent by origin key). Caller is in a transaction
    and holds the orders' locks."""
    if not allocations:
        return []
    staging: dict[int, Location] = {}
    tasks = []
    for allocation in allocations:
        order = allocation.line.order
        if order.warehouse_id not in staging:
            staging[order.warehouse_id] = staging_location(warehouse_id=order.warehouse_id)
        tasks.append(
            Task(
                warehouse_id=order.warehouse_id,
                kind=Task.Kind.PICK,
                product_id=allocation.line.product_id,
                lot_id=allocation.lot_id,
                quantity=allocation.quantity,
                source_location_id=allocation.location_id,
                destination_location=staging[order.warehouse_id],
                priority=order.priority,
                reference=f"order:{order.reference}",
                order=order,
                order_line=allocation.line,
                allocation=allocation,
                batch_id=batch_id,
                origin_key=f"pick:alloc:{allocation.pk}",
            )
        )
    return tasks_create_many(tasks=tasks)


@transaction.atomic(durable=True)
def pick_tasks_create(*, order_ids: Sequence[int]) -> list[Task]:
    """Pick tasks for the orders' allocations that have none yet (the worker runs this)."""
    orders_lock(order_ids=order_ids)
    allocations = list(
        Allocation.objects.filter(line__order_id__in=order_ids, quantity__gt=0, tasks=None)
        .select_related("line", "line__order")
        .only(*_PICK_FIELDS)  # what a pick task copies: every column of 3 tables cost 0.4 s
        .order_by("pk")
    )
    return pick_tasks_for(allocations=allocations)


_PICK_FIELDS = (
    "location",
    "lot",
    "quantity",
    "line__product",
    "line__order__warehouse",
    "line__order__priority",
    "line__order__reference",
)


def pick_task_complete(
    *,
    task_id: int,
    user_id: int,
    scanned_location: str,
    scanned_product: str,
    quantity: int | None = None,
    lot_code: str | None = None,
) -> Task:
    """Confirm a pick: the units move from the bin to staging, their reservation is used up,
    the order line's picked quantity grows.

    Confirming fewer than asked is a **short pick**: the missing units' reservation is released,
    they are reallocated from the next FIFO/FEFO stock (a new pick task in the same batch) or
    backordered, and the bin gets a count task. Wrong scans change nothing; a repeat of a done
    task changes nothing; another worker's task is refused.
    """
    confirmed = _pick_confirm_in_one_trip(
        task_id=task_id,
        user_id=user_id,
        scanned_location=scanned_location,
        scanned_product=scanned_product,
        quantity=quantity,
        lot_code=lot_code,
    )
    if confirmed is not None:
        return confirmed
    task = _pick_task_complete_full(
        task_id=task_id,
        user_id=user_id,
        scanned_location=scanned_location,
        scanned_product=scanned_product,
        quantity=quantity,
        lot_code=lot_code,
    )
    # A pick face left below its minimum gets replenished (the bin came with the task; only a
    # pick bin costs the query).
    if task.source_location.kind == Location.Kind.PICK and pick_face_below_min(
        location_id=task.source_location_id, product_id=task.product_id
    ):
        pick_faces_check_on_commit(location_ids=[task.source_location_id])
    return task


@transaction.atomic(durable=True)
def _pick_task_complete_full(
    *,
    task_id: int,
    user_id: int,
    scanned_location: str,
    scanned_product: str,
    quantity: int | None,
    lot_code: str | None,
) -> Task:
    """Every pick, in Python: the specification the one-trip path must match."""
    task = task_for_worker(task_id=task_id, user_id=user_id, kinds=[Task.Kind.PICK])
    if task.status == Task.Status.DONE:
        return task
    (order,) = orders_lock(order_ids=[task.order_id])
    quantity = task.quantity if quantity is None else quantity
    if not 0 <= quantity <= task.quantity:
        raise InvalidQuantity(f"Confirm between 0 and {task.quantity} units.", field="quantity")
    scans_check(
        task=task,
        scanned_location=scanned_location,
        scanned_product=scanned_product,
        lot_code=lot_code,
    )
    allocation = Allocation.objects.select_related("line").get(pk=task.allocation_id)
    line = allocation.line
    if quantity:
        moves_apply(
            lines=[
                MoveLine(
                    task.product_id,
                    quantity,
                    task.source_location_id,
                    task.destination_location_id,
                    task.lot_id,
                    consume_reserved=quantity,
                )
            ],
            kind=StockMove.Kind.PICK,
            actor_id=user_id,
            task_id=task.pk,
            reference=task.reference,
            idempotency_key=f"task:{task.pk}:pick",
            repeat_ruled_out=True,  # the task is locked and not done: this is no repeat
        )
    short = task.quantity - quantity
    now = timezone.now()
    allocation.quantity -= task.quantity
    allocation.picked_quantity += quantity
    line.picked_quantity += quantity
    line.allocated_quantity -= short
    task.quantity_done, task.status, task.completed_at = quantity, Task.Status.DONE, now
    task.started_at = task.started_at or now
    task.updated_at = now
    totals = _pick_record(task=task, allocation=allocation, line=line)
    if short:
        _short_pick(task=task, allocation=allocation, short=short, user_id=user_id)
        order_statuses_refresh([order])
        return task
    status = order_status_from(
        quantity=totals[0], allocated=totals[1], picked=totals[2], current=order.status
    )
    if status != order.status and not order.is_closed:  # most picks leave it as it is
        Order.objects.filter(pk=order.pk).update(status=status)
    return task


def _pick_confirm_in_one_trip(
    *,
    task_id: int,
    user_id: int,
    scanned_location: str,
    scanned_product: str,
    quantity: int | None,
    lot_code: str | None,
) -> Task | None:
    """The usual pick (whole quantity, the bin's label, the product's GTIN) confirmed by the
    database function ``warehouse_pick_confirm`` in one statement; None when the pick is not
    the usual one, with nothing written, and the caller takes the full path (ADR 0006).
    Outside a transaction the statement is its own, so the pick costs one round trip.

    A pick in Python costs 15 statements and 11 ms of client CPU; on the floor's busiest
    transaction that made pickers wait on each other's clients, not on the database.
    """
    if quantity is not None and not 0 < quantity <= TASK_QUANTITY_LIMIT:
        return None  # nothing to move, or out of range: the full path explains
    try:
        scan = parse_scan(scanned_product or "")
    except InvalidBarcode:
        return None  # the full path says what is wrong with the label
    if scan.gtin is None:
        return None  # a typed SKU: the full path looks it up
    params = [
        task_id,
        user_id,
        scan_text(scanned_location or ""),
        gtin_candidates(scan.gtin),
        (lot_code or "").strip() or scan.lot or "",
        quantity,
    ]
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint, so that WP001 undoes only the pick
                row = _pick_confirm_call(params)
        else:
            # A transaction of its own (autocommit): one round trip, no BEGIN and COMMIT.
            row = _pick_confirm_call(params)
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) == PICK_CONFIRM_DECLINED:
            return None  # begun, then found something unusual: undone, the full path decides
        raise
    if row is None:
        return None
    # The row as the model's fields, in their order: a raw queryset costs as much Python as
    # the rest of the pick (column introspection and converters, none needed here).
    task = Task.from_db(connection.alias, _TASK_FIELDS, row[:-1])
    if row[-1]:  # the pick left its pick face below the minimum: replenish it
        pick_faces_check_on_commit(location_ids=[task.source_location_id])
    return task


def _pick_confirm_call(params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(_PICK_CONFIRM_SQL, params)
        return cursor.fetchone()


_TASK_FIELDS = [field.attname for field in Task._meta.concrete_fields]
_PICK_CONFIRM_SQL = (
    "SELECT "
    + ", ".join(f'"{field.column}"' for field in Task._meta.concrete_fields)
    # and whether the pick left its bin below the minimum of an active pick-face rule, in the
    # same round trip (a PL/pgSQL function, planned once per connection: migration 0008).
    + ", warehouse_pick_face_low(done.source_location_id, done.product_id)"
    + " FROM warehouse_pick_confirm("
    "%s::bigint, %s::bigint, %s::text, %s::text[], %s::text, %s::integer) AS done"
)
PICK_CONFIRM_DECLINED = "WP001"  # the function's SQLSTATE for "not the usual pick"

_PICK_RECORD_SQL = """
WITH allocation AS (
    UPDATE warehouse_allocation SET quantity = %(a_quantity)s, picked_quantity = %(a_picked)s
    WHERE id = %(allocation)s
), line AS (
    UPDATE warehouse_orderline
    SET picked_quantity = %(l_picked)s, allocated_quantity = %(l_allocated)s
    WHERE id = %(line)s
), task AS (
    UPDATE warehouse_task
    SET quantity_done = %(done)s, status = %(status)s, completed_at = %(completed_at)s,
        started_at = %(started_at)s, updated_at = %(completed_at)s
    WHERE id = %(task)s
)
SELECT SUM(quantity), SUM(allocated_quantity), SUM(picked_quantity)
FROM warehouse_orderline WHERE order_id = %(order)s
"""


def _pick_record(*, task: Task, allocation: Allocation, line: OrderLine) -> tuple[int, int, int]:
    """Write a confirmed pick's allocation, order line and task in one statement (the ORM
    would send three), and return the order's line totals after it (quantity, allocated,
    picked), for its status. Caller holds the task and the order.

    The totals come from the same statement: its SELECT sees the lines as they were before the
    updates beside it (one snapshot), so this line's change is added here.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _PICK_RECORD_SQL,
            {
                "allocation": allocation.pk,
                "a_quantity": allocation.quantity,
                "a_picked": allocation.picked_quantity,
                "line": line.pk,
                "l_picked": line.picked_quantity,
                "l_allocated": line.allocated_quantity,
                "task": task.pk,
                "done": task.quantity_done,
                "status": task.status,
                "completed_at": task.completed_at,
                "started_at": task.started_at,
                "order": line.order_id,
            },
        )
        quantity, allocated, picked = cursor.fetchone()
    short = task.quantity - task.quantity_done
    return quantity, allocated - short, picked + task.quantity_done


def _short_pick(*, task: Task, allocation: Allocation, short: int, user_id: int) -> None:
    """Release what was not there, look for it elsewhere, and have the bin counted."""
    quant_unreserve_apply(quant_id=allocation.quant_id, quantity=short)
    replacements = orders_allocate_apply(
        order_ids=[task.order_id],
        product_ids={task.product_id},
        exclude_location_ids=[task.source_location_id],
    )
    for replacement in replacements:
        replacement.line.order = task.order
    extra = pick_tasks_for(allocations=replacements, batch_id=task.batch_id)
    if extra:
        # The same picker takes the new picks (at the end of the batch's route, if it has
        # one): an unbatched pick would otherwise wait for a wave that already went out.
        Task.objects.filter(pk__in=[t.pk for t in extra], status=Task.Status.OPEN).update(
            status=Task.Status.ASSIGNED,
            assignee_id=user_id,
            assigned_at=timezone.now(),
            route_sequence=task.route_sequence + 1000,
        )
    tasks_create_many(
        tasks=[
            Task(
                warehouse_id=task.warehouse_id,
                kind=Task.Kind.COUNT,
                product_id=task.product_id,
                lot_id=task.lot_id,
                source_location_id=task.source_location_id,
                priority=COUNT_AFTER_SHORT_PRIORITY,
                parent=task,
                created_by_id=user_id,
                reference=task.reference,
                origin_key=f"{SHORT_PICK_COUNT_PREFIX}{task.pk}",
                notes=f"short pick: {short} of {task.quantity} not found",
            )
        ]
    )
