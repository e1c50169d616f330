"""Putaway: planning tasks for stock waiting to be stored, and doing them on the floor."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from inventory.errors import DomainError, InvalidQuantity, LocationBlocked
from warehouse.locks import putaway_planning_lock
from warehouse.models import Location, StockMove, Task
from warehouse.services.allocation import backorders_retry_on_commit
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.putaway_strategy import PutawayStrategy
from warehouse.services.scans import ScanCheck, scans_check
from warehouse.services.tasks import task_for_worker, task_progress_record, tasks_create_many

PUTAWAY_KINDS = (Task.Kind.PUTAWAY, Task.Kind.REPLENISH)


@dataclass(frozen=True)
class PutawayNeed:
    """Units waiting at ``origin`` that must go to storage, and why (for the task's links)."""

    product_id: int
    lot_id: int | None
    quantity: int
    origin_key: str  # unique per cause: tasks get "<origin_key>:<n>"
    reference: str = ""
    receipt_item_id: int | None = None
    parent_id: int | None = None
    notes: str = ""


def putaway_tasks_plan(
    *, origin: Location, needs: Sequence[PutawayNeed], priority: int = 5
) -> list[Task]:
    """Create the putaway tasks for ``needs``, split over bins by the strategy.

    Caller is in a transaction. Serialises planning per warehouse, so the room each plan counts
    on is not promised twice. Idempotent through the tasks' origin keys.
    """
    if not needs:
        return []
    putaway_planning_lock(warehouse_id=origin.warehouse_id)
    # A need planned before keeps its plan. Planning it again would see its own tasks taking
    # the room and could split differently, adding tasks under keys the first plan never used
    # (a redelivered release_plan_task did exactly that). Every plan has a slot 0.
    before = _planned_before(needs)
    fresh = [need for need in needs if need.origin_key not in before]
    earlier = [task for tasks in before.values() for task in tasks]
    if not fresh:
        return earlier
    planned = []
    strategy = PutawayStrategy(origin=origin, product_ids={n.product_id for n in fresh})
    for need in fresh:
        slots = strategy.plan(
            product_id=need.product_id, lot_id=need.lot_id, quantity=need.quantity
        )
        for index, slot in enumerate(slots):
            planned.append(
                Task(
                    warehouse_id=origin.warehouse_id,
                    kind=Task.Kind.PUTAWAY,
                    product_id=need.product_id,
                    lot_id=need.lot_id,
                    quantity=slot.quantity,
                    source_location=origin,
                    destination_location=slot.location,
                    priority=priority,
                    reference=need.reference,
                    origin_key=f"{need.origin_key}:{index}",
                    receipt_item_id=need.receipt_item_id,
                    parent_id=need.parent_id,
                    notes=f"{slot.rule}; {need.notes}" if need.notes else slot.rule,
                )
            )
    return earlier + tasks_create_many(tasks=planned)


def _planned_before(needs: Sequence[PutawayNeed]) -> dict[str, list[Task]]:
    """The stored tasks of the needs planned already, by the need's origin key."""
    firsts = Task.objects.filter(origin_key__in=[f"{need.origin_key}:0" for need in needs])
    found: dict[str, list[Task]] = {
        task.origin_key.rpartition(":")[0]: [] for task in firsts.only("origin_key")
    }
    if not found:  # the usual case: one query
        return {}
    prefixes = Q()
    for key in found:
        prefixes |= Q(origin_key__startswith=f"{key}:")
    for task in Task.objects.filter(prefixes).order_by("id"):
        key, _, index = task.origin_key.rpartition(":")
        if key in found and index.isdigit():
            found[key].append(task)
    return found


@transaction.atomic(durable=True)
def putaway_task_complete(
    *,
    task_id: int,
    user_id: int,
    scanned_location: str,
    scanned_product: str,
    destination: str | None = None,
    quantity: int | None = None,
    lot_code: str | None = None,
    expected_done: int | None = None,
) -> Task:
    """Move the task's stock from its source into the scanned bin.

    The source, product (and lot) scans must match the task, or nothing changes
    (WrongLocation / WrongProduct / WrongLot). The bin may differ from the suggested one if it
    is an unblocked storage or pick bin with room; the ledger row says so. ``quantity``
    (default: all that is left) may be less than what is left: the task stays with the worker
    for the rest. A repeat of a submission (same ``expected_done``, or a task already done)
    changes nothing and returns the task as it is.
    """
    task = task_for_worker(task_id=task_id, user_id=user_id, kinds=PUTAWAY_KINDS)
    if task.status == Task.Status.DONE or (
        expected_done is not None and expected_done != task.quantity_done
    ):
        return task  # a double tap or a replay: already applied
    remaining = task.quantity - task.quantity_done
    quantity = remaining if quantity is None else quantity
    if not 1 <= quantity <= remaining:
        raise InvalidQuantity(
            f"Put away between 1 and {remaining} units on this task.", field="quantity"
        )
    check = scans_check(
        task=task,
        scanned_location=scanned_location,
        scanned_product=scanned_product,
        lot_code=lot_code,
    )
    bin_ = _destination_bin(task=task, check=check, destination=destination)
    suggested = task.destination_location
    reason = ""
    if suggested is not None and suggested.pk != bin_.pk:
        reason = f"put into {bin_.code} instead of the suggested {suggested.code}"
    moves_apply(
        lines=[MoveLine(task.product_id, quantity, task.source_location_id, bin_.pk, task.lot_id)],
        kind=StockMove.Kind.PUTAWAY if task.kind == Task.Kind.PUTAWAY else StockMove.Kind.REPLENISH,
        actor_id=user_id,
        task_id=task.pk,
        reason=reason,
        reference=task.reference,
        idempotency_key=f"task:{task.pk}:{task.quantity_done}",
    )
    if bin_.kind in Location.ALLOCATABLE_KINDS:
        backorders_retry_on_commit(product_id=task.product_id, warehouse_id=task.warehouse_id)
    return task_progress_record(task=task, quantity=quantity)


def _destination_bin(*, task: Task, check: ScanCheck, destination: str | None) -> Location:
    if not (destination or "").strip():
        if task.destination_location is None:
            raise DomainError("Scan the bin you put the stock into.", field="destination_location")
        return task.destination_location
    bin_ = check.location_in_warehouse(destination)
    if bin_.kind not in Location.ALLOCATABLE_KINDS:
        raise DomainError(
            f"{bin_.code} is a {bin_.get_kind_display().lower()}, not a storage bin.",
            field="destination_location",
        )
    if bin_.is_blocked:
        raise LocationBlocked(
            f"Bin {bin_.code} is blocked: {bin_.blocked_reason}.", field="destination_location"
        )
    return bin_
