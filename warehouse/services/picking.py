"""Picking: pick tasks from allocations, and confirming picks (short picks included)."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from inventory.errors import DomainError, InvalidQuantity
from warehouse.locks import orders_lock
from warehouse.models import Allocation, Location, StockMove, Task
from warehouse.services.allocation import _order_statuses_refresh, orders_allocate_apply
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.reservations import quant_unreserve_apply
from warehouse.services.scans import scans_check
from warehouse.services.tasks import task_for_worker, tasks_create_many

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
        .order_by("pk")
    )
    return pick_tasks_for(allocations=allocations)


@transaction.atomic(durable=True)
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
        )
    short = task.quantity - quantity
    allocation.quantity -= task.quantity
    allocation.picked_quantity += quantity
    allocation.save(update_fields=["quantity", "picked_quantity"])
    line.picked_quantity += quantity
    line.allocated_quantity -= short
    line.save(update_fields=["picked_quantity", "allocated_quantity"])
    now = timezone.now()
    task.quantity_done, task.status, task.completed_at = quantity, Task.Status.DONE, now
    task.started_at = task.started_at or now
    task.save(update_fields=["quantity_done", "status", "completed_at", "started_at", "updated_at"])
    if short:
        _short_pick(task=task, allocation=allocation, short=short, user_id=user_id)
    _order_statuses_refresh([order])
    return task


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
    if extra and task.batch_id:
        # The same picker finishes the batch: the new picks join the end of the route.
        Task.objects.filter(pk__in=[t.pk for t in extra], status=Task.Status.OPEN).update(
            status=Task.Status.ASSIGNED, assignee_id=user_id, assigned_at=timezone.now(),
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
                origin_key=f"count:short:{task.pk}",
                notes=f"short pick: {short} of {task.quantity} not found",
            )
        ]
    )
