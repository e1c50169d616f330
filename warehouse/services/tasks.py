"""The task queue floor staff work through: create, claim, release, cancel, reopen stale."""

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.errors import Conflict, DomainError, NotAllowed
from inventory.models import Product
from warehouse.locks import pick_batch_claim_lock, task_claim_lock, task_lock
from warehouse.models import Location, Lot, PickBatch, Task
from wms.db import rows_insert


def task_create(
    *,
    warehouse_id: int,
    kind: str,
    product: Product | None = None,
    product_id: int | None = None,
    quantity: int = 0,
    lot: Lot | None = None,
    lot_id: int | None = None,
    receipt_item_id: int | None = None,
    source_location: Location | None = None,
    destination_location: Location | None = None,
    priority: int = 5,
    reference: str = "",
    origin_key: str | None = None,
    parent_id: int | None = None,
    created_by_id: int | None = None,
    notes: str = "",
) -> Task:
    """Create an open task. Caller is in a transaction.

    ``origin_key`` names the cause uniquely (``"putaway:quant:42:receipt:7"``): a second call
    with the same key returns the first task, so planners can run twice safely.
    """
    if kind not in Task.Kind.values:
        raise DomainError(f"Unknown task kind {kind!r}.", field="kind")
    if not 1 <= priority <= 9:
        raise DomainError("Priority runs from 1 (most urgent) to 9.", field="priority")
    if origin_key and (existing := Task.objects.filter(origin_key=origin_key).first()):
        return existing
    fields = {
        "warehouse_id": warehouse_id,
        "kind": kind,
        "product_id": product.pk if product else product_id,
        "quantity": quantity,
        "lot_id": lot.pk if lot else lot_id,
        "receipt_item_id": receipt_item_id,
        "source_location": source_location,
        "destination_location": destination_location,
        "priority": priority,
        "reference": reference,
        "origin_key": origin_key,
        "parent_id": parent_id,
        "created_by_id": created_by_id,
        "notes": notes,
    }
    try:
        with transaction.atomic():
            return Task.objects.create(**fields)
    except IntegrityError:
        if origin_key:  # a concurrent planner made it first
            return Task.objects.get(origin_key=origin_key)
        raise


def tasks_create_many(*, tasks: list[Task]) -> list[Task]:
    """Insert unsaved open tasks in one statement; each needs an ``origin_key``.

    Caller is in a transaction. Tasks whose key exists already are not inserted again; the
    stored tasks of all keys are returned, in the order given.
    """
    keys = [task.origin_key for task in tasks]
    if None in keys:
        raise ValueError("tasks_create_many needs an origin_key on every task")
    # One INSERT with a parameter per column, not per value (a bulk_create of 10,000 tasks
    # spent seconds assembling 280,000 placeholders); it returns the ids, so only tasks that
    # existed already (a planner running twice) are read back.
    inserted = {
        key: (pk, created_at)
        for key, pk, created_at in rows_insert(
            objs=tasks,
            on_conflict="ON CONFLICT (origin_key) DO NOTHING",
            returning=("origin_key", "id", "created_at"),
        )
    }
    stored: dict[str, Task] = {}
    for task in tasks:
        if task.origin_key in inserted:
            task.pk, task.created_at = inserted[task.origin_key]
            task._state.adding, task._state.db = False, "default"
            stored[task.origin_key] = task
    if missing := [key for key in keys if key not in stored]:
        stored.update(Task.objects.in_bulk(missing, field_name="origin_key"))
    return [stored[key] for key in keys]


@transaction.atomic(durable=True)
def task_claim(*, user_id: int, warehouse_id: int, kinds: list[str] | None = None) -> Task | None:
    """Give the user their next task: the one they already hold, else the most urgent open one.

    Open tasks are taken with SELECT ... FOR UPDATE SKIP LOCKED, so handhelds claiming at the
    same moment never get the same task and never wait for each other. Picks are claimed a
    whole batch at a time (the batch row is taken with SKIP LOCKED too), and only once their
    wave is released. None: no work.
    """
    mine = Task.objects.filter(
        assignee_id=user_id, status=Task.Status.ASSIGNED, warehouse_id=warehouse_id
    )
    # Picks wait for their wave: until released they belong to no batch.
    queue = Task.objects.filter(status=Task.Status.OPEN, warehouse_id=warehouse_id).exclude(
        kind=Task.Kind.PICK, batch__isnull=True
    )
    if kinds:
        mine, queue = mine.filter(kind__in=kinds), queue.filter(kind__in=kinds)
    if held := mine.order_by("route_sequence", "priority", "assigned_at", "id").first():
        return held
    busy_batches: list[int] = []
    for _attempt in range(20):
        task = task_claim_lock(
            claim_queue=queue.exclude(batch_id__in=busy_batches).order_by(
                "priority", "created_at", "route_sequence", "id"
            )
        )
        if task is None:
            return None
        if task.batch_id is None:
            return _assign(task, user_id)
        if pick_batch_claim_lock(claim_queue=PickBatch.objects.filter(pk=task.batch_id)) is None:
            busy_batches.append(task.batch_id)  # another handheld is taking this batch now
            continue
        return _batch_assign(task.batch_id, user_id)
    return None


def _assign(task: Task, user_id: int) -> Task:
    task.status = Task.Status.ASSIGNED
    task.assignee_id = user_id
    task.assigned_at = timezone.now()
    task.save(update_fields=["status", "assignee", "assigned_at", "updated_at"])
    return task


def _batch_assign(batch_id: int, user_id: int) -> Task:
    """Caller holds the batch row: hand all its open picks to the user, first stop first."""
    now = timezone.now()
    PickBatch.objects.filter(pk=batch_id).update(assignee_id=user_id, claimed_at=now)
    Task.objects.filter(batch_id=batch_id, status=Task.Status.OPEN).update(
        status=Task.Status.ASSIGNED, assignee_id=user_id, assigned_at=now, updated_at=now
    )
    return (
        Task.objects.filter(batch_id=batch_id, status=Task.Status.ASSIGNED, assignee_id=user_id)
        .order_by("route_sequence", "id")
        .first()
    )


@transaction.atomic(durable=True)
def task_release(*, task_id: int, user_id: int, can_control: bool = False) -> Task:
    """Hand an assigned task back to the queue (the worker cannot do it now)."""
    task = task_lock(task_id=task_id)
    if task.status != Task.Status.ASSIGNED:
        raise Conflict(f"Task {task.pk} is {task.status}, not assigned.", field="status")
    if task.assignee_id != user_id and not can_control:
        raise NotAllowed("This task is assigned to someone else.")
    return task_release_apply(task=task)


def task_release_apply(*, task: Task) -> Task:
    """Back to the queue, unassigned. Caller holds the task's lock and checked it is assigned
    (the supervisor's task board releases through here too)."""
    task.status, task.assignee, task.assigned_at = Task.Status.OPEN, None, None
    task.save(update_fields=["status", "assignee", "assigned_at", "updated_at"])
    return task


@transaction.atomic(durable=True)
def task_cancel(*, task_id: int, reason: str = "") -> Task:
    """Cancel an open or assigned task; cancelling a cancelled task changes nothing."""
    task = task_lock(task_id=task_id)
    if task.status == Task.Status.CANCELLED:
        return task
    if task.status == Task.Status.DONE:
        raise Conflict(f"Task {task.pk} is done and cannot be cancelled.", field="status")
    task.status = Task.Status.CANCELLED
    task.cancelled_at = timezone.now()
    task.notes = (reason or task.notes)[:300]
    task.save(update_fields=["status", "cancelled_at", "notes", "updated_at"])
    return task


@transaction.atomic(durable=True)
def task_claims_reopen_stale(*, older_than: timedelta | None = None) -> int:
    """Put tasks claimed long ago and never started back in the queue; returns how many.

    A handheld that died or a worker who went home must not hold work hostage.
    """
    older_than = older_than or timedelta(minutes=settings.WMS_TASK_CLAIM_TIMEOUT_MINUTES)
    cutoff = timezone.now() - older_than
    return Task.objects.filter(
        status=Task.Status.ASSIGNED, started_at__isnull=True, assigned_at__lt=cutoff
    ).update(status=Task.Status.OPEN, assignee=None, assigned_at=None, updated_at=timezone.now())


def task_progress_record(*, task: Task, quantity: int) -> Task:
    """Count ``quantity`` units done on a locked task; done when nothing is left."""
    now = timezone.now()
    task.quantity_done += quantity
    task.started_at = task.started_at or now
    fields = ["quantity_done", "started_at", "updated_at"]
    if task.quantity_done >= task.quantity:
        task.status = Task.Status.DONE
        task.completed_at = now
        fields += ["status", "completed_at"]
    task.save(update_fields=fields)
    return task


def task_for_worker(*, task_id: int, user_id: int, kinds: Sequence[str]) -> Task:
    """Lock the task for the worker completing it; an open task is claimed on the way."""
    task = task_lock(task_id=task_id)
    if task.kind not in kinds:
        raise DomainError(
            f"Task {task.pk} is a {task.get_kind_display().lower()} task.", field="task"
        )
    if task.status == Task.Status.CANCELLED:
        raise Conflict(f"Task {task.pk} was cancelled.", field="status")
    if task.status == Task.Status.OPEN:
        task.status, task.assignee_id, task.assigned_at = (
            Task.Status.ASSIGNED,
            user_id,
            timezone.now(),
        )
        task.save(update_fields=["status", "assignee", "assigned_at", "updated_at"])
    elif task.assignee_id != user_id:
        raise NotAllowed(f"Task {task.pk} is assigned to someone else.")
    return task
